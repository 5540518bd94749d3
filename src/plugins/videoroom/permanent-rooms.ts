// Rooms at start-up (the configuration file's and those saved with `permanent: true`) and saving the permanent ones.
import { isJsonObject } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { loadSaved } from '../plugin-settings.js';
import { E, errMessage, VideoRoomError } from './errors.js';
import { startRoom } from './keyframes.js';
import type { RoomId } from './publisher.js';
import { recordingFolder } from './recording.js';
import { Room } from './room.js';
import { fromConfigGroup, isRoomGroup, parseRoomSettings, settingsToGroup } from './room-settings.js';
import type { VideoRoomState } from './videoroom-state.js';

/** Creates the rooms of the configuration and of the saved state; a room that cannot be made is skipped (logged). */
export function loadRooms(vr: VideoRoomState, config: JsonObject): void {
  const saved = loadSaved(vr.store, (m) => vr.log.error(`videoroom: permanent rooms not loaded: ${m}`));
  const groups = [...Object.entries(config), ...Object.entries(saved)].filter(([name, g]) => isRoomGroup(name, g)) as [string, JsonObject][];
  if (groups.length === 0 && Object.keys(saved).length === 0 && !isJsonObject(config['room-1234'])) {
    // Without a configuration, the room janus.js's demos join, as Janus's sample configuration has it.
    groups.push(['room-1234', { description: 'Demo Room', secret: 'adminpwd', publishers: 6, bitrate: 128000, fir_freq: 10 }]);
  }
  for (const [name, group] of groups) {
    try {
      const raw = name.slice('room-'.length);
      const id: RoomId = vr.options.stringIds ? raw : Number(raw);
      if (!vr.options.stringIds && (!Number.isSafeInteger(id) || (id as number) <= 0)) throw new Error(`'${raw}' is not a numeric room id`);
      const settings = parseRoomSettings(fromConfigGroup(group), id);
      const isSaved = Object.prototype.hasOwnProperty.call(saved, name);
      // A saved room's rec_dir came from a client (create/edit), unless it is the one the configuration gives.
      const configured = isJsonObject(config[name]) ? config[name].rec_dir : undefined;
      const byOperator = !isSaved || (settings.recDir !== undefined && settings.recDir === configured);
      let folder: string;
      try {
        folder = recordingFolder(vr, settings.recDir, byOperator);
      } catch (err) {
        // Saved by an older version that let clients name any folder: the room stays, its recordings move.
        if (!(err instanceof VideoRoomError)) throw err;
        vr.log.warn(`videoroom: room '${name}': saved ${err.message.replace(/^Invalid element \((.*)\)$/, '$1')}, recording in ${vr.recordingsDir} instead`);
        settings.recDir = undefined;
        folder = vr.recordingsDir;
      }
      const room = new Room(id, settings, folder, vr.relayGroup);
      vr.rooms.set(id, room);
      if (isSaved) vr.permanent.add(id);
      startRoom(vr, room);
    } catch (err) {
      vr.log.error(`videoroom: room '${name}' skipped: ${errMessage(err)}`);
    }
  }
}

/** Writes every permanent room's settings to the plugin's state (a failure is the client's 499). */
export function saveRooms(vr: VideoRoomState): void {
  const store = vr.store;
  if (!store) return;
  const groups: JsonObject = {};
  for (const id of vr.permanent) {
    const room = vr.rooms.get(id);
    if (room) groups[`room-${id}`] = settingsToGroup(room.settings);
  }
  try {
    store.save(groups);
  } catch (err) {
    vr.log.error(`videoroom: saving permanent rooms to ${store.location}: ${errMessage(err)}`);
    throw new VideoRoomError(E.UNKNOWN, 'Error saving the configuration');
  }
}

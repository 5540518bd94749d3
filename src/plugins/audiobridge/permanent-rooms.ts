// Rooms at start-up (the configuration's `room-<id>` groups and those saved with `permanent: true`) and saving
// the permanent ones to the plugin's state.
import type { JsonObject } from '../../plugin-api/index.js';
import { errorText } from '../../logging/error-text.js';
import { loadSaved } from '../plugin-settings.js';
import { savePermanentGroups } from '../permanent-groups.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { isRoomGroup, roomSettings, type RoomId } from './room-settings.js';
import { AudioRoom } from './room.js';

/** Janus's sample configuration's room, which its demo page joins: there when the configuration names no room. */
export const DEMO_ROOM: JsonObject = { description: 'Demo Room', secret: 'adminpwd', sampling_rate: 16000, record: false };

/** Creates the configured and saved rooms (a saved room replaces a configured one of the same id); bad ones are logged and skipped. */
export function loadRooms(state: AudioBridgeState, config: JsonObject): AudioRoom[] {
  const saved = loadSaved(state.store, (m) => state.log.error(`audiobridge: permanent rooms not loaded: ${m}`));
  const configured = Object.entries(config).filter(([name, g]) => isRoomGroup(name, g));
  if (configured.length === 0) configured.push(['room-1234', DEMO_ROOM]);
  const groups = new Map<string, { group: JsonObject; isSaved: boolean }>();
  for (const [name, group] of configured) groups.set(name, { group: group as JsonObject, isSaved: false });
  for (const [name, group] of Object.entries(saved)) if (isRoomGroup(name, group)) groups.set(name, { group, isSaved: true });
  const rooms: AudioRoom[] = [];
  for (const [name, { group, isSaved }] of groups) {
    try {
      const raw = name.slice('room-'.length);
      const id: RoomId = state.options.stringIds ? raw : Number(raw);
      if (typeof id === 'number' && (!Number.isSafeInteger(id) || id <= 0)) throw new Error(`'${raw}' is not a numeric room id`);
      const room = new AudioRoom(id, roomSettings(group, id), state.newRelayGroup);
      state.rooms.set(id, room);
      rooms.push(room);
      if (isSaved) state.permanent.set(id, group);
    } catch (err) {
      state.log.error(`audiobridge: room '${name}' skipped: ${errorText(err)}`);
    }
  }
  return rooms;
}

/** Writes every permanent room to the plugin's state; throws (logged) when it cannot. */
export function savePermanentRooms(state: AudioBridgeState): void {
  savePermanentGroups(state.store, state.permanent, state.log, 'audiobridge');
}

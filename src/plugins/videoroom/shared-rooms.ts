// Rooms the same on every node of a cluster (docs/cluster.md): a room made with `create`, edited (`edit`,
// `allowed`) or destroyed on one node is a shared record every node applies. A record holds the room's settings
// as its saved group has them and whether it is permanent; a removal destroys the room everywhere (its
// participants there hear `destroyed`). Rooms of the configuration file exist on every node already; an edit
// or a destroy of one is shared the same way.
import { isJsonObject, type JsonObject } from '../plugin.js';
import { errMessage } from './errors.js';
import { roomChanged } from './handler-events.js';
import { startRoom } from './keyframes.js';
import { saveRooms } from './permanent-rooms.js';
import { publisherBitrate } from './publication.js';
import type { RoomId } from './publisher.js';
import { recordingFolder, setRecording } from './recording.js';
import { Room } from './room.js';
import { removeRoom } from './room-lifecycle.js';
import { parseRoomSettings, settingsToGroup } from './room-settings.js';
import type { VideoRoomState } from './videoroom-state.js';

/** A room id as a record key: the two kinds of id never meet. */
export function roomKey(id: RoomId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

function keyRoom(key: string, stringIds: boolean): RoomId | undefined {
  if (stringIds) return key.startsWith('s') && key.length > 1 ? key.slice(1) : undefined;
  const n = /^n\d{1,16}$/.test(key) ? Number(key.slice(1)) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** This node made or changed `room`: every node gets its settings. */
export function shareRoom(vr: VideoRoomState, room: Room): void {
  const cluster = vr.cluster;
  if (!cluster) return;
  const value: JsonObject = { settings: settingsToGroup(room.settings), permanent: vr.permanent.has(room.id) };
  cluster.putRecord(roomKey(room.id), value).catch((err: unknown) => vr.log.warn(`videoroom: room ${room.id} not shared with the other nodes: ${errMessage(err)}`));
}

/** This node destroyed room `id`: every node destroys it. */
export function unshareRoom(vr: VideoRoomState, id: RoomId): void {
  vr.cluster?.deleteRecord(roomKey(id)).catch((err: unknown) => vr.log.warn(`videoroom: the destruction of room ${id} not shared with the other nodes: ${errMessage(err)}`));
}

/** A record changed (`value`) or went (undefined), written by node `by`: the room here follows. */
export function applyRoomRecord(vr: VideoRoomState, key: string, value: JsonObject | undefined, by: string | undefined): void {
  const id = keyRoom(key, vr.options.stringIds);
  if (id === undefined) return;
  const room = vr.rooms.get(id);
  if (!value) {
    if (!room || room.destroyed) return;
    vr.log.info(`videoroom: room ${id} destroyed on another node`);
    removeRoom(vr, room, true);
    roomChanged(vr, 'destroyed', room);
    return;
  }
  // This node's own change, come back: it is already applied (a later one may be too).
  if (room && by === vr.cluster?.node) return;
  if (!isJsonObject(value.settings)) return;
  try {
    const settings = parseRoomSettings(value.settings, id);
    let folder: string;
    try {
      folder = recordingFolder(vr, settings.recDir, false);
    } catch {
      settings.recDir = undefined;
      folder = vr.recordingsDir;
    }
    if (!room) {
      const made = new Room(id, settings, folder, vr.relayGroup);
      vr.rooms.set(id, made);
      startRoom(vr, made);
      vr.log.info(`videoroom: room ${id} created on node ${by ?? 'unknown'}`);
      roomChanged(vr, 'created', made);
    } else {
      if (JSON.stringify(settingsToGroup(room.settings)) === JSON.stringify(settingsToGroup(settings))) return;
      const { bitrate, record } = room.settings;
      room.settings = settings;
      room.recFolder = folder;
      startRoom(vr, room);
      if (settings.bitrate !== bitrate) for (const p of room.participants.values()) if (p.active) p.handle?.sendRemb(publisherBitrate(room, p));
      // enable_recording on another node: this node's publishers are recorded here (or no longer).
      if (settings.record !== record) for (const p of room.participants.values()) setRecording(vr, room, p, settings.record);
      roomChanged(vr, 'edited', room);
    }
    if (value.permanent === true && vr.store && !vr.permanent.has(id)) {
      vr.permanent.add(id);
      saveRooms(vr);
    }
  } catch (err) {
    vr.log.warn(`videoroom: room ${id} from node ${by ?? 'unknown'} not applied: ${errMessage(err)}`);
  }
}

// Rooms the same on every node of a cluster (docs/cluster.md): a room made with `create`, edited (`edit`,
// `allowed`) or destroyed on one node is a shared record every node applies. A record holds the room's settings
// as its saved group has them and whether it is permanent; a removal destroys the room everywhere (its
// participants there hear `destroyed`). Rooms of the configuration file exist on every node already; an edit
// or a destroy of one is shared the same way. A change made while NATS is away is written once it is back; the
// newer change of a room wins (by the clock of the node that made it; a destruction wins over any change).
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

/**
 * The last change of a room this node knows of: when it was made (ms since the epoch, on the clock of the node
 * that made it) and by which node; `pending`, a change of this node's not written yet (NATS away).
 */
export interface RoomChange {
  readonly at: number;
  readonly by: string;
  pending: 'put' | 'delete' | undefined;
}

/** How often changes not written yet are tried again (and at once when the records were read again). */
const RETRY_MS = 2000;

/** Whether change `a` is newer than `b`: the later time, or at the same time the greater node name. */
function newer(a: { at: number; by: string }, b: { at: number; by: string }): boolean {
  return a.at > b.at || (a.at === b.at && a.by > b.by);
}

/** This node made or changed `room`: every node gets its settings. */
export function shareRoom(vr: VideoRoomState, room: Room): void {
  noteChange(vr, room.id, 'put');
}

/** This node destroyed room `id`: every node destroys it. */
export function unshareRoom(vr: VideoRoomState, id: RoomId): void {
  noteChange(vr, id, 'delete');
}

/** A change of this node's, newer than any it knows of the room (whatever the clocks say), written now or later. */
function noteChange(vr: VideoRoomState, id: RoomId, what: 'put' | 'delete'): void {
  const cluster = vr.cluster;
  if (!cluster) return;
  const at = Math.max(Date.now(), (vr.roomChanges.get(id)?.at ?? 0) + 1);
  vr.roomChanges.set(id, { at, by: cluster.node, pending: what });
  writeChange(vr, id, true);
}

/**
 * Writes this node's pending change of room `id`, unless a newer one of another node's is there by now (it was
 * applied here as it came). One that fails (NATS away) stays pending: written when the records are read again
 * after NATS is back, or at the next try.
 */
function writeChange(vr: VideoRoomState, id: RoomId, first: boolean): void {
  const cluster = vr.cluster;
  const change = vr.roomChanges.get(id);
  if (!cluster || !change?.pending) return;
  const what = change.pending;
  const room = vr.rooms.get(id);
  let write: Promise<void>;
  if (what === 'delete') write = cluster.deleteRecord(roomKey(id));
  else {
    const there = cluster.records().get(roomKey(id));
    if (!room || room.destroyed || (there && newer(recordChange(there), change))) {
      change.pending = undefined;
      return;
    }
    write = cluster.putRecord(roomKey(id), { settings: settingsToGroup(room.settings), permanent: vr.permanent.has(room.id), at: change.at, node: change.by });
  }
  write.then(
    () => {
      if (vr.roomChanges.get(id) === change && change.pending === what) change.pending = undefined;
    },
    (err: unknown) => {
      const line = `videoroom: ${what === 'delete' ? 'the destruction of room' : 'room'} ${id} not shared with the other nodes yet (${errMessage(err)}): tried again when NATS is back`;
      if (first) vr.log.warn(line);
      else vr.log.verbose(line);
      retryLater(vr);
    },
  );
}

/** Every pending change is tried again in a while (one timer for all). */
function retryLater(vr: VideoRoomState): void {
  if (vr.roomRetry) return;
  vr.roomRetry = setTimeout(() => {
    vr.roomRetry = undefined;
    writePendingRooms(vr);
  }, RETRY_MS);
  vr.roomRetry.unref();
}

/** The changes this node made while NATS was away go out (the records were just read again, or it is time to try). */
export function writePendingRooms(vr: VideoRoomState): void {
  for (const [id, change] of vr.roomChanges) if (change.pending) writeChange(vr, id, false);
}

/** The change a record carries: its time and node (a record of an earlier version, without them: older than any). */
function recordChange(value: JsonObject, by?: string): { at: number; by: string } {
  return { at: typeof value.at === 'number' && Number.isFinite(value.at) ? value.at : 0, by: by ?? (typeof value.node === 'string' ? value.node : '') };
}

/** A record changed (`value`) or went (undefined), written by node `by`: the room here follows. */
export function applyRoomRecord(vr: VideoRoomState, key: string, value: JsonObject | undefined, by: string | undefined): void {
  const id = keyRoom(key, vr.options.stringIds);
  if (id === undefined) return;
  const room = vr.rooms.get(id);
  if (!value) {
    // A destruction wins over any change of the room, made here while NATS was away or not.
    vr.roomChanges.delete(id);
    if (!room || room.destroyed) return;
    vr.log.info(`videoroom: room ${id} destroyed on another node`);
    removeRoom(vr, room, true);
    roomChanged(vr, 'destroyed', room);
    return;
  }
  // This node's own change, come back: it is already applied (a later one may be too).
  if (room && by === vr.cluster?.node) return;
  if (!isJsonObject(value.settings)) return;
  // The newer change wins (see RoomChange): one of this node's not written yet stays and goes out; one of this
  // node's that an older one overwrote (two nodes writing back what they did while NATS was away) is written again.
  const incoming = recordChange(value, by);
  const known = vr.roomChanges.get(id);
  if (known && !newer(incoming, known)) {
    if (room && !known.pending && known.by === vr.cluster?.node) {
      known.pending = 'put';
      writeChange(vr, id, false);
    }
    return;
  }
  vr.roomChanges.set(id, { ...incoming, pending: undefined });
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

// Room management requests: create, edit, destroy, exists, list, allowed, listparticipants.
import { uniqueId } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { check, E, VideoRoomError } from './errors.js';
import { startRoom } from './keyframes.js';
import { checkRanges, checkStored, MAX_ALLOWED_TOKENS, RANGES } from './limits.js';
import { saveRooms } from './permanent-rooms.js';
import { publisherBitrate } from './publication.js';
import { recordingFolder } from './recording.js';
import { Room } from './room.js';
import type { Publisher } from './publisher.js';
import { checkAdminKey, lookupRoom, roomIdOf } from './room-access.js';
import { describeRoom, parseRoomSettings } from './room-settings.js';
import { removeRoom } from './room-lifecycle.js';
import type { VideoRoomState } from './videoroom-state.js';
import { roomChanged } from './handler-events.js';
import { shareRoom, unshareRoom } from './shared-rooms.js';

export function createRoom(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkAdminKey(vr, body);
  let id = roomIdOf(vr, body, false);
  if (id === 0 || id === '') id = undefined;
  if (id !== undefined && vr.rooms.has(id)) throw new VideoRoomError(E.ROOM_EXISTS, `Room ${id} already exists`);
  const settings = parseRoomSettings(body, id ?? 0);
  const folder = recordingFolder(vr, settings.recDir, false);
  const permanent = body.permanent === true;
  if (permanent && !vr.store) throw new VideoRoomError(E.UNKNOWN, "No configuration file, can't create permanent room");
  if (id === undefined) {
    const n = uniqueId((x) => vr.rooms.has(x) || vr.rooms.has(String(x)));
    id = vr.options.stringIds ? String(n) : n;
    if (typeof body.description !== 'string') settings.description = `Room ${id}`;
  }
  const room = new Room(id, settings, folder, vr.relayGroup);
  vr.rooms.set(id, room);
  startRoom(vr, room);
  if (permanent) {
    vr.permanent.add(id);
    saveRooms(vr);
  }
  vr.log.info(`videoroom: room ${id} created${permanent ? ' (permanent)' : ''}`);
  roomChanged(vr, 'created', room);
  shareRoom(vr, room);
  return { videoroom: 'created', room: id, permanent };
}

export function editRoom(vr: VideoRoomState, body: JsonObject): JsonObject {
  check(body, [
    { name: 'new_description', type: 'string' },
    { name: 'new_is_private', type: 'boolean' },
    { name: 'new_secret', type: 'string' },
    { name: 'new_pin', type: 'string' },
    { name: 'new_require_pvtid', type: 'boolean' },
    { name: 'new_bitrate', type: 'positive' },
    { name: 'new_fir_freq', type: 'positive' },
    { name: 'new_publishers', type: 'positive' },
    { name: 'new_lock_record', type: 'boolean' },
    { name: 'new_rec_dir', type: 'string' },
    { name: 'permanent', type: 'boolean' },
  ]);
  checkRanges(body, [
    ['new_bitrate', RANGES.bitrate],
    ['new_fir_freq', RANGES.fir_freq],
    ['new_publishers', RANGES.publishers],
  ]);
  checkStored(body, ['new_description', 'new_secret', 'new_pin', 'new_rec_dir']);
  const room = lookupRoom(vr, body, true);
  const s = room.settings;
  const permanent = body.permanent === true;
  if (permanent && !vr.store) throw new VideoRoomError(E.UNKNOWN, "No configuration file, can't edit room permanently");
  // Checked before anything changes: a new rec_dir is a client's, so it must stay inside recordings_dir.
  const newRecDir = typeof body.new_rec_dir === 'string' ? (body.new_rec_dir === '' ? undefined : body.new_rec_dir) : s.recDir;
  const newFolder = typeof body.new_rec_dir === 'string' ? recordingFolder(vr, newRecDir, false) : room.recFolder;
  if (typeof body.new_description === 'string' && body.new_description !== '') s.description = body.new_description;
  if (typeof body.new_is_private === 'boolean') s.isPrivate = body.new_is_private;
  if (typeof body.new_secret === 'string') s.secret = body.new_secret === '' ? undefined : body.new_secret;
  if (typeof body.new_pin === 'string') s.pin = body.new_pin === '' ? undefined : body.new_pin;
  if (typeof body.new_require_pvtid === 'boolean') s.requirePvtid = body.new_require_pvtid;
  if (typeof body.new_bitrate === 'number') {
    s.bitrate = body.new_bitrate > 0 && body.new_bitrate < 64000 ? 64000 : body.new_bitrate;
    for (const p of room.participants.values()) if (p.active) p.handle?.sendRemb(publisherBitrate(room, p));
  }
  if (typeof body.new_fir_freq === 'number') {
    s.firFreq = body.new_fir_freq;
    startRoom(vr, room);
  }
  if (typeof body.new_publishers === 'number') s.publishers = Math.max(1, body.new_publishers);
  if (typeof body.new_lock_record === 'boolean') s.lockRecord = body.new_lock_record;
  s.recDir = newRecDir;
  room.recFolder = newFolder;
  if (permanent) {
    vr.permanent.add(room.id);
    saveRooms(vr);
  }
  roomChanged(vr, 'edited', room);
  shareRoom(vr, room);
  return { videoroom: 'edited', room: room.id, permanent };
}

export function destroyRoom(vr: VideoRoomState, body: JsonObject): JsonObject {
  check(body, [{ name: 'permanent', type: 'boolean' }]);
  const room = lookupRoom(vr, body, true);
  const permanent = body.permanent === true;
  removeRoom(vr, room, permanent);
  roomChanged(vr, 'destroyed', room);
  unshareRoom(vr, room.id);
  return { videoroom: 'destroyed', room: room.id, permanent };
}

export function roomExists(vr: VideoRoomState, body: JsonObject): JsonObject {
  const id = roomIdOf(vr, body)!;
  const room = vr.rooms.get(id);
  return { videoroom: 'success', room: id, exists: room !== undefined && !room.destroyed };
}

export async function listRooms(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  // A key given must be right (433); without one, private rooms stay hidden.
  const admin = vr.options.adminKey !== undefined && typeof body.admin_key === 'string' && body.admin_key !== '';
  if (admin) checkAdminKey(vr, body);
  const rooms = [...vr.rooms.values()].filter((r) => !r.destroyed && (!r.settings.isPrivate || admin));
  // Over many nodes, every node's participants count (span.ts), not the copies here.
  const others = vr.span ? await vr.span.counts(rooms) : undefined;
  const list = rooms.map((r) => describeRoom(r.id, r.settings, others ? ownCount(r) + (others.get(r) ?? 0) : r.participants.size));
  return { videoroom: 'success', list };
}

/** This node's own participants of `room` (not the copies of other nodes' publishers); 0 for no room. */
export function ownCount(room: Room | undefined): number {
  if (!room || room.destroyed) return 0;
  let n = 0;
  for (const p of room.participants.values()) if (p.spannedFrom === undefined) n++;
  return n;
}

/** `allowed`: the room's list of tokens a join must show (enable, disable, add, remove). */
export function editAllowed(vr: VideoRoomState, body: JsonObject): JsonObject {
  check(body, [
    { name: 'action', type: 'string', required: true },
    { name: 'allowed', type: 'array' },
  ]);
  const action = body.action as string;
  if (!['enable', 'disable', 'add', 'remove'].includes(action)) throw new VideoRoomError(E.INVALID_ELEMENT, `Unsupported action '${action}' (allowed)`);
  const list = body.allowed;
  if ((action === 'add' || action === 'remove') && !Array.isArray(list)) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (allowed)');
  if (Array.isArray(list) && !list.every((t) => typeof t === 'string')) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
  checkStored(body, ['allowed']);
  const room = lookupRoom(vr, body, true);
  const s = room.settings;
  const tokens = (list ?? []) as string[];
  if (action === 'add' && new Set([...(s.allowed ?? []), ...tokens]).size > MAX_ALLOWED_TOKENS) {
    throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (allowed can hold at most ${MAX_ALLOWED_TOKENS} tokens)`);
  }
  if (action === 'enable') s.allowed ??= new Set();
  else if (action === 'disable') s.allowed = undefined;
  else if (action === 'add') {
    s.allowed ??= new Set();
    for (const t of tokens) s.allowed.add(t);
  } else for (const t of tokens) s.allowed?.delete(t);
  shareRoom(vr, room);
  const out: JsonObject = { videoroom: 'success', room: room.id };
  if (s.allowed) out.allowed = [...s.allowed];
  return out;
}

/** Every participant of the room; in a room over many nodes, the other nodes' own participants as they list them. */
export async function listParticipants(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  const room = lookupRoom(vr, body, false);
  const own = ownParticipants(room);
  const others = vr.span ? await vr.span.roster(room) : [];
  return { videoroom: 'participants', room: room.id, participants: [...own, ...others] };
}

/** This node's participants of `room` as listparticipants shows them (not the copies of other nodes' ones). */
export function ownParticipants(room: Room): JsonObject[] {
  return [...room.participants.values()].filter((p) => p.spannedFrom === undefined).map((p) => participantEntry(room, p));
}

export function participantEntry(room: Room, p: Publisher): JsonObject {
  const out = p.identity();
  if (p.remote && p.spannedFrom === undefined) out.remote = true;
  out.publisher = p.active;
  if (room.settings.audiolevelEvent && p.active) out.talking = p.isTalking();
  return out;
}

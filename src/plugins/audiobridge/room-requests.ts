// Managing rooms: create, edit, destroy, exists, list, listparticipants, allowed, kick, kick_all, mute and
// unmute (a participant or the whole room), suspend and resume.
import { PluginError, type JsonObject } from '../../plugin-api/index.js';
import { freeRoomId } from '../permanent-groups.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { E } from './audiobridge-error.js';
import { announceChange, leave, othersOf } from './membership.js';
import { savePermanentRooms } from './permanent-rooms.js';
import { startRecording, stopRecording } from './room-recording.js';
import { checkFields, checkRoomSecret, checkSecret, findRoom, idField, roomId, stringList } from './request-checks.js';
import { roomSettings, settingsToGroup, type RoomId } from './room-settings.js';
import { AudioRoom } from './room.js';
import { startForwarder } from './forward-requests.js';
import { moderated, participantLeft, roomChanged, roomMuted, type Requester } from './handler-events.js';
import type { Participant } from './participant.js';

/** `permanent: true` without a place to keep it is refused before anything changes. */
function wantsSaving(state: AudioBridgeState, body: JsonObject, what: string): boolean {
  const save = body.permanent === true;
  if (save && !state.store) throw new PluginError(E.UNKNOWN_ERROR, `No configuration file, can't ${what}`);
  return save;
}

/** Saves the permanent rooms; Janus answers `permanent: false` when that failed. */
function saved(state: AudioBridgeState): boolean {
  try {
    savePermanentRooms(state);
    return true;
  } catch {
    return false;
  }
}

export async function create(state: AudioBridgeState, body: JsonObject, by?: Requester): Promise<JsonObject> {
  checkFields(body, [
    { name: 'description', type: 'string' },
    { name: 'secret', type: 'string' },
    { name: 'pin', type: 'string' },
    { name: 'is_private', type: 'boolean' },
    { name: 'allowed', type: 'array' },
    { name: 'sampling_rate', type: 'positive' },
    { name: 'sampling', type: 'positive' },
    { name: 'spatial_audio', type: 'boolean' },
    { name: 'record', type: 'boolean' },
    { name: 'record_file', type: 'string' },
    { name: 'record_dir', type: 'string' },
    { name: 'mjrs', type: 'boolean' },
    { name: 'mjrs_dir', type: 'string' },
    { name: 'allow_rtp_participants', type: 'boolean' },
    { name: 'signed_tokens', type: 'boolean' },
    { name: 'permanent', type: 'boolean' },
    { name: 'audiolevel_ext', type: 'boolean' },
    { name: 'audiolevel_event', type: 'boolean' },
    { name: 'audio_active_packets', type: 'positive' },
    { name: 'audio_level_average', type: 'positive' },
    { name: 'default_prebuffering', type: 'positive' },
    { name: 'default_expectedloss', type: 'positive' },
    { name: 'default_bitrate', type: 'positive' },
    { name: 'denoise', type: 'boolean' },
    { name: 'groups', type: 'array' },
  ]);
  if (state.options.adminKey !== undefined) checkSecret(state.options.adminKey, body, 'admin_key');
  let id = idField(state, body, 'room', false);
  const allowed = body.allowed !== undefined && body.allowed !== null ? stringList(body.allowed, 'allowed') : undefined;
  const save = wantsSaving(state, body, 'create permanent room');
  if (id !== undefined && state.rooms.has(id)) throw new PluginError(E.ROOM_EXISTS, `Room ${id} already exists`);
  id ??= freeRoomId(state.options.stringIds, (r) => state.rooms.has(r));
  const settings = roomSettings(body, id);
  const room = new AudioRoom(id, settings, state.newRelayGroup);
  if (allowed) {
    room.checkTokens = true;
    for (const t of allowed) room.allowed.add(t);
  }
  state.rooms.set(id, room);
  if (settings.record) await startRecording(state, room, false);
  state.log.verbose(`audiobridge: created room ${id} (${settings.rate} Hz${settings.spatial ? ', spatial' : ''})`);
  if (settings.signedTokens && !state.tokens?.signed) state.log.warn(`audiobridge: room ${id} asks for signed tokens, but the core does not sign tokens (general.token_auth_secret): not enforced`);
  if (save) state.permanent.set(id, settingsToGroup(settings));
  const permanent = save && saved(state);
  roomChanged(state, 'created', id, by);
  return { audiobridge: 'created', room: id, permanent };
}

export function edit(state: AudioBridgeState, body: JsonObject, by?: Requester): JsonObject {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'new_description', type: 'string' },
    { name: 'new_secret', type: 'string' },
    { name: 'new_pin', type: 'string' },
    { name: 'new_is_private', type: 'boolean' },
    { name: 'new_record_dir', type: 'string' },
    { name: 'new_mjrs_dir', type: 'string' },
    { name: 'permanent', type: 'boolean' },
  ]);
  const id = roomId(state, body);
  const save = wantsSaving(state, body, 'edit room permanently');
  const room = findRoom(state, id);
  checkSecret(room.settings.secret, body, 'secret');
  const s = room.settings;
  const given = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (given(body.new_description)) s.description = body.new_description;
  if (typeof body.new_is_private === 'boolean') s.isPrivate = body.new_is_private;
  if (given(body.new_secret)) s.secret = body.new_secret;
  // An empty new_pin removes the pin, as in Janus.
  if (typeof body.new_pin === 'string') s.pin = body.new_pin === '' ? undefined : body.new_pin;
  if (given(body.new_record_dir)) s.recordDir = body.new_record_dir;
  if (given(body.new_mjrs_dir)) s.mjrsDir = body.new_mjrs_dir;
  let permanent = false;
  if (save) {
    state.permanent.set(id, settingsToGroup(s));
    permanent = saved(state);
  }
  roomChanged(state, 'edited', id, by);
  return { audiobridge: 'edited', room: id, permanent };
}

export function destroy(state: AudioBridgeState, body: JsonObject, by?: Requester): JsonObject {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'permanent', type: 'boolean' },
  ]);
  const id = roomId(state, body);
  const save = wantsSaving(state, body, 'destroy room permanently');
  const room = findRoom(state, id);
  checkSecret(room.settings.secret, body, 'secret');
  state.rooms.delete(id);
  let permanent = false;
  if (save) {
    state.permanent.delete(id);
    permanent = saved(state);
  }
  const event = { audiobridge: 'destroyed', room: id };
  for (const p of room.participants.values()) {
    if (!p.session.destroyed) p.session.handle.pushEvent(undefined, event);
    p.session.participant = undefined;
  }
  void stopRecording(state, room);
  room.close();
  roomChanged(state, 'destroyed', id, by);
  state.log.verbose(`audiobridge: destroyed room ${id}`);
  return { audiobridge: 'destroyed', room: id, permanent };
}

export function exists(state: AudioBridgeState, body: JsonObject): JsonObject {
  const id = roomId(state, body);
  return { audiobridge: 'success', room: id, exists: state.rooms.has(id) };
}

export function list(state: AudioBridgeState, body: JsonObject): JsonObject {
  checkFields(body, [{ name: 'admin_key', type: 'string' }]);
  const key = state.options.adminKey;
  let all = false;
  if (key !== undefined && typeof body.admin_key === 'string') {
    checkSecret(key, body, 'admin_key');
    all = true;
  }
  const rooms: JsonObject[] = [];
  for (const room of state.rooms.values()) {
    const s = room.settings;
    if (s.isPrivate && !all) continue;
    rooms.push({
      room: room.id,
      description: s.description,
      pin_required: s.pin !== undefined,
      sampling_rate: s.rate,
      spatial_audio: s.spatial,
      record: room.recorder !== undefined,
      num_participants: room.participants.size,
      muted: room.muted,
    });
  }
  return { audiobridge: 'success', list: rooms };
}

export function listParticipants(state: AudioBridgeState, body: JsonObject): JsonObject {
  const id = roomId(state, body);
  const room = findRoom(state, id);
  const participants = [...room.participants.values()].map((p) => p.describe(room.settings.audiolevelEvent));
  return { audiobridge: 'participants', room: id, participants };
}

export function allowed(state: AudioBridgeState, body: JsonObject): JsonObject {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'action', type: 'string', required: true },
    { name: 'allowed', type: 'array' },
  ]);
  const id = roomId(state, body);
  const action = body.action as string;
  if (!['enable', 'disable', 'add', 'remove'].includes(action)) throw new PluginError(E.INVALID_ELEMENT, `Unsupported action '${action.slice(0, 100)}' (allowed)`);
  const room = findRoom(state, id);
  checkSecret(room.settings.secret, body, 'secret');
  if (action === 'enable') room.checkTokens = true;
  else if (action === 'disable') room.checkTokens = false;
  else {
    if (body.allowed === undefined || body.allowed === null) throw new PluginError(E.MISSING_ELEMENT, 'Missing element (allowed)');
    for (const t of stringList(body.allowed, 'allowed')) {
      if (action === 'add') room.allowed.add(t);
      else room.allowed.delete(t);
    }
  }
  const reply: JsonObject = { audiobridge: 'success', room: id };
  if (action !== 'disable') reply.allowed = [...room.allowed];
  return reply;
}

/** The room and the participant a moderation request names (after the room's secret). */
function target(state: AudioBridgeState, body: JsonObject): { room: AudioRoom; id: RoomId } {
  checkFields(body, [{ name: 'secret', type: 'string' }]);
  const room = findRoom(state, roomId(state, body));
  checkSecret(room.settings.secret, body, 'secret');
  const id = idField(state, body, 'id') as RoomId;
  return { room, id };
}

export function kick(state: AudioBridgeState, body: JsonObject, by?: Requester): JsonObject {
  const { room, id } = target(state, body);
  const p = room.participants.get(id);
  if (!p) throw new PluginError(E.NO_SUCH_USER, `No such user ${id} in room ${room.id}`);
  moderated(state, 'kicked', room, id, by);
  kickOut(state, room, p);
  return { audiobridge: 'success' };
}

export function kickAll(state: AudioBridgeState, body: JsonObject, by?: Requester): JsonObject {
  checkFields(body, [{ name: 'secret', type: 'string' }]);
  const room = findRoom(state, roomId(state, body));
  checkSecret(room.settings.secret, body, 'secret');
  for (const p of [...room.participants.values()]) {
    moderated(state, 'kicked_all', room, p.id, by);
    kickOut(state, room, p);
  }
  return { audiobridge: 'success' };
}

/** Out of the room, its PeerConnection closed; Janus's hang-up of that PeerConnection then reports it `left`. */
function kickOut(state: AudioBridgeState, room: AudioRoom, p: Participant): void {
  if (!p.plain && p.session.offerer !== undefined) participantLeft(state, room, p, false);
  leave(room, p, 'kicked');
  p.session.participant = undefined;
  p.close();
  if (!p.session.destroyed) p.session.handle.closePc();
}

/** `mute` / `unmute` of one participant by a moderator. */
export function moderate(state: AudioBridgeState, body: JsonObject, muted: boolean, by?: Requester): JsonObject {
  const { room, id } = target(state, body);
  const p = room.participants.get(id);
  if (!p) throw new PluginError(E.NO_SUCH_USER, `No such user ${id} in room ${room.id}`);
  if (p.options.muted !== muted) {
    p.options.muted = muted;
    if (muted) p.resetInbound();
    announceChange(room, p);
    moderated(state, muted ? 'mute' : 'unmute', room, id, by);
  }
  return { audiobridge: 'success' };
}

/** `mute_room` / `unmute_room`: everyone but those who joined with the secret. */
export function moderateRoom(state: AudioBridgeState, body: JsonObject, muted: boolean, by?: Requester): JsonObject {
  checkFields(body, [{ name: 'secret', type: 'string' }]);
  const room = findRoom(state, roomId(state, body));
  checkSecret(room.settings.secret, body, 'secret');
  if (room.muted !== muted) {
    room.muted = muted;
    room.notify({ audiobridge: 'event', room: room.id, muted });
    roomMuted(state, room, muted, by);
  }
  return { audiobridge: 'success' };
}

/** `suspend` / `resume`: out of the mix both ways, the PeerConnection kept. */
export function suspension(state: AudioBridgeState, body: JsonObject, suspend: boolean, by?: Requester): JsonObject {
  checkFields(body, [
    { name: 'pause_events', type: 'boolean' },
    { name: 'stop_record', type: 'boolean' },
    { name: 'record', type: 'boolean' },
    { name: 'filename', type: 'string' },
  ]);
  const { room, id } = target(state, body);
  const p = room.participants.get(id);
  if (!p) throw new PluginError(E.NO_SUCH_USER, `No such user ${id} in room ${room.id}`);
  if (p.options.suspended === suspend) return { audiobridge: 'success' };
  const wasPaused = p.options.pauseEvents;
  p.options.suspended = suspend;
  if (suspend) {
    p.options.pauseEvents = body.pause_events === true;
    p.resetInbound();
    if (body.stop_record === true) {
      p.recorder?.close();
      p.recorder = undefined;
    }
  } else {
    p.options.pauseEvents = false;
    // Events were paused: a recap of the room, as Janus sends.
    if (wasPaused && !p.session.destroyed) p.session.handle.pushEvent(undefined, { audiobridge: 'event', room: room.id, resumed: p.id, participants: othersOf(room, p) });
  }
  room.notify({ audiobridge: 'event', room: room.id, [suspend ? 'suspended' : 'resumed']: p.id }, p);
  moderated(state, suspend ? 'suspended' : 'resumed', room, p.id, by);
  return { audiobridge: 'success' };
}

/** `enable_recording`: the room's mix to a .wav file, on or off. */
export async function enableRecording(state: AudioBridgeState, body: JsonObject): Promise<JsonObject> {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'record', type: 'boolean', required: true },
    { name: 'record_file', type: 'string' },
    { name: 'record_dir', type: 'string' },
  ]);
  const room = findRoom(state, roomId(state, body));
  checkRoomSecret(state, room, body);
  if (typeof body.record_file === 'string') room.settings.recordFile = body.record_file;
  if (typeof body.record_dir === 'string') room.settings.recordDir = body.record_dir;
  room.settings.record = body.record === true;
  if (room.settings.record && !room.recorder) await startRecording(state, room, false);
  else if (!room.settings.record) await stopRecording(state, room);
  return { audiobridge: 'success', room: room.id, record: room.recorder !== undefined };
}

/** `enable_mjrs`: every participant's own audio to a .mjr file, on or off. */
export function enableMjrs(state: AudioBridgeState, body: JsonObject, toggle: (room: AudioRoom) => void): JsonObject {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'mjrs', type: 'boolean', required: true },
    { name: 'mjrs_dir', type: 'string' },
  ]);
  const room = findRoom(state, roomId(state, body));
  checkRoomSecret(state, room, body);
  if (typeof body.mjrs_dir === 'string') room.settings.mjrsDir = body.mjrs_dir;
  room.settings.mjrs = body.mjrs === true;
  toggle(room);
  return { audiobridge: 'success', mjrs: room.settings.mjrs };
}

/** A configured room's static forwarder, started with the room. */
export async function startConfiguredForwarder(state: AudioBridgeState, room: AudioRoom): Promise<void> {
  const f = room.settings.forwarder;
  if (!f) return;
  await startForwarder(state, room, {
    stream_id: f.id,
    host: f.host,
    host_family: f.hostFamily,
    port: f.port,
    ssrc: f.ssrc,
    codec: f.codec,
    ptype: f.ptype,
    group: f.group,
    srtp_suite: f.srtpSuite,
    srtp_crypto: f.srtpCrypto,
    always_on: f.alwaysOn,
  });
}

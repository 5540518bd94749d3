// Managing rooms: list, listparticipants, exists, create, edit, destroy, allowed and kick.
import { PluginError, type JsonObject } from '../../plugin-api/index.js';
import { freeRoomId } from '../permanent-groups.js';
import { checkFields, checkSecret, checkStrings, deliver, findRoom, render, roomField, type TextRoomCall } from './request-checks.js';
import { MAX_HISTORY, settingsToGroup } from './room-settings.js';
import { Room, type RoomId } from './room.js';
import { E } from './textroom-error.js';
import { savePermanentRooms } from './permanent-rooms.js';
import { participantKicked, roomChanged } from './handler-events.js';

/** The public rooms; private ones too for who gives the plugin's admin_key. */
export function list(call: TextRoomCall): JsonObject {
  const { body, state } = call;
  let all = false;
  const key = state.options.adminKey;
  if (key !== undefined && typeof body.admin_key === 'string' && body.admin_key !== '') {
    checkSecret(key, body, 'admin_key');
    all = true;
  }
  const rooms: JsonObject[] = [];
  for (const room of state.rooms.values()) {
    if (room.settings.isPrivate && !all) continue;
    rooms.push({
      room: room.id,
      description: room.settings.description,
      pin_required: room.settings.pin !== undefined,
      num_participants: room.participants.size,
      history: room.settings.historySize,
    });
  }
  return { textroom: 'success', list: rooms };
}

export function listParticipants(call: TextRoomCall): JsonObject {
  const id = roomField(call) as RoomId;
  const room = findRoom(call, id);
  const participants = [...room.participants.values()].map((p) => (p.display !== undefined ? { username: p.username, display: p.display } : { username: p.username }));
  return { textroom: 'success', room: id, participants };
}

export function exists(call: TextRoomCall): JsonObject {
  const id = roomField(call) as RoomId;
  return { textroom: 'success', room: id, exists: call.state.rooms.has(id) };
}

/** Over the Janus API, create, edit and destroy answer with their own word; over a data channel with `success`. */
function word(call: TextRoomCall, api: string): string {
  return call.origin === 'data' ? 'success' : api;
}

/** `permanent: true` without a place to keep it is refused before anything changes. */
function wantsSaving(call: TextRoomCall, what: string): boolean {
  const save = call.body.permanent === true;
  if (save && !call.state.store) throw new PluginError(E.UNKNOWN_ERROR, `No configuration file, can't ${what}`);
  return save;
}

/** Saves the permanent rooms; Janus answers `permanent: false` when that failed. */
function saved(call: TextRoomCall): boolean {
  try {
    savePermanentRooms(call.state);
    return true;
  } catch {
    return false;
  }
}

export function create(call: TextRoomCall): JsonObject {
  const { body, state } = call;
  checkFields(body, [
    { name: 'description', type: 'string' },
    { name: 'secret', type: 'string' },
    { name: 'pin', type: 'string' },
    { name: 'post', type: 'string' },
    { name: 'is_private', type: 'boolean' },
    { name: 'history', type: 'positive' },
    { name: 'allowed', type: 'array' },
    { name: 'permanent', type: 'boolean' },
  ]);
  let id = roomField(call, false);
  checkSecret(state.options.adminKey, body, 'admin_key');
  const allowed = body.allowed !== undefined && body.allowed !== null ? checkStrings(body.allowed, 'allowed') : undefined;
  const save = wantsSaving(call, 'create permanent room');
  if (id !== undefined && id !== 0 && state.rooms.has(id)) throw new PluginError(E.ROOM_EXISTS, `Room ${id} already exists`);
  if (id === undefined || id === 0) id = freeRoomId(state.options.stringIds, (r) => state.rooms.has(r));
  const history = typeof body.history === 'number' ? body.history : 0;
  if (history > MAX_HISTORY) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (history should be at most ${MAX_HISTORY})`);
  const room = new Room(id, {
    description: typeof body.description === 'string' && body.description !== '' ? body.description : `Room ${id}`,
    secret: typeof body.secret === 'string' ? body.secret : undefined,
    pin: typeof body.pin === 'string' ? body.pin : undefined,
    isPrivate: body.is_private === true,
    historySize: history,
    post: typeof body.post === 'string' ? body.post : undefined,
    allowed: new Set(allowed ?? []),
    checkTokens: allowed !== undefined,
  });
  state.rooms.set(id, room);
  state.log.verbose(`textroom: created room ${id} (${room.settings.isPrivate ? 'private' : 'public'})`);
  if (save) state.permanent.set(id, settingsToGroup(room.settings));
  const permanent = save && saved(call);
  roomChanged(state, 'created', id, call.session);
  return { textroom: word(call, 'created'), room: id, permanent };
}

export function edit(call: TextRoomCall): JsonObject {
  const { body, state } = call;
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'new_description', type: 'string' },
    { name: 'new_secret', type: 'string' },
    { name: 'new_pin', type: 'string' },
    { name: 'new_post', type: 'string' },
    { name: 'new_is_private', type: 'boolean' },
    { name: 'permanent', type: 'boolean' },
  ]);
  const id = roomField(call) as RoomId;
  const save = wantsSaving(call, 'edit room permanently');
  const room = findRoom(call, id);
  checkSecret(room.settings.secret, body, 'secret');
  const s = room.settings;
  // Empty strings change nothing, as in Janus.
  const given = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (given(body.new_description)) s.description = body.new_description;
  if (typeof body.new_is_private === 'boolean') s.isPrivate = body.new_is_private;
  if (given(body.new_secret)) s.secret = body.new_secret;
  if (given(body.new_post)) s.post = body.new_post;
  if (given(body.new_pin)) s.pin = body.new_pin;
  if (save) state.permanent.set(id, settingsToGroup(room.settings));
  const permanent = save && saved(call);
  roomChanged(state, 'edited', id, call.session);
  return { textroom: word(call, 'edited'), room: id, permanent };
}

export function destroy(call: TextRoomCall): JsonObject {
  const { body, state } = call;
  checkFields(body, [{ name: 'permanent', type: 'boolean' }]);
  const id = roomField(call) as RoomId;
  const save = wantsSaving(call, 'destroy room permanently');
  const room = findRoom(call, id);
  checkSecret(room.settings.secret, body, 'secret');
  state.rooms.delete(id);
  let permanent = false;
  if (save) {
    state.permanent.delete(id);
    permanent = saved(call);
  }
  // The one who destroys it hears of it, and so does everybody in it, who are then out.
  const event = render(state, { textroom: 'destroyed', room: id });
  deliver(call.session, event);
  for (const p of [...room.participants.values()]) {
    deliver(p.session, event);
    p.session.rooms.delete(id);
  }
  room.participants.clear();
  roomChanged(state, 'destroyed', id, call.session);
  return { textroom: word(call, 'destroyed'), room: id, permanent };
}

export function allowed(call: TextRoomCall): JsonObject {
  const { body } = call;
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'action', type: 'string', required: true },
    { name: 'allowed', type: 'array' },
  ]);
  const id = roomField(call) as RoomId;
  const action = (body.action as string).toLowerCase();
  if (!['enable', 'disable', 'add', 'remove'].includes(action)) throw new PluginError(E.INVALID_ELEMENT, `Unsupported action '${String(body.action).slice(0, 100)}' (allowed)`);
  const room = findRoom(call, id);
  checkSecret(room.settings.secret, body, 'secret');
  const s = room.settings;
  if (action === 'enable') s.checkTokens = true;
  else if (action === 'disable') s.checkTokens = false;
  else {
    const tokens = checkStrings(body.allowed, 'allowed');
    for (const t of tokens) {
      if (action === 'add') s.allowed.add(t);
      else s.allowed.delete(t);
    }
  }
  const reply: JsonObject = { textroom: 'success', room: id };
  if (action !== 'disable') reply.allowed = [...s.allowed];
  return reply;
}

/** Takes a participant out of a room (needs the secret); everybody in it, the kicked one included, is told. */
export function kick(call: TextRoomCall): JsonObject {
  const { body, state } = call;
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'username', type: 'string', required: true },
  ]);
  const id = roomField(call) as RoomId;
  const room = findRoom(call, id);
  checkSecret(room.settings.secret, body, 'secret');
  const username = body.username as string;
  const target = room.participants.get(username);
  if (!target) throw new PluginError(E.NO_SUCH_USER, `No such user ${username} in room ${id}`);
  const event = render(state, { textroom: 'kicked', room: id, username });
  for (const p of room.participants.values()) deliver(p.session, event);
  participantKicked(state, room, username, call.session);
  target.session.rooms.delete(id);
  room.participants.delete(username);
  return { textroom: 'success' };
}

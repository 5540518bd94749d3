// What participants do in a room: join, leave, message (public or whispered) and, with the secret, announce.
import { PluginError, type JsonObject } from '../../plugin-api/index.js';
import { messageDate } from './json-format.js';
import { checkFields, checkSecret, checkStrings, deliver, findRoom, render, requester, roomField, type TextRoomCall } from './request-checks.js';
import { participantJoined, participantLeft } from './handler-events.js';
import { Participant, type TextRoomSession } from './room.js';
import { E } from './textroom-error.js';
import type { TextRoomState } from './textroom-state.js';

export function join(call: TextRoomCall): JsonObject {
  const { body } = call;
  checkFields(body, [
    { name: 'username', type: 'string', required: true },
    { name: 'pin', type: 'string' },
    { name: 'token', type: 'string' },
    { name: 'display', type: 'string' },
    { name: 'history', type: 'boolean' },
  ]);
  const id = roomField(call) as NonNullable<ReturnType<typeof roomField>>;
  const room = findRoom(call, id);
  checkSecret(room.settings.pin, body, 'pin');
  const session = requester(call);
  if (session.rooms.has(id)) throw new PluginError(E.ALREADY_IN_ROOM, `Already in room ${id}`);
  const username = body.username as string;
  if (room.participants.has(username)) throw new PluginError(E.USERNAME_EXISTS, 'Username already taken');
  if (room.settings.checkTokens && (typeof body.token !== 'string' || !room.settings.allowed.has(body.token))) {
    throw new PluginError(E.UNAUTHORIZED, 'Unauthorized (not in the allowed list)');
  }
  const display = typeof body.display === 'string' ? body.display : undefined;
  const me = new Participant(session, room, username, display);
  session.rooms.set(id, me);
  room.participants.set(username, me);
  if (body.history !== false) for (const text of room.history) deliver(session, text);
  // The one who joins hears of it too, then everybody else, as in Janus.
  const event = render(call.state, { textroom: 'join', room: id, username, ...(display !== undefined ? { display } : {}) });
  deliver(session, event);
  const others: JsonObject[] = [];
  for (const p of room.participants.values()) {
    if (p === me) continue;
    deliver(p.session, event);
    others.push(p.display !== undefined ? { username: p.username, display: p.display } : { username: p.username });
  }
  participantJoined(call.state, me);
  return { textroom: 'success', participants: others };
}

export function leave(call: TextRoomCall): JsonObject {
  const id = roomField(call) as NonNullable<ReturnType<typeof roomField>>;
  findRoom(call, id);
  const me = requester(call).rooms.get(id);
  if (!me) throw new PluginError(E.NOT_IN_ROOM, `Not in room ${id}`);
  leaveRoom(call.state, me);
  return { textroom: 'success' };
}

/** Takes a participant out of its room and tells the room (and the participant) so. */
export function leaveRoom(state: TextRoomState, p: Participant): void {
  const room = p.room;
  p.session.rooms.delete(room.id);
  if (room.participants.get(p.username) === p) room.participants.delete(p.username);
  const event = render(state, { textroom: 'leave', room: room.id, username: p.username });
  deliver(p.session, event);
  for (const other of room.participants.values()) deliver(other.session, event);
  participantLeft(state, p);
}

/** A public message or a whisper; answered (with who got a whisper) unless `ack: false`. */
export function message(call: TextRoomCall): JsonObject | undefined {
  const { body, state } = call;
  checkFields(body, [
    { name: 'text', type: 'string', required: true },
    { name: 'to', type: 'string' },
    { name: 'tos', type: 'array' },
    { name: 'ack', type: 'boolean' },
  ]);
  const id = roomField(call) as NonNullable<ReturnType<typeof roomField>>;
  const room = findRoom(call, id);
  const me = requester(call).rooms.get(id);
  if (!me) throw new PluginError(E.NOT_IN_ROOM, `Not in room ${id}`);
  const to = typeof body.to === 'string' ? body.to : undefined;
  const hasTos = body.tos !== undefined && body.tos !== null;
  if (to !== undefined && hasTos) throw new PluginError(E.INVALID_ELEMENT, 'Both to and tos array provided');
  const tos = hasTos ? checkStrings(body.tos, 'tos') : undefined;
  const out: JsonObject = { textroom: 'message', room: id, from: me.username, date: messageDate(new Date()), text: body.text };
  if (to !== undefined || tos !== undefined) out.whisper = true;
  const text = render(state, out);
  const reply: JsonObject = { textroom: 'success' };
  if (to !== undefined || tos !== undefined) {
    const sent: JsonObject = {};
    for (const name of to !== undefined ? [to] : (tos ?? [])) {
      const target = room.participants.get(name);
      if (target) deliver(target.session, text);
      sent[name] = target !== undefined;
    }
    reply.sent = sent;
  } else {
    for (const p of room.participants.values()) deliver(p.session, text);
    // The history also says who the sender was shown as.
    if (room.settings.historySize > 0) room.remember(me.display !== undefined ? render(state, { ...out, display: me.display }) : text);
    if (room.settings.post) state.post(room.settings.post, text);
  }
  // Janus answers an unacknowledged message over the Janus API with nothing at all (see textroom.ts).
  return body.ack === false ? undefined : reply;
}

/** A message from the room itself (needs the secret): to everybody, kept in the history, posted. */
export function announcement(call: TextRoomCall): JsonObject {
  const { body, state } = call;
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'text', type: 'string', required: true },
  ]);
  const id = roomField(call) as NonNullable<ReturnType<typeof roomField>>;
  const room = findRoom(call, id);
  checkSecret(room.settings.secret, body, 'secret');
  const text = render(state, { textroom: 'announcement', room: id, date: messageDate(new Date()), text: body.text });
  for (const p of room.participants.values()) deliver(p.session, text);
  room.remember(text);
  if (room.settings.post) state.post(room.settings.post, text);
  return { textroom: 'success' };
}

/** Every room a handle is in, left (its PeerConnection went away, or the handle did). */
export function leaveAll(state: TextRoomState, session: TextRoomSession): void {
  for (const p of [...session.rooms.values()]) leaveRoom(state, p);
}

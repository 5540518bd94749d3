// Moderation: a participant kicked out of a room, a participant's stream muted or unmuted. Asked here of another
// node's participant (a room over many nodes), it is carried to that node and answered as it answers.
import type { JsonObject } from '../plugin.js';
import { check, E, VideoRoomError } from './errors.js';
import { resumed } from './keyframes.js';
import { lookupRoom, userIdOf } from './room-access.js';
import { leave } from './room-lifecycle.js';
import type { VideoRoomState } from './videoroom-state.js';

export function kick(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const id = userIdOf(vr, body, 'id', true)!;
  const p = room.participants.get(id);
  if (p?.spannedFrom !== undefined && vr.span) return vr.span.carry(p.spannedFrom, { ...body, request: 'kick' });
  if (!p || p.remote) throw new VideoRoomError(E.NO_SUCH_FEED, `No such user ${id} in room ${room.id}`);
  const h = p.handle ? vr.handles.get(p.handle.id) : undefined;
  p.handle?.pushEvent(undefined, { videoroom: 'event', room: room.id, leaving: 'ok', reason: 'kicked' });
  room.notify({ videoroom: 'event', room: room.id, kicked: id }, p);
  if (h) {
    leave(vr, h, 'kicked');
    p.handle?.closePc();
  }
  return { videoroom: 'success' };
}

export function moderate(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  check(body, [
    { name: 'mid', type: 'string', required: true },
    { name: 'mute', type: 'boolean', required: true },
  ]);
  const room = lookupRoom(vr, body, true);
  const id = userIdOf(vr, body, 'id', true)!;
  const p = room.participants.get(id);
  if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such user ${id} in room ${room.id}`);
  if (p.spannedFrom !== undefined && vr.span) return vr.span.carry(p.spannedFrom, { ...body, request: 'moderate' });
  const stream = p.stream(body.mid as string);
  if (!stream) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${String(body.mid)}' in feed (${id})`);
  const mute = body.mute === true;
  if (stream.muted !== mute) {
    stream.muted = mute;
    const event = { videoroom: 'event', room: room.id, id, mid: stream.mid, moderation: mute ? 'muted' : 'unmuted' };
    room.notify(event);
    if (p.spannedFrom === undefined) vr.span?.tellOthers(room, event);
    if (!mute) resumed(vr, p, stream);
  }
  return { videoroom: 'success' };
}

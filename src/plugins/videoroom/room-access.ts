// Reading room and user ids from a request, and the checks that stand before a room: its secret, its pin and
// allowed tokens, the plugin's admin key.
import { uniqueId } from '../../plugin-api/index.js';
import { isSafeId } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { checkSecret, E, VideoRoomError } from './errors.js';
import { checkStored } from './limits.js';
import type { Publisher, RoomId, UserId } from './publisher.js';
import type { Room } from './room.js';
import type { VideoRoomState } from './videoroom-state.js';

/** A room or user id in `body[key]`: a positive integer, or a string with `string_ids`. */
function idOf(vr: VideoRoomState, body: JsonObject, key: string, required: boolean): RoomId | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new VideoRoomError(E.MISSING_ELEMENT, `Missing mandatory element (${key})`);
    return undefined;
  }
  if (vr.options.stringIds) {
    if (typeof v !== 'string') throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element type (${key} should be a string)`);
    checkStored(body, [key]);
    return v;
  }
  // Janus's ids are 53-bit: a larger number would not come back as it was sent (0 is "none").
  if (v !== 0 && !isSafeId(v)) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element type (${key} should be a positive integer of at most 53 bits)`);
  return v;
}

export function roomIdOf(vr: VideoRoomState, body: JsonObject, required = true): RoomId | undefined {
  return idOf(vr, body, 'room', required);
}

export function userIdOf(vr: VideoRoomState, body: JsonObject, key: string, required: boolean): UserId | undefined {
  return idOf(vr, body, key, required);
}

/** A fresh id for a participant, of the kind `string_ids` says. */
export function newUserId(vr: VideoRoomState, room: Room): UserId {
  const n = uniqueId((x) => room.participants.has(x) || room.participants.has(String(x)));
  return vr.options.stringIds ? String(n) : n;
}

/** The room named by `room`; with `modify`, its secret must be given (when it has one). */
export function lookupRoom(vr: VideoRoomState, body: JsonObject, modify: boolean): Room {
  const id = roomIdOf(vr, body)!;
  const room = vr.rooms.get(id);
  if (!room || room.destroyed) throw new VideoRoomError(E.NO_SUCH_ROOM, `No such room (${id})`);
  if (modify && room.settings.secret !== undefined) checkSecret(body, 'secret', room.settings.secret);
  return room;
}

/** The participant `publisher_id` names in a room. */
export function lookupPublisher(vr: VideoRoomState, room: Room, body: JsonObject): Publisher {
  const pubId = userIdOf(vr, body, 'publisher_id', true)!;
  const p = room.participants.get(pubId);
  if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${pubId})`);
  return p;
}

/** Before a join (publisher or subscriber): a signed token when the room asks for one, the pin, the allowed list. */
export function checkJoinAccess(vr: VideoRoomState, room: Room, body: JsonObject): void {
  const s = room.settings;
  // As Janus: a signed token comes before the pin, and is asked for only when the core signs tokens.
  if (s.signedTokens && vr.tokens?.signed && !vr.tokens.signatureContains(body.token, `room=${room.id}`)) throw new VideoRoomError(E.UNAUTHORIZED, 'Unauthorized (wrong token)');
  if (s.pin !== undefined) checkSecret(body, 'pin', s.pin);
  if (s.allowed) {
    if (typeof body.token !== 'string' || !s.allowed.has(body.token)) throw new VideoRoomError(E.UNAUTHORIZED, 'Unauthorized (not in the allowed list)');
  }
}

export function checkAdminKey(vr: VideoRoomState, body: JsonObject): void {
  if (vr.options.adminKey !== undefined) checkSecret(body, 'admin_key', vr.options.adminKey);
}

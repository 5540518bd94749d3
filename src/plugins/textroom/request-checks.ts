// The checks every TextRoom request makes, with Janus's codes and wording, and how its texts go out.
import { findFieldError, isSafeId, PluginError, sameSecret, type FieldSpec, type JsonObject } from '../../plugin-api/index.js';
import { formatJson } from './json-format.js';
import type { Room, RoomId, TextRoomSession } from './room.js';
import { E } from './textroom-error.js';
import type { TextRoomState } from './textroom-state.js';

/** Where a request came from: a data channel, a handle's Janus API message, or the Admin API (no handle). */
export type Origin = 'data' | 'api' | 'admin';

/** One request being answered. */
export interface TextRoomCall {
  readonly state: TextRoomState;
  /** Undefined for the Admin API. */
  readonly session: TextRoomSession | undefined;
  readonly body: JsonObject;
  readonly origin: Origin;
}

const CODES = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT };

/** Throws the first broken rule (413 missing, 414 wrong type). */
export function checkFields(body: JsonObject, specs: readonly FieldSpec[]): void {
  const bad = findFieldError(body, specs, CODES);
  if (bad) throw new PluginError(bad.code, bad.message);
}

/** The request's `room`: mandatory, a positive integer (a string with `string_ids`). */
export function roomField(call: TextRoomCall, required = true): RoomId | undefined {
  const { body, state } = call;
  if (state.options.stringIds) {
    checkFields(body, [{ name: 'room', type: 'string', required }]);
    return (body.room as string | null | undefined) ?? undefined;
  }
  checkFields(body, [{ name: 'room', type: 'positive', required }]);
  const room = body.room as number | null | undefined;
  if (room === undefined || room === null) return undefined;
  // Ids beyond 2^53 would not survive JSON on the way back.
  if (room !== 0 && !isSafeId(room)) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element type (room should be a positive integer)');
  return room;
}

export function findRoom(call: TextRoomCall, id: RoomId): Room {
  const room = call.state.rooms.get(id);
  if (!room) throw new PluginError(E.NO_SUCH_ROOM, `No such room (${id})`);
  return room;
}

/** A secret, pin or key the room (or plugin) has must be given, as a string, and match. */
export function checkSecret(expected: string | undefined, body: JsonObject, member: string): void {
  if (expected === undefined) return;
  checkFields(body, [{ name: member, type: 'string', required: true }]);
  if (!sameSecret(body[member], expected)) throw new PluginError(E.UNAUTHORIZED, `Unauthorized (wrong ${member})`);
}

/** The array's members must all be strings (`allowed`, `tos`). */
export function checkStrings(value: unknown, name: string): readonly string[] {
  const list = (value ?? []) as readonly unknown[];
  if (!list.every((v) => typeof v === 'string')) throw new PluginError(E.INVALID_ELEMENT, `Invalid element in the ${name} array (not a string)`);
  return list;
}

/** The handle the request came on, for the requests that need one (the Admin API has none). */
export function requester(call: TextRoomCall): TextRoomSession {
  if (!call.session) throw new PluginError(E.UNKNOWN_ERROR, 'This request needs a handle');
  return call.session;
}

/** Writes a message once, in the plugin's style, for everyone it goes to. */
export function render(state: TextRoomState, message: JsonObject): string {
  return formatJson(message, state.options.style);
}

/** Sends text on a handle's data channel (nothing before it is up, as Janus). */
export function deliver(session: TextRoomSession | undefined, text: string): void {
  if (session && !session.destroyed) session.handle.relayData(text);
}

// The checks AudioBridge requests share, with Janus's codes and wording: fields, room and participant ids,
// secrets and keys, and where a file a client names may be.
import { isAbsolute, relative } from 'node:path';
import { findFieldError, isSafeId, PluginError, sameSecret, type FieldSpec, type JsonObject } from '../../plugin-api/index.js';
import { resolveInside, UnsafePathError } from '../safe-path.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { E } from './audiobridge-error.js';
import type { AudioRoom } from './room.js';
import type { RoomId } from './room-settings.js';

const CODES = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT };

/** Throws the first broken rule (483 missing, 484 wrong type). */
export function checkFields(body: JsonObject, specs: readonly FieldSpec[]): void {
  const bad = findFieldError(body, specs, CODES);
  if (bad) throw new PluginError(bad.code, bad.message);
}

/** An id member (`room`, `id`): a positive integer, or a string with `string_ids`. */
export function idField(state: AudioBridgeState, body: JsonObject, name: string, required = true): RoomId | undefined {
  if (state.options.stringIds) {
    checkFields(body, [{ name, type: 'string', required }]);
    const v = body[name] as string | null | undefined;
    return v === undefined || v === null || v === '' ? undefined : v;
  }
  checkFields(body, [{ name, type: 'positive', required }]);
  const v = body[name] as number | null | undefined;
  if (v === undefined || v === null || v === 0) return undefined;
  if (!isSafeId(v)) throw new PluginError(E.INVALID_ELEMENT, `Invalid element type (${name} should be a positive integer)`);
  return v;
}

export function roomId(state: AudioBridgeState, body: JsonObject): RoomId {
  return idField(state, body, 'room') as RoomId;
}

export function findRoom(state: AudioBridgeState, id: RoomId): AudioRoom {
  const room = state.rooms.get(id);
  if (!room || room.destroyed) throw new PluginError(E.NO_SUCH_ROOM, `No such room (${id})`);
  return room;
}

/** A secret, pin or key the room (or plugin) has must be given and match. */
export function checkSecret(expected: string | undefined, body: JsonObject, member: string): void {
  if (expected === undefined || expected === '') return;
  checkFields(body, [{ name: member, type: 'string', required: true }]);
  if (!sameSecret(body[member], expected)) throw new PluginError(E.UNAUTHORIZED, `Unauthorized (wrong ${member})`);
}

/** The room's secret, and the plugin's admin_key too where a lock setting asks for it. */
export function checkRoomSecret(state: AudioBridgeState, room: AudioRoom, body: JsonObject, locked = false): void {
  if (locked && state.options.adminKey !== undefined) checkSecret(state.options.adminKey, body, 'admin_key');
  checkSecret(room.settings.secret, body, 'secret');
}

/** An array member whose items must all be strings (`allowed`, `groups`). */
export function stringList(value: unknown, name: string): readonly string[] {
  const list = (value ?? []) as readonly unknown[];
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) throw new PluginError(E.INVALID_ELEMENT, `Invalid element in the ${name} array (not a string)`);
  return list;
}

/**
 * A file or folder a client names, inside the recordings folder: a relative name, or an absolute path that lies
 * there already (as Janus's clients write them). Throws 484 with the reason otherwise.
 */
export function clientPath(state: AudioBridgeState, name: string, what: string): string {
  const dir = state.recordingsDir;
  const rel = isAbsolute(name) ? relative(dir, name) : name;
  try {
    return resolveInside(dir, rel);
  } catch (err) {
    if (err instanceof UnsafePathError) throw new PluginError(E.INVALID_ELEMENT, `Invalid ${what} (${err.message}; files are kept in the recordings folder)`);
    throw err;
  }
}

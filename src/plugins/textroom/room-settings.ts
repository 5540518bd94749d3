// Rooms as the configuration writes them (`room-<id>` groups of a jcfg file or of the saved state) and back.
import { isJsonObject, type JsonObject } from '../../plugin-api/index.js';
import { isTrue } from '../plugin-settings.js';
import type { RoomId, RoomSettings } from './room.js';

/** Janus keeps the history size in 16 bits. */
export const MAX_HISTORY = 65_535;

/** A group of the plugin's configuration that describes a room. */
export function isRoomGroup(name: string, group: unknown): group is JsonObject {
  return name.startsWith('room-') && name.length > 'room-'.length && isJsonObject(group);
}

/** A room's settings from a configuration group (values may be written as text); throws on a bad value. */
export function settingsFromGroup(group: JsonObject, id: RoomId): RoomSettings {
  const text = (key: string): string | undefined => {
    const v = group[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`${key} should be a string`);
    return String(v);
  };
  const history = group.history === undefined ? 0 : Number(group.history);
  if (!Number.isInteger(history) || history < 0 || history > MAX_HISTORY) throw new Error(`history should be an integer from 0 to ${MAX_HISTORY}`);
  const description = text('description');
  return {
    description: description !== undefined && description !== '' ? description : `Room ${id}`,
    secret: text('secret'),
    pin: text('pin'),
    isPrivate: isTrue(group.is_private),
    historySize: history,
    post: text('post'),
    allowed: new Set(),
    checkTokens: false,
  };
}

/** What is saved of a permanent room (the allowed list is not, as in Janus). */
export function settingsToGroup(s: RoomSettings): JsonObject {
  const group: JsonObject = { description: s.description };
  if (s.isPrivate) group.is_private = true;
  if (s.secret !== undefined) group.secret = s.secret;
  if (s.pin !== undefined) group.pin = s.pin;
  if (s.historySize > 0) group.history = s.historySize;
  if (s.post !== undefined) group.post = s.post;
  return group;
}

// Events the room hears of a participant.
import type { JsonObject } from '../plugin.js';
import type { Publisher } from './publisher.js';
import type { Room } from './room.js';

/** `{videoroom: 'event', room, <key>: id}` with the participant's display and metadata (unpublished, leaving, renamed). */
export function participantEvent(room: Room, key: 'id' | 'unpublished' | 'leaving', p: Publisher): JsonObject {
  const ev: JsonObject = { videoroom: 'event', room: room.id, [key]: p.id };
  if (p.display !== undefined) ev.display = p.display;
  if (p.metadata !== undefined) ev.metadata = p.metadata;
  return ev;
}

/** The room's `publishers` event for one publication that is up. */
export function publishersEvent(room: Room, p: Publisher): JsonObject {
  return { videoroom: 'event', room: room.id, publishers: [p.describe()] };
}

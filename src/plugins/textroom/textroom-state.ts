// What the TextRoom's requests share: the rooms, the plugin's settings, and how messages leave.
import type { Logger } from '../../logging/logger.js';
import type { JsonObject, PluginStateStore } from '../../plugin-api/index.js';
import type { HandlerEvents } from '../handler-events.js';
import type { JsonStyle } from './json-format.js';
import type { Room, RoomId } from './room.js';

export interface TextRoomOptions {
  /** Set: `create` needs it, and `list` shows private rooms to who gives it. */
  readonly adminKey?: string;
  readonly stringIds: boolean;
  readonly style: JsonStyle;
}

export interface TextRoomState {
  readonly rooms: Map<RoomId, Room>;
  /**
   * What the plugin's state holds, by room: written by create and edit with `permanent: true`, taken out by such a
   * destroy (as Janus's configuration file: a room destroyed without `permanent` comes back at the next start).
   */
  readonly permanent: Map<RoomId, JsonObject>;
  readonly options: TextRoomOptions;
  /** Undefined: nothing can be made permanent. */
  readonly store?: PluginStateStore;
  readonly log: Logger;
  /** The event handlers, with the plugin's `events` setting (handler-events.ts). */
  readonly events: HandlerEvents;
  /** Hands a room's message to its `post` backend (asynchronously; failures are logged). */
  post(url: string, text: string): void;
}

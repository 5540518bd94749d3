// What the plugin knows of one handle: the role it plays in a room, and what an asynchronous request answers.
import type { PluginHandle, PluginReply } from '../plugin.js';
import type { Publisher } from './publisher.js';
import type { Room } from './room.js';
import type { Subscriber } from './subscriber.js';

/** What a handle is in the plugin: nothing yet, a participant (publisher) or a subscription. */
export type HandleRole =
  | { kind: 'none' }
  | { kind: 'publisher'; room: Room; publisher: Publisher }
  | { kind: 'subscriber'; room: Room; subscriber: Subscriber }
  /** It left (or was kicked, or its room went): a handle joins once; another join needs a new handle. */
  | { kind: 'gone' };

export interface HandleState {
  readonly handle: PluginHandle;
  role: HandleRole;
  destroyed: boolean;
}

/** The event (and SDP) an asynchronous request is answered with. */
export type AsyncReply = PluginReply;

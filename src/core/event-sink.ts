// What the core needs from a transport connection: somewhere to deliver a session's events.
import type { JsonObject } from './validate.js';

export type SessionOverReason = 'destroyed' | 'timeout' | 'claimed';

/**
 * A transport instance in Janus's sense: one WebSocket connection, or the REST transport with its
 * per-session long-poll queues. Events of a session go to the sink that created or last claimed it.
 */
export interface EventSink {
  /** Transport package name, e.g. "janus.transport.websockets". */
  readonly transport: string;
  /** Who is at the other end, for logs and Admin `handle_info`. */
  readonly peer: string;
  deliver(sessionId: number, message: JsonObject): void;
  sessionCreated?(sessionId: number): void;
  sessionOver?(sessionId: number, reason: SessionOverReason): void;
}

// A Janus session: a client's container of handles, bound to the transport connection that receives its events.
import type { EventSink } from './event-sink.js';
import type { Handle } from './handle.js';

export class Session {
  readonly handles = new Map<number, Handle>();
  /** -1 = the global session_timeout, 0 = never, N = seconds. */
  timeoutOverride = -1;
  /** The transport that owned the session went away; it waits for a `claim` until reclaim_session_timeout. */
  transportGone = false;
  destroyed = false;
  /** Events its transport dropped because its queue was full (Admin handle_info). */
  eventsDropped = 0;

  constructor(
    readonly id: number,
    public sink: EventSink,
    public lastActivity: number,
    readonly createdAt: number,
  ) {}

  touch(now: number): void {
    this.lastActivity = now;
  }
}

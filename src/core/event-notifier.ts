// What the core, the media layer (through the core), the plugins and the transports tell event handlers (Janus's
// janus_events_notify_handlers): the interface they see, Janus's numeric types and subtypes, and a notifier that
// takes nothing. src/events implements it; nothing here knows a handler or a backend.
import { randomId53 } from './ids.js';
import type { JsonObject } from './validate.js';

/** Janus's event types: a bit each, so that a handler's `events` mask selects them. */
export const EventType = {
  SESSION: 1,
  HANDLE: 2,
  EXTERNAL: 4,
  JSEP: 8,
  WEBRTC: 16,
  MEDIA: 32,
  PLUGIN: 64,
  TRANSPORT: 128,
  CORE: 256,
} as const;
export type EventTypeValue = (typeof EventType)[keyof typeof EventType];

/** Janus's subtypes (not a mask: they only tell apart events of one type). 0 = none, left out of the event. */
export const EventSubtype = {
  NONE: 0,
  CORE_STARTUP: 1,
  CORE_SHUTDOWN: 2,
  WEBRTC_ICE: 1,
  WEBRTC_LOCAL_CANDIDATE: 2,
  WEBRTC_REMOTE_CANDIDATE: 3,
  WEBRTC_SELECTED_PAIR: 4,
  WEBRTC_DTLS: 5,
  WEBRTC_STATE: 6,
  MEDIA_STATE: 1,
  MEDIA_SLOWLINK: 2,
  MEDIA_STATS: 3,
} as const;

/** Where an event happened: its session and handle (and the handle's opaque_id), when it has them. */
export interface EventContext {
  readonly sessionId?: number;
  readonly handleId?: number;
  readonly opaqueId?: string;
}

/**
 * The core's door to the event handlers. Callers ask `wants(type)` before they build an event's body, so that a
 * server without handlers (or whose handlers take other types) builds nothing; `notify` never throws, never
 * waits and never does I/O: the event is queued for each handler that takes its type.
 */
export interface EventNotifier {
  /** Janus's events_is_enabled: event handlers are on (`events.broadcast`) and at least one is running. */
  readonly enabled: boolean;
  /** Whether some handler takes events of this type now (an Admin `tweak` may change it). */
  wants(type: EventTypeValue): boolean;
  /**
   * Queues one event. `body` becomes the event's `event` member (an array for combined media statistics);
   * `context` gives session_id / handle_id / opaque_id where the type has them.
   */
  notify(type: EventTypeValue, subtype: number, body: JsonObject | readonly JsonObject[], context?: EventContext): void;
  /** Seconds between media statistics events of a PeerConnection (events.stats_period); 0 = none. */
  readonly statsPeriod: number;
  /** One statistics event per PeerConnection with every stream in an array (events.combine_media_stats). */
  readonly combineMediaStats: boolean;
  /** The `events` member of server_info: each running handler's package → name, author, description, version. */
  describe(): JsonObject;
  /**
   * Admin `query_eventhandler`: the handler's answer (Janus's `response`), or undefined when no handler has that
   * package.
   */
  query(handler: string, request: unknown): JsonObject | undefined;
  /** Each handler's counters for Admin get_status (queued, sent, dropped, …). */
  status(): JsonObject;
}

/** A notifier with no handler behind it (events.broadcast off): wants nothing, takes nothing. */
export const NO_EVENTS: EventNotifier = {
  enabled: false,
  wants: () => false,
  notify: () => undefined,
  statsPeriod: 0,
  combineMediaStats: false,
  describe: () => ({}),
  query: () => undefined,
  status: () => ({}),
};

const instanceIds = new WeakMap<object, string>();

/**
 * A transport instance (one WebSocket connection, the REST transport) as event handlers see it: a number as a
 * string, the same for the instance's whole life, that names nothing else (Janus hashes the instance's address).
 */
export function transportInstanceId(instance: object): string {
  let id = instanceIds.get(instance);
  if (id === undefined) {
    id = String(randomId53());
    instanceIds.set(instance, id);
  }
  return id;
}

// What an event handler kind is made of: a backend that delivers batches of events somewhere (an HTTP server, a
// WebSocket server, a broker), its settings, and how it is made. The dispatcher (event-dispatcher.ts) owns the
// queue, the batching and the retries; a backend only delivers, and says when it could not.
import type { JsonObject } from '../core/validate.js';
import type { SettingGroup, SettingValue } from '../config/setting.js';
import type { Logger } from '../logging/logger.js';
import type { Network } from '../net/network.js';
import type { EventJsonStyle } from './event-json.js';

export type { JsonObject };

/** One handler's delivery. */
export interface EventBackend {
  /** What it delivers to, for logs and get_status ("http://127.0.0.1:8080/events"). */
  readonly name: string;
  /**
   * Delivers one batch (one event when `grouping` is off). Resolves once the receiver has it; rejects with the
   * reason otherwise, and the dispatcher retries (max_retransmissions, retransmissions_backoff) or drops it.
   * Called again only after the previous call settled.
   */
  send(batch: readonly JsonObject[]): Promise<void>;
  /** Frees sockets and timers; after it, `send` is not called again. */
  close(): Promise<void>;
  /**
   * For backends that hold a connection (WebSocket, brokers): resolves once it is up. While it is down the
   * dispatcher waits here rather than spending retries, and events wait in the queue (bounded, oldest dropped).
   */
  whenReady?(): Promise<void>;
  /** What the backend adds to its handler's get_status entry (connected, reconnections, …). */
  status?(): JsonObject;
}

/** How a batch goes on the wire (shared by the backends that send text). Live: an Admin `tweak` changes it. */
export interface BatchFormat {
  /** One event a message as an object (false), or every batch as an array (true). */
  grouping: boolean;
  json: EventJsonStyle;
}

/** What a backend is made with. */
export interface BackendContext {
  /** The handler's settings after the config checked them (each key of the kind's table, its type), live. */
  readonly settings: Record<string, SettingValue>;
  readonly format: BatchFormat;
  /** Connections and name look-ups (client libraries that open their own sockets get only addresses). */
  readonly network: Network;
  readonly log: Logger;
}

/**
 * One kind of event handler, as events/catalog.ts lists them: Janus's package and file name, our config
 * section, its settings beyond the shared ones (handler-settings.ts), and the backend factory.
 */
export interface EventHandlerKind {
  /** "janus.eventhandler.sampleevh": also the name Admin `query_eventhandler` takes, and the Janus file's name. */
  readonly package: string;
  /** Our config section ("sampleevh" → [sampleevh], --sampleevh.backend, PORTUNUS_SAMPLEEVH_BACKEND). */
  readonly section: string;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly versionString: string;
  /** Its own settings (backend address, credentials, …); the shared ones are added by the catalog. */
  readonly settings: SettingGroup;
  /** Admin `tweak` fields beyond the shared ones (events, grouping), with their types. */
  readonly tweaks?: Readonly<Record<string, 'string' | 'boolean' | 'positive'>>;
  /** A reason the settings cannot work (no backend, a URL of the wrong scheme), or undefined. */
  problem(settings: Readonly<Record<string, SettingValue>>): string | undefined;
  /** Makes the backend; client libraries are imported here, so an unused kind loads nothing. */
  create(context: BackendContext): Promise<EventBackend>;
}

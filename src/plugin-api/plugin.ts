// The plugin interface: the one door between the core and the plugins that own media logic. Every rule a plugin
// author must know is written here, next to the member it governs (docs/plugin-api.md walks through a plugin).
import type { Logger } from '../logging/logger.js';
import type { Network } from '../net/network.js';
import type { JsonObject } from '../core/validate.js';
import type { AnswerOptions, Jsep, MediaTrackInfo, NegotiatedMedia, OfferTrack } from './media-types.js';

export interface PluginDescriptor {
  /** Package name clients attach to, e.g. "janus.plugin.echotest". */
  readonly package: string;
  readonly name: string;
  readonly author: string;
  readonly description: string;
  readonly version: number;
  readonly versionString: string;
  /**
   * The plugin API version the plugin was written for (`PLUGIN_API_VERSION`). The registry refuses a plugin that
   * declares another one, with an error line naming both; the server goes on without it. Absent counts as 1.
   */
  readonly apiVersion?: number;
}

/** A message from a client to a plugin (`janus: "message"`). */
export interface PluginMessage {
  readonly transaction: string;
  /** Always a JSON object (the core refuses anything else); its members are the client's, unchecked. */
  readonly body: JsonObject;
  /** Already checked by the core: a known type and SDP that parses. */
  readonly jsep?: Jsep;
}

/**
 * How a plugin answers a message:
 * - `ok`: a synchronous reply, sent as `success` with `plugindata` (and an optional jsep);
 * - `ack`: the plugin took the message and will answer later with `handle.pushEvent(transaction, …)`;
 * - `error`: the core answers with Janus error 462 (or the given code) and this reason. For the core's own
 *   refusals only (no plugin state for the handle); a plugin's errors go in `plugindata` (see `PluginError`).
 */
export type PluginResult =
  | { readonly kind: 'ok'; readonly data: JsonObject; readonly jsep?: Jsep }
  | { readonly kind: 'ack'; readonly hint?: string }
  | { readonly kind: 'error'; readonly reason: string; readonly code?: number };

/**
 * The verbs a plugin uses on a handle's media, declared once: a plugin calls them on its `PluginHandle`, the core
 * passes each straight to the media layer's peer, which implements them (same names, same argument order all the
 * way down). None of them throws or waits: before the PeerConnection is up, or on an unknown mid, they do nothing.
 */
export interface MediaLink {
  /**
   * Sends RTP (header included, unencrypted) to the client on a negotiated mid; the media layer writes its own
   * SSRC, payload type, sequence number and timestamp. An unknown mid, or no media yet, drops the packet.
   */
  relayRtp(mid: string, packet: Buffer): void;
  /** As `relayRtp`, for RTCP: keyframe requests (PLI, FIR) and REMB are acted upon, the rest is the media layer's business. */
  relayRtcp(mid: string, packet: Buffer): void;
  /** The next packet relayed on `mid` starts a new run (e.g. after a pause): the client still sees one stream. */
  restartRtp(mid: string): void;
  /** A packet the plugin chose not to relay on `mid` (a dropped temporal layer): the next ones close the gap. */
  skipRtp(mid: string): void;
  /** A data channel message; the channel is created (in-band) when none has that label. */
  relayData(data: Buffer | string, label?: string): void;
  /** Asks the client's sender for a keyframe (PLI) on a mid; `'*'` asks on every video mid of the handle. */
  requestKeyframe(mid: string): void;
  /** Caps the client's send bitrate (REMB). */
  sendRemb(bitrate: number): void;
}

/** What the core offers a plugin for one handle: its media verbs (`MediaLink`), events and negotiation. */
export interface PluginHandle extends MediaLink {
  readonly id: number;
  readonly sessionId: number;
  readonly opaqueId?: string;
  /** Lines carry the session and handle ids and the plugin as fields: log a handle's events here, not on the plugin's logger. */
  readonly log: Logger;
  /**
   * Sends an event to the client; `transaction` ties it to the request it answers (undefined: an unsolicited
   * event). Events pushed while the core is still answering a request on this handle are held until the `ack`
   * is out, so an answer can never overtake its `ack`.
   */
  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: Jsep): void;
  /**
   * Tells the event handlers something of this handle (Janus's notify_event): a type 64 event with the handle's
   * session, id and opaque_id, `{ plugin: <package>, data }`. Queued, never sent to the client; does nothing when
   * no handler takes plugin events, so build costly data only when `PluginContext.events.enabled` says so.
   */
  notifyEvent(data: JsonObject): void;
  /** Answers the client's offer from the handle's PeerConnection; rejects with a reason on bad SDP. */
  answerOffer(offer: Jsep, options: AnswerOptions): Promise<Jsep>;
  /**
   * Creates an offer for the given tracks (server-initiated negotiation). On a PeerConnection the server offered
   * before, a renegotiation: listed mids keep their m-lines, unlisted ones go inactive, new ones are added.
   */
  createOffer(tracks: readonly OfferTrack[]): Promise<Jsep>;
  /** A new offer with new ICE credentials on the PeerConnection the server offered (an ICE restart). */
  restartIce(): Promise<Jsep>;
  /** The m-lines the last negotiation accepted (empty before one). */
  negotiatedMedia(): readonly NegotiatedMedia[];
  /** Closes the PeerConnection (hangup reason "Close PC"); the handle stays. */
  closePc(): void;
  /** Ends the handle altogether, as a `detach` would (`destroySession` follows). */
  end(): void;
}

/** One receiver of a relay group: a handle's mid. */
export interface RelayMember {
  readonly handle: PluginHandle;
  readonly mid: string;
}

/**
 * The receivers of one stream that get every packet of it as they are (no layer choice, no skip): `relay` is
 * `relayRtp(mid, packet)` for each member, done by the media layer in one call for all of them where it can (one
 * native call rewrites, protects and batches the packet for every member). The plugin keeps the list current; a
 * member whose PeerConnection is not up yet, or went away, is skipped as relayRtp would.
 */
export interface RelayGroup {
  /** Replaces the members; call it whenever who gets the stream changes (start, pause, leave, a layer filter). */
  setMembers(members: readonly RelayMember[]): void;
  /** Relays one RTP packet (header included, unencrypted) to every member; the buffer is the caller's again on return. */
  relay(packet: Buffer): void;
  /** Lets every member go. */
  close(): void;
}

/** The event handlers as a plugin sees them (docs/events.md). */
export interface PluginEvents {
  /**
   * True while some event handler takes plugin events (type 64): a plugin builds an event's data only then (and
   * only when its own `events` setting is on, as Janus's plugins do). Cheap; may change at run time.
   */
  readonly enabled: boolean;
  /**
   * An event of the plugin's: with `handle`, in that handle's context (as `handle.notifyEvent`); without, out of
   * any session (a room destroyed over the Admin API, a forwarder started). Queued, never waits.
   */
  notify(data: JsonObject, handle?: PluginHandle): void;
}

/** Shared services the core gives to a plugin at start-up. */
export interface PluginContext {
  /** The event handlers; absent where the server runs none (tests), which a plugin treats as `enabled: false`. */
  readonly events?: PluginEvents;
  /** A new, empty relay group (the fan-out of one stream to many handles). */
  relayGroup(): RelayGroup;
  /** The plugin's logger (its lines carry the plugin's package name). */
  readonly log: Logger;
  /** The only way a plugin opens a socket (never `node:dgram`/`node:net` directly). */
  readonly network: Network;
  /** The plugin's own configuration section (may be empty). */
  readonly config: JsonObject;
  /** Where a plugin keeps what it is asked to keep (`permanent: true`); undefined = nowhere (general.state_dir unset). */
  readonly state?: PluginStateStore;
  /**
   * The absolute folder (general.recordings_dir) inside which every file a client names must be resolved
   * (see plugins/safe-path.ts). Paths from the plugin's own configuration file are the operator's and may be anywhere.
   */
  readonly recordingsDir: string;
  /** The core's token authentication as plugins use it (room `signed_tokens`); absent: tokens are not signed. */
  readonly tokens?: PluginTokens;
  /**
   * This node's placement records in its cluster (docs/cluster.md), for the plugins whose rooms or mountpoints
   * span nodes (VideoRoom, Streaming); absent on a single node.
   */
  readonly placement?: PluginPlacement;
  /**
   * The rest of the cluster as a plugin whose rooms span nodes sees it (docs/cluster.md): the same object as
   * `placement`, with who else holds an id, requests to the same plugin on another node and records every node
   * sees. Absent on a single node.
   */
  readonly cluster?: PluginCluster;
}

/** Which node holds which room or mountpoint of this plugin; both calls may be repeated and never throw. */
export interface PluginPlacement {
  /** This node has someone in room (or on mountpoint) `id`. */
  hold(id: number | string): void;
  /** It has nobody there any more (or the room is gone). */
  release(id: number | string): void;
}

/** What happens elsewhere in the cluster, as a plugin hears it. */
export type PluginClusterEvent =
  /** Another node started (`held`) or stopped (`released`) holding `id`. */
  | { readonly type: 'held' | 'released'; readonly id: number | string; readonly node: string }
  /** A node joined (started, came back after being taken as lost, or restarted). */
  | { readonly type: 'node-joined'; readonly node: string }
  /** A node is gone: `lost` (silent), `left` (said so) or `restarted` (a new incarnation under its name). */
  | { readonly type: 'node-gone'; readonly node: string; readonly reason: 'lost' | 'left' | 'restarted' }
  /** A shared record appeared, changed (`value`, written by node `by`) or went (`value` undefined). */
  | { readonly type: 'record'; readonly key: string; readonly value: JsonObject | undefined; readonly by: string | undefined }
  /** The shared records were read again (at every connection to NATS, after the `record` events of what changed meanwhile). */
  | { readonly type: 'records-read' };

/** A plugin's door to the cluster: no NATS type crosses it; every call is safe while NATS is away. */
export interface PluginCluster extends PluginPlacement {
  /** This node's name in the cluster. */
  readonly node: string;
  /** Whether media a plugin sends to another node is to be SRTP (cluster.srtp). */
  readonly srtp: boolean;
  /** The live nodes holding `id`, this one among them when it does. */
  holders(id: number | string): string[];
  /** The address other nodes send media to on `node` (its `cluster.media_ip`); undefined when it is not alive. */
  mediaAddress(node: string): string | undefined;
  /** Calls `listener` for every event from now on; returns what stops it. */
  on(listener: (event: PluginClusterEvent) => void): () => void;
  /**
   * Asks the same plugin on `node` (its `serve` handler); resolves with its answer, rejects when NATS is away,
   * on timeout (a few seconds), with the error the handler threw, or when the answer is not a JSON object.
   */
  request(node: string, body: JsonObject): Promise<JsonObject>;
  /** The handler of the requests other nodes send this plugin here (one; a later call replaces it). */
  serve(handler: (from: string, body: JsonObject) => Promise<JsonObject> | JsonObject): void;
  /** Writes a record every node sees (and hears of, this one included); rejects when NATS is away. */
  putRecord(key: string, value: JsonObject): Promise<void>;
  /** Removes it everywhere; rejects when NATS is away. */
  deleteRecord(key: string): Promise<void>;
  /** The records as last seen. */
  records(): ReadonlyMap<string, JsonObject>;
}

/** Signed tokens of a plugin's own (Janus's `auth_is_signed` / `auth_signature_contains`). */
export interface PluginTokens {
  /** Whether the core signs tokens (general.token_auth with token_auth_secret). */
  readonly signed: boolean;
  /** Whether `token` is a genuine, unexpired token of this plugin's package that names `descriptor` ("room=1234"). */
  signatureContains(token: unknown, descriptor: string): boolean;
}

/** A plugin's saved state: named groups of settings, read at start and rewritten whole on each change. */
export interface PluginStateStore {
  /** Where it is kept, for messages. */
  readonly location: string;
  /** What was saved so far; throws when it cannot be read. */
  load(): JsonObject;
  /** Replaces what is saved; throws when it cannot be written. */
  save(groups: JsonObject): void;
}

/**
 * A plugin. Every method is called on the event loop, one call at a time; none may block it (file and socket
 * work is asynchronous or bounded). Ships in the server by one line in `plugins/catalog.ts`.
 */
export interface Plugin {
  readonly descriptor: PluginDescriptor;
  /** Called once before any handle attaches; a throw (or rejection) disables this plugin alone, with an error line. */
  init?(context: PluginContext): Promise<void> | void;
  /** Called once at shutdown after the last handle; close files and sockets here. A throw is logged. */
  destroy?(): Promise<void> | void;
  /** A handle attached; throw to refuse (error 461). */
  createSession(handle: PluginHandle): void;
  /**
   * A client's message. Calls overlap: the core does not wait for an earlier message's answer before handing
   * over the next one, so a plugin that must take a handle's requests one at a time in arrival order (as
   * Janus's message thread does) queues them: `PluginRequests` in the kit does this per handle.
   * Errors the client should see go in `plugindata` as `{ <plugin>: 'event', error_code, error }` (a `PluginError`
   * through the kit); a throw that is not a `JanusError` is an internal fault: logged, the client gets 490.
   */
  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult>;
  /** The PeerConnection is up (ICE + DTLS done). */
  setupMedia?(handle: PluginHandle): void;
  /**
   * An RTP packet from the client, decrypted (header included). The buffer is lent: valid only during this call
   * (the media layer reuses it), so keep a copy of anything needed later. The plugin may change it in place
   * before relaying it. The hot path: no allocation or closure per packet.
   */
  incomingRtp?(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void;
  /** An RTCP compound packet from the client (decrypted); lent as in `incomingRtp`. `track` is undefined when no mid matches. */
  incomingRtcp?(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void;
  /** A data channel message; a Buffer is lent as in `incomingRtp`. */
  incomingData?(handle: PluginHandle, label: string, data: Buffer | string): void;
  /** The uplink or downlink is losing packets (Janus `slowlink`). */
  slowLink?(handle: PluginHandle, uplink: boolean, video: boolean): void;
  /** The PeerConnection went away; the handle remains. */
  hangupMedia?(handle: PluginHandle): void;
  /** The handle is gone (detach, session end, `end()`): drop its state and its queued requests; push nothing more. */
  destroySession(handle: PluginHandle): void;
  /** Plugin-specific state for Admin `handle_info`. */
  querySession?(handle: PluginHandle): JsonObject;
  /** Admin `message_plugin`. */
  handleAdminMessage?(request: JsonObject): JsonObject | Promise<JsonObject>;
  /**
   * What the plugin holds now (rooms, participants, mountpoints …), read each time `/metrics` is scraped
   * (docs/metrics.md): count what is in memory, no I/O, nothing kept per scrape. A throw is logged; the
   * other metrics are served without the plugin's.
   */
  metrics?(): readonly PluginMetric[];
}

/**
 * One metric family of a plugin, exposed as `portunus_plugin_<name>` with the label `plugin` (the package name)
 * added to every sample. Prometheus's conventions apply: base units (`_seconds`, `_bytes`) in the name, a
 * counter's name ends in `_total` and its value never goes down, a gauge is a value now.
 */
export interface PluginMetric {
  /** `[a-z_][a-z0-9_]*`; plugins that report the same thing use the same name (`rooms`, `participants`). */
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  /** The labels every sample carries besides `plugin` (e.g. `['mountpoint']`); a sample must give each one. */
  readonly labels?: readonly string[];
  readonly samples: readonly PluginMetricSample[];
}

export interface PluginMetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

// The plugin interface: the one door between the core and the plugins that own media logic.
import type { Logger } from '../logging/logger.js';
import type { Network } from '../net/network.js';
import type { JsonObject } from '../core/validate.js';

export type { JsonObject };

/** A session description as the Janus API carries it. */
export interface Jsep {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
  readonly trickle?: boolean;
  readonly e2ee?: boolean;
  /** Simulcast layers found in an offer, per m-line. */
  readonly simulcast?: readonly JsonObject[];
}

export interface PluginDescriptor {
  /** Package name clients attach to, e.g. "janus.plugin.echotest". */
  readonly package: string;
  readonly name: string;
  readonly author: string;
  readonly description: string;
  readonly version: number;
  readonly versionString: string;
}

/** A message from a client to a plugin (`janus: "message"`). */
export interface PluginMessage {
  readonly transaction: string;
  readonly body: JsonObject;
  readonly jsep?: Jsep;
}

/**
 * How a plugin answers a message:
 * - `ok`: a synchronous reply, sent as `success` with `plugindata` (and an optional jsep);
 * - `ack`: the plugin took the message and will answer later with `handle.pushEvent(transaction, …)`;
 * - `error`: the core answers with Janus error 462 (or the given code) and this reason.
 */
export type PluginResult =
  | { readonly kind: 'ok'; readonly data: JsonObject; readonly jsep?: Jsep }
  | { readonly kind: 'ack'; readonly hint?: string }
  | { readonly kind: 'error'; readonly reason: string; readonly code?: number };

export interface MediaTrackInfo {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  /** Simulcast layer (rid or substream index) when the sender simulcasts. */
  readonly rid?: string;
  readonly substream?: number;
  /** Negotiated codec name, lower case ("vp8", "h264", "opus"), when known. */
  readonly codec?: string;
}

/** Options for answering a client's offer. */
export interface AnswerOptions {
  readonly audio?: boolean;
  readonly video?: boolean;
  readonly data?: boolean;
  /** Answer media as sendrecv (echo), recvonly (publisher) or sendonly (a viewer that offers). */
  readonly direction?: 'sendrecv' | 'recvonly' | 'sendonly';
  readonly audioCodec?: string;
  readonly videoCodec?: string;
  /** Codecs allowed, in order of preference (a VideoRoom's list); `audioCodec`/`videoCodec` win when given. */
  readonly audioCodecs?: readonly string[];
  readonly videoCodecs?: readonly string[];
}

/** The codec an m-line negotiated, as the offerer numbered it. */
export interface NegotiatedCodec {
  /** Lower case ("opus", "vp8"). */
  readonly name: string;
  readonly pt: number;
  readonly clockRate: number;
  readonly channels?: number;
  readonly fmtp?: string;
}

/** A header extension of an m-line: the id the offerer gave a URI. */
export interface HeaderExtension {
  readonly id: number;
  readonly uri: string;
}

/** An accepted m-line of the handle's PeerConnection, in m-line order. */
export interface NegotiatedMedia {
  readonly mid: string;
  readonly kind: 'audio' | 'video' | 'data';
  /** For an answered offer: the m-line's index, codec, header extensions and simulcast rids (client-sent). */
  readonly index?: number;
  readonly codec?: NegotiatedCodec;
  readonly extensions?: readonly HeaderExtension[];
  readonly rids?: readonly string[];
}

/** A stream the server offers (Streaming, VideoRoom subscriber). */
export interface OfferTrack {
  readonly kind: 'audio' | 'video' | 'data';
  readonly mid: string;
  readonly codec?: string;
  readonly pt?: number;
  readonly fmtp?: string;
  readonly clockRate?: number;
  readonly channels?: number;
  /** False: offered inactive (a stream a renegotiation removes; m-lines are never taken out). */
  readonly active?: boolean;
}

/** What the core offers a plugin for one handle. */
export interface PluginHandle {
  readonly id: number;
  readonly sessionId: number;
  readonly opaqueId?: string;
  readonly log: Logger;
  /** Sends an event to the client; `transaction` ties it to the request it answers. */
  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: Jsep): void;
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
  /** Sends RTP (header included, unencrypted) to the client on a negotiated mid. */
  relayRtp(mid: string, packet: Buffer): void;
  relayRtcp(mid: string, packet: Buffer): void;
  /** The next packet relayed on `mid` starts a new run (e.g. after a pause): the client still sees one stream. */
  restartRtp(mid: string): void;
  /** A packet the plugin chose not to relay on `mid` (a dropped temporal layer): the next ones close the gap. */
  skipRtp(mid: string): void;
  relayData(data: Buffer | string, label?: string): void;
  /** Asks the client's sender for a keyframe on a mid. */
  requestKeyframe(mid: string): void;
  /** Caps the client's send bitrate (REMB). */
  sendRemb(bitrate: number): void;
  /** Closes the PeerConnection (hangup reason "Close PC"); the handle stays. */
  closePc(): void;
  /** Ends the handle altogether, as a `detach` would. */
  end(): void;
}

/** Shared services the core gives to a plugin at start-up. */
export interface PluginContext {
  readonly log: Logger;
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

export interface Plugin {
  readonly descriptor: PluginDescriptor;
  init?(context: PluginContext): Promise<void> | void;
  destroy?(): Promise<void> | void;
  /** A handle attached; throw to refuse (error 461). */
  createSession(handle: PluginHandle): void;
  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult>;
  /** The PeerConnection is up (ICE + DTLS done). */
  setupMedia?(handle: PluginHandle): void;
  incomingRtp?(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void;
  incomingRtcp?(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void;
  incomingData?(handle: PluginHandle, label: string, data: Buffer | string): void;
  /** The uplink or downlink is losing packets (Janus `slowlink`). */
  slowLink?(handle: PluginHandle, uplink: boolean, video: boolean): void;
  /** The PeerConnection went away; the handle remains. */
  hangupMedia?(handle: PluginHandle): void;
  destroySession(handle: PluginHandle): void;
  /** Plugin-specific state for Admin `handle_info`. */
  querySession?(handle: PluginHandle): JsonObject;
  /** Admin `message_plugin`. */
  handleAdminMessage?(request: JsonObject): JsonObject | Promise<JsonObject>;
}

// What the core needs from a handle's WebRTC transport; the media layer implements it.
import type { Logger } from '../logging/logger.js';
import type { AnswerOptions, Jsep, MediaTrackInfo, NegotiatedMedia, OfferTrack } from '../plugin-api/media-types.js';
import type { MediaLink, PluginHandle, RelayGroup } from '../plugin-api/plugin.js';
import type { MediaCounters } from './media-counters.js';
import type { JsonObject } from './validate.js';

export interface RemoteCandidate {
  readonly candidate?: string;
  readonly sdpMid?: string;
  readonly sdpMLineIndex?: number;
  readonly completed?: boolean;
}

/**
 * Callbacks from a handle's PeerConnection to the core, as methods: the peer calls them directly, so an
 * incoming packet reaches the plugin without a closure or an event emitter on the way.
 */
/** One end of the candidate pair ICE selected. */
export interface PairEnd {
  readonly address: string;
  readonly port: number;
  /** host, srflx, prflx or relay, where the media layer knows it (the remote end's comes from its candidates). */
  readonly type?: string;
  readonly transport: 'udp' | 'tcp';
}

export interface HandleMediaEvents {
  localCandidate(candidate: RemoteCandidate): void;
  /**
   * For event handlers (Janus's `webrtc` events, rare: a few a PeerConnection): the ICE state in Janus's names
   * (connecting, connected, ready, failed, disconnected), the DTLS state (trying, connected, failed), and each
   * new selected pair. Optional, so that a media layer without them still works.
   */
  iceState?(state: string): void;
  dtlsState?(state: string): void;
  selectedPair?(local: PairEnd, remote: PairEnd): void;
  webrtcUp(): void;
  mediaState(mid: string, type: 'audio' | 'video', receiving: boolean): void;
  slowLink(mid: string, type: 'audio' | 'video', uplink: boolean, lost: number): void;
  hangup(reason: string): void;
  rtp(track: MediaTrackInfo, packet: Buffer): void;
  rtcp(track: MediaTrackInfo | undefined, packet: Buffer): void;
  data(label: string, data: Buffer | string): void;
}

/** Receives a copy of each unencrypted packet the PeerConnection sends (Admin packet captures); the buffer is lent. */
export type OutgoingPacketTap = (kind: 'RTP' | 'RTCP' | 'DATA', packet: Uint8Array) => void;

export interface HandleMedia {
  answerOffer(offer: Jsep, options: AnswerOptions): Promise<Jsep>;
  createOffer(tracks: readonly OfferTrack[]): Promise<Jsep>;
  restartIce(): Promise<Jsep>;
  acceptAnswer(answer: Jsep): Promise<void>;
  negotiatedMedia(): readonly NegotiatedMedia[];
  addRemoteCandidate(candidate: RemoteCandidate): void;
  /** Where the handle's relay verbs (the plugin door's `MediaLink`) go: the peer itself, so a relayed packet crosses one interface. */
  readonly link: MediaLink;
  /** Idempotent; frees every socket and timer. */
  close(): void;
  /** State for Admin `handle_info`. */
  info(): JsonObject;
  /** Starts (a tap) or stops (undefined) copying what is sent, for a packet capture. */
  setOutgoingTap(tap: OutgoingPacketTap | undefined): void;
  /** The PeerConnection's state: `new`, `negotiating`, `connecting`, `up` (metrics count PeerConnections by it). */
  readonly state?: string;
  /**
   * What it counted so far, summed by kind (metrics); read at scrape time and once more when it closes. With
   * `into`, added to it and returned (a scrape sums every PeerConnection of a plugin without allocating).
   */
  counters?(into?: MediaCounters): MediaCounters;
  /**
   * Each stream's statistics as Janus sends them to event handlers (type 32, subtype 3: mid, mindex, media,
   * codec, base, lost, jitter, packets and bytes each way, NACKs, retransmissions …), while the PeerConnection is
   * up; called every events.stats_period seconds only when a handler takes media events.
   */
  eventStats?(): readonly JsonObject[];
}

/** What one handle asks of its PeerConnection at attach. */
export interface HandleMediaOptions {
  /** ICE ports from this range (attach `min_port`/`max_port`), on sockets of the handle's own. */
  readonly portRange?: { readonly min: number; readonly max: number };
}

export interface MediaFactory {
  create(events: HandleMediaEvents, log: Logger, options?: HandleMediaOptions): HandleMedia;
  /** A quick check of an SDP before a plugin sees it; returns a reason when it is unusable. */
  checkSdp(sdp: string): string | undefined;
  /** Opens what the media layer shares between handles (the shared ICE port) before the first handle. */
  start?(): Promise<void>;
  /** Frees what `start` opened; handles are closed first. */
  close?(): Promise<void>;
  /** Server-wide media state for Admin `get_status`. */
  status?(): JsonObject;
  /**
   * A relay group that reaches its members' PeerConnections itself; `linkOf` gives a handle's current media link
   * (the one its relay verbs go to, undefined while it has none).
   */
  createRelayGroup?(linkOf: (handle: PluginHandle) => MediaLink | undefined): RelayGroup;
}

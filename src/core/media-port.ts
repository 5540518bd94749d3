// What the core needs from a handle's WebRTC transport; the media layer implements it.
import type { AnswerOptions, Jsep, MediaTrackInfo, NegotiatedMedia, OfferTrack } from '../plugins/plugin.js';
import type { Logger } from '../logging/logger.js';
import type { JsonObject } from './validate.js';

export interface RemoteCandidate {
  readonly candidate?: string;
  readonly sdpMid?: string;
  readonly sdpMLineIndex?: number;
  readonly completed?: boolean;
}

/**
 * The verbs a plugin uses on a handle's media, declared once: the handle passes them straight to the media
 * layer's peer, which implements them (same names, same argument order all the way down).
 */
export interface MediaLink {
  /** Sends an RTP packet (header included, unencrypted) on a negotiated m-line; SSRC/PT/seq are rewritten for it. */
  relayRtp(mid: string, packet: Buffer): void;
  /** RTCP for the client: keyframe requests and REMB are acted upon, the rest is the stack's business. */
  relayRtcp(mid: string, packet: Buffer): void;
  /** The next packet relayed on `mid` starts a new run (e.g. after a pause): the client still sees one stream. */
  restartRtp(mid: string): void;
  /** A source packet dropped on purpose: the client must not see a hole in sequence numbers. */
  skipRtp(mid: string): void;
  /** A data channel message; the channel is created (in-band) when none has that label. */
  relayData(data: Buffer | string, label?: string): void;
  /** A PLI to the client's sender(s) on `mid` ('*': every video m-line). */
  requestKeyframe(mid: string): void;
  /** Caps what the client sends us (REMB). */
  sendRemb(bitrate: number): void;
}

/**
 * Callbacks from a handle's PeerConnection to the core, as methods: the peer calls them directly, so an
 * incoming packet reaches the plugin without a closure or an event emitter on the way.
 */
export interface HandleMediaEvents {
  localCandidate(candidate: RemoteCandidate): void;
  webrtcUp(): void;
  mediaState(mid: string, type: 'audio' | 'video', receiving: boolean): void;
  slowLink(mid: string, type: 'audio' | 'video', uplink: boolean, lost: number): void;
  hangup(reason: string): void;
  rtp(track: MediaTrackInfo, packet: Buffer): void;
  rtcp(track: MediaTrackInfo | undefined, packet: Buffer): void;
  data(label: string, data: Buffer | string): void;
}

export interface HandleMedia {
  answerOffer(offer: Jsep, options: AnswerOptions): Promise<Jsep>;
  createOffer(tracks: readonly OfferTrack[]): Promise<Jsep>;
  restartIce(): Promise<Jsep>;
  acceptAnswer(answer: Jsep): Promise<void>;
  negotiatedMedia(): readonly NegotiatedMedia[];
  addRemoteCandidate(candidate: RemoteCandidate): void;
  /** Where the handle's relay verbs go: the peer itself, so a relayed packet crosses one interface. */
  readonly link: MediaLink;
  /** Idempotent; frees every socket and timer. */
  close(): void;
  /** State for Admin `handle_info`. */
  info(): JsonObject;
}

export interface MediaFactory {
  create(events: HandleMediaEvents, log: Logger): HandleMedia;
  /** A quick check of an SDP before a plugin sees it; returns a reason when it is unusable. */
  checkSdp(sdp: string): string | undefined;
}

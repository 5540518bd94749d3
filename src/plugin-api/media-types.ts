// The media vocabulary plugins share with the media layer: session descriptions, tracks, negotiated m-lines.
import type { JsonObject } from '../core/validate.js';

/** A session description as the Janus API carries it. */
export interface Jsep {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
  readonly trickle?: boolean;
  readonly e2ee?: boolean;
  /** Simulcast layers found in an offer, per m-line. */
  readonly simulcast?: readonly JsonObject[];
}

/** The track an incoming packet arrived on. */
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
  /** A new offer on a PeerConnection that is up may add audio/video m-lines (default: refused, the plugin has no use for them). */
  readonly newStreams?: boolean;
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
  /** For an answered offer: the direction the client gave the m-line, as the client sees it (`sendonly`: it only sends). */
  readonly direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
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
  /**
   * As the server sees it: default sendonly (a viewer); sendrecv when the client sends on the m-line too (a
   * VideoCall callee); recvonly when the client only sends (a VideoCall peer that receives nothing there).
   */
  readonly direction?: 'sendonly' | 'sendrecv' | 'recvonly';
}

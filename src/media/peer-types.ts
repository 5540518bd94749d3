// Public types of a handle's WebRTC transport (WebRtcPeer): options, events, tracks.
import type { Network } from '../net/network.js';
import type { PortRange } from '../net/port-range.js';
import type { AcceptOptions } from './offer-plan.js';
import type { SharedIcePorts } from './shared-ice-ports.js';

export type PeerLogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug';

export interface WebRtcPeerOptions {
  readonly network: Network;
  readonly log: (level: PeerLogLevel, msg: string) => void;
  /** Advertise ICE-lite and stay controlled (Janus `ice_lite`); default true. */
  readonly iceLite?: boolean;
  readonly iceEnforceList?: readonly string[];
  readonly iceIgnoreList?: readonly string[];
  /** Addresses to advertise instead of local ones (Janus `nat_1_1_mapping`). */
  readonly nat1to1?: readonly string[];
  readonly rtpPortRange?: PortRange;
  /** `media.single_port`: ICE on one UDP port per local address, shared by every PeerConnection; absent: a port each. */
  readonly sharedPorts?: SharedIcePorts;
  /** Gather IPv6 candidates; forced off when the host cannot create IPv6 sockets. Default: host capability. */
  readonly ipv6?: boolean;
  /** ICE must connect within this long after the answer (else hangup "ICE failed"); default 30 s. */
  readonly iceTimeoutMs?: number;
  /** DTLS must complete within this long after ICE connects (else hangup "DTLS timeout"); default 20 s. */
  readonly dtlsTimeoutMs?: number;
  /** No consent (RFC 7675: authenticated checks, or answers to ours) from the selected pair for this long: hangup "ICE failed"; default 30 s. */
  readonly iceIdleTimeoutMs?: number;
  /** Janus `no_media_timer`: silence before `media` receiving:false; default 1000 ms. */
  readonly noMediaTimerMs?: number;
  /** Janus `slowlink_threshold`: lost packets per second that trigger `slowlink`; 0 = off (default). */
  readonly slowlinkThreshold?: number;
  /** STUN server asked for each ICE socket's server-reflexive address (nat.stun_server); none: host only. */
  readonly stunServer?: { readonly host: string; readonly port: number };
  /** Inbound RTP through our own SRTP and receiver-report/NACK code when AES-CM is negotiated (default true). */
  readonly ownReceivePath?: boolean;
  /** TURN server (UDP) where each PeerConnection allocates a relayed candidate (nat.turn_*); none: no relay. */
  readonly turnServer?: { readonly host: string; readonly port: number; readonly username: string; readonly password: string; readonly transport?: 'udp' | 'tcp' | 'tls' };
}

export interface PeerAcceptOptions extends AcceptOptions {
  /** Direction Portunus answers with for accepted audio/video: echo/relay (sendrecv, default) or publish only. */
  readonly direction?: 'sendrecv' | 'recvonly' | 'sendonly';
  /** A renegotiation may add audio/video m-lines (default: refused). */
  readonly newStreams?: boolean;
}

export type RtpKind = 'audio' | 'video';

/** One incoming RTP stream: a negotiated m-line, plus the simulcast rid when the sender uses rids. */
export interface RtpTrackInfo {
  readonly mid: string;
  readonly kind: RtpKind;
  readonly rid?: string;
  /** The rid's simulcast layer: 0 is the lowest quality. */
  readonly substream?: number;
  /** Negotiated codec name, lower case ("vp8", "opus"), when known. */
  readonly codec?: string;
}

export interface OfferTrackSpec {
  readonly kind: 'audio' | 'video' | 'application';
  readonly mid?: string;
  /** Codec name ("opus", "VP8", "H264" …); ignored for application. */
  readonly codec?: string;
  readonly pt?: number;
  readonly fmtp?: string;
  readonly clockRate?: number;
  readonly channels?: number;
  /** Ours: sendonly by default; recvonly when the client sends and gets nothing on the m-line. */
  readonly direction?: 'sendonly' | 'sendrecv' | 'recvonly';
  /** False: the m-line stays in the offer, inactive (a renegotiation that removes a stream). */
  readonly active?: boolean;
}

export type LocalCandidateEvent = { readonly candidate: string; readonly sdpMid: string; readonly sdpMLineIndex: number } | { readonly completed: true };

export type RemoteCandidateInput = { readonly candidate: string; readonly sdpMid?: string | null; readonly sdpMLineIndex?: number | null } | { readonly completed: true };

export interface MediaStateEvent {
  readonly mid: string;
  readonly type: RtpKind;
  readonly receiving: boolean;
}

export interface SlowLinkEvent {
  readonly mid: string;
  readonly media: RtpKind;
  /** From the server's point of view: true = packets from the peer are lost, false = the peer loses ours. */
  readonly uplink: boolean;
  readonly lost: number;
}

export interface DataMessage {
  readonly label: string;
  readonly data: Buffer | string;
  readonly binary: boolean;
}

export type WebRtcPeerEvents = {
  localCandidate: [LocalCandidateEvent];
  webrtcup: [];
  media: [MediaStateEvent];
  slowlink: [SlowLinkEvent];
  hangup: [string];
  /** Decrypted RTP, header included. The buffer is the peer's own: copy it to keep it past the call. */
  rtp: [RtpTrackInfo, Buffer];
  /** Decrypted RTCP (one packet of a compound at a time); track undefined when no m-line matched. */
  rtcp: [RtpTrackInfo | undefined, Buffer];
  data: [DataMessage];
};

export type PeerState = 'new' | 'negotiating' | 'connecting' | 'up' | 'closed';

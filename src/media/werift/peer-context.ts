// What every part of one werift-based peer shares: its options, the werift PeerConnection, its state, the
// negotiated m-lines, the sink its events go to, and the few sends that need the DTLS transport.
import type { RTCDtlsTransport, RTCPeerConnection } from 'werift';
import { errorText } from '../../logging/error-text.js';
import type { HandleMediaEvents, OutgoingPacketTap } from '../../core/media-port.js';
import { InboundCounters } from '../inbound-guard.js';
import type { PeerLogLevel, PeerState, WebRtcPeerOptions } from '../peer-types.js';
import type { MidState } from './mid-state.js';
import { RembCap } from './remb-cap.js';

/** Accepted m-lines of a negotiation, as the plugin sees them. */
export interface NegotiatedMline {
  readonly mid: string;
  readonly kind: 'audio' | 'video' | 'application';
  readonly index?: number;
  readonly codec?: { readonly name: string; readonly pt: number; readonly clockRate: number; readonly channels?: number; readonly fmtp?: string };
  readonly extensions?: readonly { readonly id: number; readonly uri: string }[];
  readonly rids?: readonly string[];
  /** For an answered offer: the direction the offerer gave the m-line (its own view). */
  readonly direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

/** Where events go once the peer is closed: nowhere. */
const CLOSED_EVENTS: HandleMediaEvents = {
  localCandidate() {},
  webrtcUp() {},
  mediaState() {},
  slowLink() {},
  hangup() {},
  rtp() {},
  rtcp() {},
  data() {},
};

export class PeerContext {
  pc: RTCPeerConnection | undefined;
  state: PeerState = 'new';
  iceConnected = false;
  dtlsUp = false;
  /** performance.now() when the offer was answered or made; connect time is measured from here. */
  startedAt = 0;
  /** The m-line every candidate is tagged with (bundle). */
  bundleMid: { mid: string; index: number } | undefined;
  negotiated: readonly NegotiatedMline[] = [];
  readonly mids = new Map<string, MidState>();
  /** A packet capture's copy of what is sent (Admin start_pcap); undefined almost always. */
  outgoingTap: OutgoingPacketTap | undefined;
  /** Our own SRTCP sender once the fast path is up (rtp-send-path.ts): true when it took the packet. */
  fastRtcp: ((rtcp: Buffer) => boolean) | undefined;
  /** The bitrate cap a plugin asked for, kept and sent again (remb-cap.ts). */
  readonly remb: RembCap = new RembCap(this);
  /** What the gate in front of the stack refused (inbound-guard.ts), and when consent was last given. */
  readonly inbound: InboundCounters;
  readonly iceLite: boolean;
  /** Janus `no_media_timer` and `slowlink_threshold`, bounded. */
  readonly noMediaMs: number;
  readonly slowlinkThreshold: number;
  readonly onAsyncError: (err: unknown) => void;
  private sink: HandleMediaEvents;

  constructor(
    readonly options: WebRtcPeerOptions,
    events: HandleMediaEvents,
  ) {
    this.sink = events;
    this.iceLite = options.iceLite ?? true;
    this.noMediaMs = Math.max(100, options.noMediaTimerMs ?? 1000);
    this.slowlinkThreshold = Math.max(0, options.slowlinkThreshold ?? 0);
    this.onAsyncError = (err) => this.log('debug', `async send failed: ${errorText(err)}`);
    this.inbound = new InboundCounters((msg) => this.log('verbose', msg));
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** The core's callbacks; after close, a sink that drops everything. */
  get events(): HandleMediaEvents {
    return this.sink;
  }

  /** Nothing more is reported once the peer is closed. */
  silence(): void {
    this.sink = CLOSED_EVENTS;
  }

  log(level: PeerLogLevel, msg: string): void {
    try {
      this.options.log(level, msg);
    } catch {
      // a logger must never break the media path
    }
  }

  assertOpen(): void {
    if (this.closed) throw new Error('PeerConnection closed during negotiation');
  }

  dtlsTransport(): RTCDtlsTransport | undefined {
    return this.pc?.dtlsTransports[0];
  }

  /** Protects and sends one RTCP packet of ours (feedback, PLI, REMB, reports) through werift's SRTCP context. */
  sendRawRtcp(buf: Buffer): void {
    this.outgoingTap?.('RTCP', buf);
    if (this.fastRtcp?.(buf) === true) return;
    const dtls = this.dtlsTransport();
    if (!dtls || dtls.state !== 'connected') return;
    try {
      const enc = dtls.srtcp.encrypt(buf);
      dtls.iceTransport.connection.send(enc).catch(this.onAsyncError);
    } catch (err) {
      this.onAsyncError(err);
    }
  }

  /** The SSRC our feedback is sent from: our first sender's (werift's receivers do the same). */
  feedbackSsrc(): number {
    for (const st of this.mids.values()) return st.transceiver.sender.ssrc;
    return 1;
  }
}

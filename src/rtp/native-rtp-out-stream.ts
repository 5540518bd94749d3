// RtpOutStream's job in the native addon (src/native/out-stream.c): header rewrite, SRTP protection and the NACK
// history of one outgoing stream in one call per packet, written straight into the caller's send buffer (no
// JavaScript copies, no Buffer views per packet). Same rules as media/rtp-out-stream.ts, which stays the TypeScript
// path and the reference the differential test holds this to. Use NativeRtpOutStream.create(), undefined when
// the addon is absent.
import { nativeAddon, type NativeAddon, type OutStreamHandle, type SrtpContext } from '../native/native-addon.js';
import { lastSecondValue } from './last-second-bytes.js';

/** Indexes into the counters outStreamCounters writes. */
const PACKETS = 0;
const OCTETS = 1;
const RETRANSMITTED = 2;
const LAST_TS = 3;
const LAST_SENT_AT = 4;
const HISTORY_BYTES = 5;
const LASTSEC = 6;
const LASTSEC_START = 7;

/** What an outgoing stream sent: packets, payload octets (after the 12-byte fixed header), packets resent for NACKs. */
export interface OutStreamCounts {
  readonly packets: number;
  readonly octets: number;
  readonly retransmitted: number;
}

export class NativeRtpOutStream {
  private readonly counters = new Float64Array(8);

  private constructor(
    private readonly addon: NativeAddon,
    readonly handle: OutStreamHandle,
    readonly ssrc: number,
    readonly payloadType: number,
    readonly clockRate: number,
  ) {}

  /** A stream protected with `srtp` (a native SRTP context), or undefined when the addon is absent. */
  static create(srtp: SrtpContext, ssrc: number, payloadType: number, clockRate: number, keepHistory: boolean): NativeRtpOutStream | undefined {
    const addon = nativeAddon();
    if (!addon) return undefined;
    return new NativeRtpOutStream(addon, addon.outStreamCreate(srtp, ssrc, payloadType, clockRate, keepHistory), ssrc, payloadType, clockRate);
  }

  private read(index: number): number {
    this.addon.outStreamCounters(this.handle, this.counters);
    return this.counters[index];
  }

  /** The three send counters from one native call (metrics and statistics read them together). */
  sentCounts(): OutStreamCounts {
    const c = this.counters;
    this.addon.outStreamCounters(this.handle, c);
    return { packets: c[PACKETS], octets: c[OCTETS], retransmitted: c[RETRANSMITTED] };
  }

  /** Sent packets and payload octets (for Sender Reports), and packets resent for NACKs. */
  get packets(): number {
    return this.read(PACKETS);
  }
  get octets(): number {
    return this.read(OCTETS);
  }
  get retransmitted(): number {
    return this.read(RETRANSMITTED);
  }
  /** Last sent RTP timestamp and when (ms, performance.now()), -1 before the first packet. */
  get lastTs(): number {
    return this.read(LAST_TS);
  }
  get lastSentAt(): number {
    return this.read(LAST_SENT_AT);
  }
  /** Bytes of buffers the NACK history holds now (about HISTORY_MS of packets, and a few spares). */
  get historyBytes(): number {
    return this.read(HISTORY_BYTES);
  }

  /** The bytes (RTP, header included) sent in the last second at `now` (LastSecondBytes' rule). */
  bytesLastSecond(now: number): number {
    this.addon.outStreamCounters(this.handle, this.counters);
    return lastSecondValue(this.counters[LASTSEC], this.counters[LASTSEC_START], now);
  }

  skip(): void {
    this.addon.outStreamSkip(this.handle);
  }

  restart(): void {
    this.addon.outStreamRestart(this.handle);
  }

  /**
   * Rewrites src (a checked RTP packet) into out (at least src.length + 16 bytes, not overlapping src), protects it
   * there and keeps a copy for NACKs: the SRTP packet's length, or -1 for a malformed header.
   */
  sendInto(src: Buffer, now: number, out: Buffer): number {
    return this.addon.outStreamSend(this.handle, src, src.length, now, out);
  }

  /** Copies the kept SRTP packet `seq` into out unless resent in the last `minGapMs`: its length, or 0. */
  recallInto(seq: number, now: number, out: Buffer, minGapMs = 20): number {
    return this.addon.outStreamRecall(this.handle, seq, now, minGapMs, out);
  }

  prune(now: number): void {
    this.addon.outStreamPrune(this.handle, now);
  }

  /** RTP timestamp that corresponds to wall time `now` (for a Sender Report). */
  timestampAt(now: number): number {
    this.addon.outStreamCounters(this.handle, this.counters);
    return (this.counters[LAST_TS] + Math.round(((now - this.counters[LAST_SENT_AT]) * this.clockRate) / 1000)) >>> 0;
  }
}

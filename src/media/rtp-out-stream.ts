// One outgoing RTP stream of a PeerConnection (one m-line): our SSRC and payload type written over whatever the
// source used, sequence numbers and timestamps re-based whenever the source changes or restarts so the receiver
// sees one continuous stream, the SRTP rollover counter, a short history of protected packets to answer NACKs
// with, and the counters a Sender Report needs. Works on raw buffers; nothing here allocates per packet: each
// history slot's buffer is reused for the next packet of that slot, and buffers of packets too old to resend go
// to a few recycled ones, so a stream holds about HISTORY_MS of packets.
import type { OutStreamCounts } from '../rtp/native-rtp-out-stream.js';
import { LastSecondBytes } from '../rtp/last-second-bytes.js';

/** Power of two: HISTORY_MS of video at up to 256 packets a second (~2.5 Mbit/s); each slot keeps a buffer. */
export const HISTORY_SLOTS = 128;
/** How long a sent packet is kept for retransmission (Janus keeps at least 200 ms, more with a long RTT). */
export const HISTORY_MS = 500;
/** Buffers a stream without history cycles through (power of two). */
const SPARE_BUFFERS = 8;
/** How many recent skips a late packet can be numbered across (power of two). */
const SKIP_MEMORY = 64;
/** A stream that sent nothing for this long gives its history buffers back. */
const IDLE_RELEASE_MS = 2000;
/** Buffers of expired packets kept for the next ones (beyond, they are let go). */
const MAX_RECYCLED = 16;

/** Slot buffer sizes: small packets (audio) share one size, video-sized ones another, so a slot is rarely regrown. */
function slotSize(n: number): number {
  return n <= 320 ? 320 : n <= 1300 ? 1300 : n;
}

export class RtpOutStream {
  /** Sent packets and payload octets (for Sender Reports), and packets resent for NACKs. */
  packets = 0;
  octets = 0;
  retransmitted = 0;

  /** The three send counters together (as the native stream gives them in one call). */
  sentCounts(): OutStreamCounts {
    return { packets: this.packets, octets: this.octets, retransmitted: this.retransmitted };
  }
  /** Bytes sent (header included) in the last second, for the media statistics event. */
  private readonly lastSecond = new LastSecondBytes();
  /** Last sent RTP timestamp and when (ms, performance.now()), -1 before the first packet. */
  lastTs = 0;
  lastSentAt = -1;
  private lastInSsrc = -1;
  /** The newest source sequence number seen (late packets are older). */
  private lastInSeq = 0;
  /** The last SKIP_MEMORY skips: after which source packet each happened, and the offset before it. */
  private skipCount = 0;
  private readonly skipAfterSeq = new Int32Array(SKIP_MEMORY);
  private readonly skipOffsetBefore = new Int32Array(SKIP_MEMORY);
  private restartPending = false;
  private seqOffset = 0;
  private tsOffset = 0;
  /** Extended (ROC * 65536 + seq) index of the highest sequence number sent, -1 before the first packet. */
  private highest = -1;
  private readonly history: (Buffer | undefined)[];
  /** Bytes of the protected packet in each slot's buffer. */
  private readonly historyLen: Int32Array;
  private readonly historySeq: Int32Array;
  /** Without a history (no NACK negotiated), a few buffers the packets are protected into in turn. */
  private spares: (Buffer | undefined)[] = [];
  private nextSpare = 0;
  /** When each kept packet was last resent (ms), so a burst of NACKs for one packet costs one resend. */
  private readonly resentAt: Float64Array;
  /** When each kept packet was sent (ms): older than HISTORY_MS, it is never resent and its buffer is recycled. */
  private readonly sentAt: Float64Array;
  /**
   * Buffers of packets older than HISTORY_MS, for the next ones: a stream holds about HISTORY_MS of packets (50 at
   * 100 a second) rather than a buffer in each slot. The next sequence number to look at for expiry.
   */
  private recycled: Buffer[] = [];
  private expireNext = -1;

  constructor(
    readonly ssrc: number,
    readonly payloadType: number,
    readonly clockRate: number,
    keepHistory: boolean,
  ) {
    this.history = keepHistory ? new Array<Buffer | undefined>(HISTORY_SLOTS).fill(undefined) : [];
    this.historySeq = new Int32Array(keepHistory ? HISTORY_SLOTS : 0).fill(-1);
    this.historyLen = new Int32Array(keepHistory ? HISTORY_SLOTS : 0);
    this.resentAt = new Float64Array(keepHistory ? HISTORY_SLOTS : 0);
    this.sentAt = new Float64Array(keepHistory ? HISTORY_SLOTS : 0);
  }

  /** One packet of the current source was dropped on purpose: the following ones take its sequence number. */
  skip(): void {
    if (this.highest < 0 || this.restartPending) return;
    // A packet that arrives late (a retransmission) from before this point keeps the numbering of its time.
    const at = this.skipCount++ & (SKIP_MEMORY - 1);
    this.skipAfterSeq[at] = this.lastInSeq;
    this.skipOffsetBefore[at] = this.seqOffset;
    this.seqOffset = (this.seqOffset - 1) & 0xffff;
  }

  /** The sequence offset that applied when source packet `inSeq` (older than the newest seen) was due. */
  private offsetForLate(inSeq: number): number {
    let offset = this.seqOffset;
    const n = Math.min(this.skipCount, SKIP_MEMORY);
    for (let k = 1; k <= n; k++) {
      const at = (this.skipCount - k) & (SKIP_MEMORY - 1);
      // Serial-number comparison: was inSeq at or before the packet after which this skip happened?
      if (((this.skipAfterSeq[at] - inSeq) & 0xffff) >= 0x8000) break;
      offset = this.skipOffsetBefore[at];
    }
    return offset;
  }

  /** The next packet starts a new run (e.g. a paused viewer resumes): re-base as for a new source. */
  restart(): void {
    this.restartPending = true;
  }

  /**
   * Copies `src` into `out` (at least src.length bytes) with our SSRC, payload type, sequence number and
   * timestamp; returns the rollover counter to protect it with.
   */
  rewrite(src: Buffer, out: Buffer, now: number): number {
    const inSsrc = src.readUInt32BE(8);
    const inSeq = (src[2] << 8) | src[3];
    const inTs = src.readUInt32BE(4);
    if (inSsrc !== this.lastInSsrc || this.restartPending) {
      if (this.highest >= 0) {
        // Continue right after what the receiver last saw; advance the clock by the wall time that passed.
        const nextSeq = (this.highest + 1) & 0xffff;
        const elapsed = Math.max(1, Math.round(((now - this.lastSentAt) * this.clockRate) / 1000));
        this.seqOffset = (nextSeq - inSeq) & 0xffff;
        this.tsOffset = (this.lastTs + elapsed - inTs) >>> 0;
      }
      this.lastInSsrc = inSsrc;
      this.restartPending = false;
      this.skipCount = 0;
      this.lastInSeq = inSeq;
    }
    src.copy(out, 0, 0, src.length);
    // In order (the usual case): the current offset. Late: the offset of its time, when skips happened since.
    // A second copy of the newest packet (a sender's probing resends the packet it sent last) is late too: a
    // skip since must not renumber it. (The first packet of a run has no skips behind it: the offset is the same.)
    const ahead = (inSeq - this.lastInSeq) & 0xffff;
    const late = ahead === 0 || ahead >= 0x8000;
    if (!late) this.lastInSeq = inSeq;
    const seq = (inSeq + (late && this.skipCount > 0 ? this.offsetForLate(inSeq) : this.seqOffset)) & 0xffff;
    const ts = (inTs + this.tsOffset) >>> 0;
    out[1] = (src[1] & 0x80) | this.payloadType;
    out[2] = seq >> 8;
    out[3] = seq & 0xff;
    out.writeUInt32BE(ts, 4);
    out.writeUInt32BE(this.ssrc, 8);
    // Extended index relative to the highest sent: a small step back is reordering, not a wrap.
    let index: number;
    if (this.highest < 0) {
      index = seq;
      this.highest = index;
    } else {
      const delta = ((seq - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      index = this.highest + delta;
      if (index < 0) index += 65536;
      if (delta > 0) this.highest = index;
    }
    this.lastTs = ts;
    this.lastSentAt = now;
    this.packets++;
    this.octets += src.length - 12;
    this.lastSecond.add(src.length, now);
    return Math.floor(index / 65536);
  }

  /**
   * The buffer (at least `size` bytes) to protect the packet with sequence number `seq` into: its history slot's,
   * reused from the packet HISTORY_SLOTS sequence numbers earlier. Its old content is no longer offered for resending.
   */
  bufferFor(seq: number, size: number): Buffer {
    if (this.history.length === 0) {
      // Not one buffer: a send the kernel could not take at once keeps its buffer until it can.
      const at = this.nextSpare++ & (SPARE_BUFFERS - 1);
      let b = this.spares[at];
      if (!b || b.length < size) this.spares[at] = b = Buffer.allocUnsafeSlow(slotSize(size));
      return b;
    }
    this.expire(seq, this.lastSentAt);
    const slot = seq & (HISTORY_SLOTS - 1);
    this.historySeq[slot] = -1;
    let b = this.history[slot] ?? this.recycled.pop();
    if (!b || b.length < size) b = Buffer.allocUnsafeSlow(slotSize(size));
    this.history[slot] = b;
    return b;
  }

  /** Recycles the buffers of packets sent more than HISTORY_MS before `now`, oldest first, up to `seq` (excluded). */
  private expire(seq: number, now: number): void {
    if (this.expireNext < 0) this.expireNext = seq;
    let distance = (seq - this.expireNext) & 0xffff;
    if (distance >= HISTORY_SLOTS) {
      // A jump (or late packets): only the last HISTORY_SLOTS numbers can have a slot.
      this.expireNext = (seq - (HISTORY_SLOTS - 1)) & 0xffff;
      distance = HISTORY_SLOTS - 1;
    }
    for (; distance > 0; distance--) {
      const slot = this.expireNext & (HISTORY_SLOTS - 1);
      const b = this.history[slot];
      if (b && this.historySeq[slot] === this.expireNext) {
        if (now - this.sentAt[slot] <= HISTORY_MS) return; // still resendable, and so is all after it
        if (this.recycled.length < MAX_RECYCLED) this.recycled.push(b);
        this.history[slot] = undefined;
        this.historySeq[slot] = -1;
      }
      this.expireNext = (this.expireNext + 1) & 0xffff;
    }
  }

  /** Bytes of the buffers the history holds (kept packets and recycled ones). */
  get historyBytes(): number {
    let n = 0;
    for (const b of this.history) n += b?.length ?? 0;
    for (const b of this.recycled) n += b.length;
    return n;
  }

  /** The packet protected into bufferFor(seq) is `length` bytes and was sent at `now`: keep it for NACKs. */
  remember(seq: number, length: number, now = this.lastSentAt): void {
    if (this.history.length === 0) return;
    const slot = seq & (HISTORY_SLOTS - 1);
    this.historySeq[slot] = seq;
    this.historyLen[slot] = length;
    this.resentAt[slot] = 0;
    this.sentAt[slot] = now;
  }

  /** An idle stream gives its buffers back (an active one keeps them: reusing them is what spares the allocations). */
  prune(now: number): void {
    if (this.history.length === 0 || now - this.lastSentAt < IDLE_RELEASE_MS) return;
    for (let slot = 0; slot < this.history.length; slot++) {
      this.history[slot] = undefined;
      this.historySeq[slot] = -1;
    }
    this.spares = [];
    this.recycled = [];
    this.expireNext = -1;
  }

  /**
   * The protected packet with this sequence number to resend, if still kept and not resent in the last
   * `minGapMs` (receivers repeat NACKs for a packet until it arrives).
   */
  recall(seq: number, now: number, minGapMs = 20): Buffer | undefined {
    if (this.history.length === 0) return undefined;
    const slot = seq & (HISTORY_SLOTS - 1);
    if (this.historySeq[slot] !== seq || now - this.resentAt[slot] < minGapMs || now - this.sentAt[slot] > HISTORY_MS) return undefined;
    const b = this.history[slot];
    if (!b) return undefined;
    this.resentAt[slot] = now;
    this.retransmitted++;
    return b.subarray(0, this.historyLen[slot]);
  }

  bytesLastSecond(now: number): number {
    return this.lastSecond.value(now);
  }

  /** RTP timestamp that corresponds to wall time `now` (for a Sender Report). */
  timestampAt(now: number): number {
    return (this.lastTs + Math.round(((now - this.lastSentAt) * this.clockRate) / 1000)) >>> 0;
  }
}

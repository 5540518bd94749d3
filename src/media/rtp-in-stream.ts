// One incoming RTP stream (one remote SSRC) on our own receive path: the reception statistics of an RTCP
// receiver report block (RFC 3550 §6.4.1, A.3, A.8), and the sequence numbers to ask again for (generic NACK,
// RFC 4585) with a bounded number of retries. No allocation per packet unless a packet is missing.
import { LastSecondBytes } from '../rtp/last-second-bytes.js';

/** A missing packet is asked for at most this many times, this often, for this long. */
const NACK_TRIES = 10;
const NACK_RETRY_MS = 40;
const NACK_GIVE_UP_MS = 1000;
/** Gaps wider than this are a restart of the sender, not loss worth asking for. */
const NACK_MAX_GAP = 200;

export class RtpInStream {
  received = 0;
  /** Bytes of the packets received (decrypted, header included), as Janus counts them: all, and the last second's. */
  bytes = 0;
  private readonly lastSecond = new LastSecondBytes();
  /** Sequence numbers asked for again so far (each retry counts). */
  nacked = 0;
  /** Extended highest sequence number, -1 before the first packet. */
  private highest = -1;
  private base = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private jitter = 0;
  private lastTransit = NaN;
  /** Middle 32 bits of the NTP time of the last Sender Report from this source, and when it came (ms). */
  private lsr = 0;
  private lsrAt = 0;
  /** Missing extended sequence numbers: when first missed, how often asked, when last asked. */
  private readonly missing = new Map<number, { since: number; tries: number; lastAt: number }>();

  constructor(
    readonly ssrc: number,
    private readonly clockRate: number,
    private readonly nack: boolean,
  ) {}

  /** Counts a received packet's bytes (what `bytes` and bytesLastSecond say). */
  countBytes(n: number, now: number): void {
    this.bytes += n;
    this.lastSecond.add(n, now);
  }

  bytesLastSecond(now: number): number {
    return this.lastSecond.value(now);
  }

  /** Notes a packet; returns true when it revealed a gap (a NACK is worth sending now). */
  onPacket(seq: number, rtpTimestamp: number, now: number): boolean {
    this.received++;
    // Interarrival jitter in timestamp units (RFC 3550 A.8).
    const transit = (now * this.clockRate) / 1000 - rtpTimestamp;
    if (!Number.isNaN(this.lastTransit)) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
    if (this.highest < 0) {
      this.highest = seq;
      this.base = seq;
      return false;
    }
    const cur = this.highest & 0xffff;
    const delta = ((seq - cur + 0x8000) & 0xffff) - 0x8000;
    const ext = this.highest + delta;
    if (delta <= 0) {
      // Late or repeated (a retransmission answering our NACK, say).
      if (this.missing.size > 0) this.missing.delete(ext);
      return false;
    }
    let gap = false;
    if (this.nack && delta > 1 && delta <= NACK_MAX_GAP) {
      for (let s = this.highest + 1; s < ext; s++) this.missing.set(s, { since: now, tries: 0, lastAt: 0 });
      gap = true;
    }
    this.highest = ext;
    return gap;
  }

  onSenderReport(ntpMiddle: number, now: number): void {
    this.lsr = ntpMiddle >>> 0;
    this.lsrAt = now;
  }

  /** The 16-bit sequence numbers to NACK now (each at most NACK_TRIES times, NACK_RETRY_MS apart). */
  due(now: number, out: number[]): void {
    for (const [s, m] of this.missing) {
      if (now - m.since > NACK_GIVE_UP_MS || m.tries >= NACK_TRIES) {
        this.missing.delete(s);
        continue;
      }
      if (m.tries === 0 || now - m.lastAt >= NACK_RETRY_MS) {
        m.tries++;
        m.lastAt = now;
        this.nacked++;
        out.push(s & 0xffff);
      }
    }
  }

  get waiting(): number {
    return this.missing.size;
  }

  /** Packets expected and not received so far, and the interarrival jitter (timestamp units). */
  get lost(): number {
    return this.highest < 0 ? 0 : Math.max(0, this.highest - this.base + 1 - this.received);
  }
  get jitterUnits(): number {
    return Math.floor(this.jitter);
  }

  /** Writes this stream's 24-byte report block at `at` (and starts the next reporting interval). */
  writeReportBlock(b: Buffer, at: number, now: number): void {
    const expected = this.highest < 0 ? 0 : this.highest - this.base + 1;
    const lost = Math.max(0, expected - this.received);
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    b.writeUInt32BE(this.ssrc >>> 0, at);
    b[at + 4] = fraction;
    b.writeUIntBE(Math.min(lost, 0x7fffff), at + 5, 3);
    b.writeUInt32BE(Math.max(0, this.highest) >>> 0, at + 8);
    b.writeUInt32BE(Math.floor(this.jitter) >>> 0, at + 12);
    b.writeUInt32BE(this.lsr, at + 16);
    b.writeUInt32BE(this.lsrAt === 0 ? 0 : Math.floor(((now - this.lsrAt) / 1000) * 65536) >>> 0, at + 20);
  }
}

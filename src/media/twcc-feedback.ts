// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01): the receiver
// side. Every RTP packet the remote sends us, on any m-line, carries a transport-wide sequence number; we note
// when each arrived and report arrival times back in RTPFB FMT=15 messages, from which the browser's send-side
// bandwidth estimator grows its rate. One recorder per PeerConnection, since the numbers span the whole bundle.

const RING = 2048; // packets between two feedbacks (50 ms): room for ~40 000 packets/s
const RING_MASK = RING - 1;
/** Limits per feedback message that keep it well under an MTU (chunks ≤ ~600 bytes, deltas ≤ ~1000). */
const MAX_SYMBOLS = 2000;
const MAX_DELTA_BYTES = 1000;
/** Arrival times are counted in 250 µs ticks; the reference time in 64 ms units (256 ticks). */
const TICK_US = 250;
const REF_TICKS = 256;

const NOT_RECEIVED = 0;
const SMALL_DELTA = 1;
const LARGE_DELTA = 2;

export class TransportCcRecorder {
  /** Arrival tick of each extended sequence number in the ring; seqAt tells which number a slot holds. */
  private readonly arrival = new Float64Array(RING);
  private readonly seqAt = new Float64Array(RING).fill(-1);
  /** First sequence number not yet reported; -1 before the first packet. */
  private next = -1;
  /** Highest extended sequence number seen. */
  private highest = -1;
  private fbCount = 0;
  private readonly symbols = new Uint8Array(RING);
  private readonly deltas = new Int32Array(RING);

  /** Notes a packet's transport-wide sequence number (16 bits) and its arrival time in µs (monotonic). */
  onPacket(seq16: number, arrivalUs: number): void {
    let ext: number;
    if (this.highest < 0) {
      ext = seq16 + 0x10000; // room below for reordered packets
      this.next = ext;
    } else {
      // Nearest extended number to the highest one with these low 16 bits.
      const base = this.highest - (this.highest & 0xffff) + seq16;
      ext = base - this.highest > 0x8000 ? base - 0x10000 : this.highest - base > 0x8000 ? base + 0x10000 : base;
    }
    if (ext < this.next || ext <= this.highest - RING) return; // already reported, or too old to keep
    const slot = ext & RING_MASK;
    this.seqAt[slot] = ext;
    this.arrival[slot] = Math.floor(arrivalUs / TICK_US);
    if (ext > this.highest) this.highest = ext;
  }

  /** Whether packets are waiting to be reported. */
  get pending(): boolean {
    return this.next >= 0 && this.highest >= this.next;
  }

  /**
   * Feedback messages for everything received since the last call (usually one), each a complete RTCP packet.
   * Packets still missing are reported lost; arriving later, they are not reported again.
   */
  takeFeedback(senderSsrc: number, mediaSsrc: number): Buffer[] {
    const out: Buffer[] = [];
    // A long silence or a jump: start no further back than the ring holds.
    if (this.highest - this.next >= RING) this.next = this.highest - RING + 1;
    while (this.pending) {
      const msg = this.buildOne(senderSsrc, mediaSsrc);
      if (!msg) break;
      out.push(msg);
    }
    return out;
  }

  private received(ext: number): boolean {
    return this.seqAt[ext & RING_MASK] === ext;
  }

  private buildOne(senderSsrc: number, mediaSsrc: number): Buffer | undefined {
    const base = this.next;
    // Lost packets ahead of the first received one are reported too; the reference time comes from the latter.
    let first = base;
    while (first <= this.highest && !this.received(first)) first++;
    if (first > this.highest) {
      this.next = this.highest + 1;
      return undefined;
    }
    const refTime = Math.floor(this.arrival[first & RING_MASK] / REF_TICKS);
    let prev = refTime * REF_TICKS;
    let count = 0;
    let deltaBytes = 0;
    let seq = base;
    // The lost run ahead of the first received packet always fits (run-length chunks are cheap).
    for (; seq <= this.highest && (seq <= first || (count < MAX_SYMBOLS && deltaBytes < MAX_DELTA_BYTES)); seq++) {
      if (!this.received(seq)) {
        this.symbols[count++] = NOT_RECEIVED;
        continue;
      }
      const tick = this.arrival[seq & RING_MASK];
      const delta = tick - prev;
      // Beyond what a 16-bit delta can say: end this message here, the next one starts a new reference.
      if (delta < -0x8000 || delta > 0x7fff) break;
      this.deltas[count] = delta;
      this.symbols[count++] = delta >= 0 && delta <= 0xff ? SMALL_DELTA : LARGE_DELTA;
      deltaBytes += delta >= 0 && delta <= 0xff ? 1 : 2;
      prev = tick;
    }
    // Trailing lost symbols carry nothing a later message could not say better; keep them for then.
    while (count > 0 && this.symbols[count - 1] === NOT_RECEIVED) count--;
    this.next = base + count;
    return this.encode(senderSsrc, mediaSsrc, base, count, refTime, deltaBytes);
  }

  private encode(senderSsrc: number, mediaSsrc: number, base: number, count: number, refTime: number, deltaBytes: number): Buffer {
    const chunks: number[] = [];
    for (let i = 0; i < count;) {
      let run = 1;
      while (i + run < count && run < 0x1fff && this.symbols[i + run] === this.symbols[i]) run++;
      if (run >= 7 || i + run === count) {
        // Run-length chunk: T=0, S (2 bits), run length (13 bits).
        chunks.push((this.symbols[i] << 13) | run);
        i += run;
      } else {
        // Status vector chunk of seven 2-bit symbols: T=1, S=1; symbols past the end are 'not received'.
        let chunk = 0xc000;
        for (let k = 0; k < 7; k++) chunk |= (i + k < count ? this.symbols[i + k] : NOT_RECEIVED) << (12 - 2 * k);
        chunks.push(chunk);
        i += 7;
      }
    }
    const unpadded = 20 + 2 * chunks.length + deltaBytes;
    const padding = (4 - (unpadded & 3)) & 3;
    const b = Buffer.alloc(unpadded + padding);
    b[0] = 0x80 | (padding > 0 ? 0x20 : 0) | 15; // V=2, P, FMT=15
    b[1] = 205; // RTPFB
    b.writeUInt16BE(b.length / 4 - 1, 2);
    b.writeUInt32BE(senderSsrc >>> 0, 4);
    b.writeUInt32BE(mediaSsrc >>> 0, 8);
    b.writeUInt16BE(base & 0xffff, 12);
    b.writeUInt16BE(count, 14);
    b.writeUIntBE(refTime & 0xffffff, 16, 3);
    b[19] = this.fbCount;
    this.fbCount = (this.fbCount + 1) & 0xff;
    let at = 20;
    for (const c of chunks) {
      b.writeUInt16BE(c, at);
      at += 2;
    }
    for (let i = 0; i < count; i++) {
      if (this.symbols[i] === SMALL_DELTA) b[at++] = this.deltas[i];
      else if (this.symbols[i] === LARGE_DELTA) {
        b.writeInt16BE(this.deltas[i], at);
        at += 2;
      }
    }
    if (padding > 0) b[b.length - 1] = padding;
    return b;
  }
}

export interface TransportCcFeedback {
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly baseSeq: number;
  readonly fbCount: number;
  /** Reference time in 64 ms units (24-bit, as sent). */
  readonly referenceTime: number;
  /** Per reported packet from baseSeq on: its arrival delta in 250 µs ticks, or undefined when not received. */
  readonly deltas: ReadonlyArray<number | undefined>;
}

/** Reads a transport-wide CC feedback message (one RTCP packet); undefined when it is not one or is malformed. */
export function parseTransportCcFeedback(b: Buffer): TransportCcFeedback | undefined {
  if (b.length < 20 || b[0] >> 6 !== 2 || (b[0] & 0x1f) !== 15 || b[1] !== 205) return undefined;
  let end = (b.readUInt16BE(2) + 1) * 4;
  if (end > b.length) return undefined;
  if (b[0] & 0x20) {
    const pad = b[end - 1];
    if (pad === 0 || pad > end - 20) return undefined;
    end -= pad;
  }
  const count = b.readUInt16BE(14);
  const symbols: number[] = [];
  let at = 20;
  while (symbols.length < count) {
    if (at + 2 > end) return undefined;
    const c = b.readUInt16BE(at);
    at += 2;
    if ((c & 0x8000) === 0) {
      const run = c & 0x1fff;
      for (let i = 0; i < run && symbols.length < count; i++) symbols.push((c >> 13) & 3);
    } else if ((c & 0x4000) === 0) {
      for (let k = 13; k >= 0 && symbols.length < count; k--) symbols.push((c >> k) & 1);
    } else {
      for (let k = 12; k >= 0 && symbols.length < count; k -= 2) symbols.push((c >> k) & 3);
    }
  }
  const deltas: Array<number | undefined> = [];
  for (const s of symbols) {
    if (s === SMALL_DELTA) {
      if (at + 1 > end) return undefined;
      deltas.push(b[at++]);
    } else if (s === LARGE_DELTA) {
      if (at + 2 > end) return undefined;
      deltas.push(b.readInt16BE(at));
      at += 2;
    } else if (s === NOT_RECEIVED) deltas.push(undefined);
    else return undefined;
  }
  return {
    senderSsrc: b.readUInt32BE(4),
    mediaSsrc: b.readUInt32BE(8),
    baseSeq: b.readUInt16BE(12),
    fbCount: b[19],
    referenceTime: b.readUIntBE(16, 3),
    deltas,
  };
}

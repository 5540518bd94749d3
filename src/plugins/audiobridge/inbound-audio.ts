// One participant's incoming audio on its way into the mix: packets held in sequence order (the room's
// `prebuffering` count before the first is played, and again after the queue ran dry), decoded in order at the
// room's rate, and taken one 20 ms frame per mixer tick. Late and repeated packets are dropped; a queue that
// grows (a sender faster than the clock, a burst) is cut so the delay stays bounded. A packet or three lost
// in between are filled in from the next one's in-band FEC and libopus's concealment (native decoder only).
import { OpusDecoder, type OpusRate } from '../../audio/opus-codec.js';
import { decodeG711 } from '../../audio/g711.js';
import { resampleLinear } from '../../audio/resample.js';
import type { AudioCodec } from './audio-codec.js';

interface QueuedPacket {
  readonly seq: number;
  readonly payload: Buffer;
}

/** Packets beyond the prebuffering count that may wait before the oldest are dropped. */
const EXTRA_QUEUE = 10;
/** Lost packets in a row whose frames are filled in (as Janus conceals): more is an outage, not a loss to hide. */
const MAX_REPAIRED_GAP = 3;
/** 120 ms at 48 kHz: the longest Opus packet. */
const MAX_PACKET_SAMPLES = 5760;

export class InboundAudio {
  /** Packets not yet decoded, lowest sequence first (compared across wrap-around). */
  private readonly queue: QueuedPacket[] = [];
  private decoder: OpusDecoder | undefined;
  /** Decoded samples not yet mixed (mono, at the room's rate). */
  private readonly fifo: Int16Array;
  private fifoLength = 0;
  private readonly decoded = new Int16Array(MAX_PACKET_SAMPLES);
  private readonly narrow = new Int16Array(MAX_PACKET_SAMPLES);
  private lastSeq = -1;
  private buffering = true;
  /** Counters for `listparticipants`/handle_info and tests. */
  packets = 0;
  dropped = 0;
  undecodable = 0;
  /** Frames of lost packets filled by FEC or concealment. */
  repaired = 0;

  constructor(
    readonly codec: AudioCodec,
    readonly rate: OpusRate,
    readonly frameSamples: number,
    /** Packets held before the first plays (Janus's `prebuffering`). */
    public prebuffering: number,
  ) {
    this.fifo = new Int16Array(frameSamples * 2 + MAX_PACKET_SAMPLES);
  }

  /** Packets waiting to be decoded. */
  get queued(): number {
    return this.queue.length;
  }

  /** Takes a packet's payload (copied; the buffer is lent). */
  push(seq: number, payload: Buffer): void {
    if (payload.length === 0) return;
    this.packets++;
    if (this.lastSeq >= 0 && seqAfter(this.lastSeq, seq) <= 0) {
      this.dropped++; // played already, or older
      return;
    }
    const q = this.queue;
    let i = q.length;
    while (i > 0 && seqAfter(seq, q[i - 1].seq) > 0) i--;
    if (i > 0 && q[i - 1].seq === seq) {
      this.dropped++;
      return;
    }
    q.splice(i, 0, { seq, payload: Buffer.from(payload) });
    const limit = this.prebuffering + EXTRA_QUEUE;
    while (q.length > limit) {
      // As if played: what is cut is not a loss to fill in.
      this.lastSeq = q.shift()!.seq;
      this.dropped++;
    }
  }

  /** Fills `out` with the next frame and returns true, or returns false (nothing to play this tick). */
  take(out: Int16Array): boolean {
    if (this.buffering) {
      if (this.queue.length < Math.max(1, this.prebuffering)) return false;
      this.buffering = false;
    }
    const need = this.frameSamples;
    while (this.fifoLength < need && this.queue.length > 0) this.decodeNext();
    if (this.fifoLength < need) {
      this.buffering = this.queue.length === 0;
      if (this.fifoLength === 0) return false;
      // The tail of a talk spurt: what there is, then silence.
      out.fill(0);
      out.set(this.fifo.subarray(0, this.fifoLength));
      this.fifoLength = 0;
      return true;
    }
    out.set(this.fifo.subarray(0, need));
    this.fifo.copyWithin(0, need, this.fifoLength);
    this.fifoLength -= need;
    return true;
  }

  /** Drops everything queued and the decoder's state (`resetdecoder`, a new sender). */
  reset(): void {
    this.queue.length = 0;
    this.fifoLength = 0;
    this.lastSeq = -1;
    this.buffering = true;
    this.decoder?.close();
    this.decoder = undefined;
  }

  close(): void {
    this.reset();
  }

  private decodeNext(): void {
    const next = this.queue.shift();
    if (!next) return;
    const lost = this.lastSeq >= 0 ? seqAfter(this.lastSeq, next.seq) - 1 : 0;
    this.lastSeq = next.seq;
    let samples: number;
    if (this.codec === 'opus') {
      this.decoder ??= new OpusDecoder(this.rate, 1);
      if (lost > 0 && lost <= MAX_REPAIRED_GAP) this.repair(lost, next.payload);
      samples = this.decoder.decode(next.payload, this.decoded);
    } else {
      const n = decodeG711(this.codec, next.payload, 0, next.payload.length, this.narrow);
      samples = Math.min(MAX_PACKET_SAMPLES, Math.round((n * this.rate) / 8000));
      resampleLinear(this.narrow, n, this.decoded, samples);
    }
    if (samples <= 0) {
      this.undecodable++;
      return;
    }
    this.queueDecoded(samples);
  }

  /**
   * Fills the frames of `lost` packets that never came, before `next` plays: the last from the in-band FEC `next`
   * carries (libopus conceals when it has none), the others by concealment. Only the native decoder can.
   */
  private repair(lost: number, next: Buffer): void {
    const decoder = this.decoder;
    if (!decoder?.canRepairLoss) return;
    for (let i = lost; i > 0; i--) {
      const n = decoder.repair(i === 1 ? next : undefined, this.frameSamples, this.decoded);
      if (n <= 0) return;
      this.repaired++;
      this.queueDecoded(n);
    }
  }

  private queueDecoded(samples: number): void {
    const room = this.fifo.length - this.fifoLength;
    const n = Math.min(samples, room);
    this.fifo.set(this.decoded.subarray(0, n), this.fifoLength);
    this.fifoLength += n;
  }
}

/** How far `b` is after `a` in 16-bit sequence space (negative: before). */
export function seqAfter(a: number, b: number): number {
  return ((b - a + 0x8000) & 0xffff) - 0x8000;
}

// AES counter-mode keystream for SRTP (RFC 3711 §4.1.1) from ONE reused AES-ECB context: node:crypto cannot
// re-key a CTR context with a new IV, so instead of a cipher object per packet we build the counter blocks
// ourselves and encrypt those of the next several packets of a stream in one call. Packet indexes of a stream
// mostly go up by one, in both directions (we number what we send; what we receive arrives in order), so the
// batch prepared ahead is almost always the one needed.
import { createCipheriv, type Cipher } from 'node:crypto';

/** Packets whose keystream one ECB call produces. */
const BATCH_PACKETS = 16;
const MAX_BLOCKS = 94; // 1504 bytes of payload: anything bigger is not a UDP-safe RTP packet anyway

interface Batch {
  /** First packet index (ROC * 65536 + seq) covered; -1 before the first fill. */
  first: number;
  /** Counter blocks per packet. */
  blocks: number;
  counters: Buffer;
  words: Uint32Array;
  keystream: Buffer | undefined;
}

export class AesCmKeystream {
  private readonly ecb: Cipher;
  private readonly batches = new Map<number, Batch>();
  private readonly template = Buffer.alloc(16);

  constructor(
    cipherKey: Buffer,
    /** The 14-byte session salt. */
    private readonly salt: Buffer,
  ) {
    this.ecb = createCipheriv(cipherKey.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', cipherKey, null);
    this.ecb.setAutoPadding(false);
  }

  /** XORs the keystream of packet `index` of `ssrc` over buf[at, at + length). */
  apply(ssrc: number, index: number, buf: Buffer, at: number, length: number): void {
    if (length <= 0) return;
    const blocksNeeded = Math.ceil(length / 16);
    let batch = this.batches.get(ssrc);
    if (batch && batch.keystream && index >= batch.first && index < batch.first + BATCH_PACKETS && blocksNeeded <= batch.blocks) {
      xorInto(buf, at, batch.keystream, (index - batch.first) * batch.blocks * 16, length);
      return;
    }
    if (blocksNeeded > MAX_BLOCKS || (batch && batch.first >= 0 && index < batch.first)) {
      // Oversized, or an older packet (a retransmission, a late arrival): a one-off, keeping the batch ahead.
      const once = this.fill(this.newBatch(1, blocksNeeded), ssrc, index, 1);
      xorInto(buf, at, once.keystream as Buffer, 0, length);
      return;
    }
    if (!batch || blocksNeeded > batch.blocks) {
      batch = this.newBatch(BATCH_PACKETS, Math.max(blocksNeeded, batch ? batch.blocks : 0));
      this.batches.set(ssrc, batch);
    }
    this.fill(batch, ssrc, index, BATCH_PACKETS);
    xorInto(buf, at, batch.keystream as Buffer, 0, length);
  }

  /** Drops what was prepared for an SSRC no longer in use. */
  forget(ssrc: number): void {
    this.batches.delete(ssrc >>> 0);
  }

  private newBatch(packets: number, blocks: number): Batch {
    const counters = Buffer.alloc(packets * blocks * 16);
    return { first: -1, blocks, counters, words: new Uint32Array(counters.buffer, counters.byteOffset, counters.length / 4), keystream: undefined };
  }

  /** Counter blocks for `packets` indexes from `first`: IV = salt XOR SSRC<<64 XOR index<<16, block number below. */
  private fill(batch: Batch, ssrc: number, first: number, packets: number): Batch {
    const { counters, words, blocks } = batch;
    const tpl = this.template;
    for (let p = 0; p < packets; p++) {
      const index = first + p;
      const roc = Math.floor(index / 65536) >>> 0;
      const seq = index & 0xffff;
      this.salt.copy(tpl, 0, 0, 14);
      tpl[4] ^= ssrc >>> 24;
      tpl[5] ^= (ssrc >>> 16) & 0xff;
      tpl[6] ^= (ssrc >>> 8) & 0xff;
      tpl[7] ^= ssrc & 0xff;
      tpl[8] ^= roc >>> 24;
      tpl[9] ^= (roc >>> 16) & 0xff;
      tpl[10] ^= (roc >>> 8) & 0xff;
      tpl[11] ^= roc & 0xff;
      tpl[12] ^= seq >>> 8;
      tpl[13] ^= seq & 0xff;
      const base = p * blocks * 16;
      tpl.copy(counters, base, 0, 14);
      const wb = base >> 2;
      const w0 = words[wb];
      const w1 = words[wb + 1];
      const w2 = words[wb + 2];
      for (let b = 0; b < blocks; b++) {
        const o = base + b * 16;
        words[o >> 2] = w0;
        words[(o >> 2) + 1] = w1;
        words[(o >> 2) + 2] = w2;
        counters[o + 12] = tpl[12];
        counters[o + 13] = tpl[13];
        counters[o + 14] = b >>> 8;
        counters[o + 15] = b & 0xff;
      }
    }
    const size = packets * blocks * 16;
    batch.keystream = this.ecb.update(size === counters.length ? counters : counters.subarray(0, size));
    batch.first = first;
    return batch;
  }
}

/** dst[dstAt, +n) ^= src[srcAt, +n), a word at a time where both are 4-byte aligned. */
export function xorInto(dst: Buffer, dstAt: number, src: Buffer, srcAt: number, n: number): void {
  let i = 0;
  const d = dst.byteOffset + dstAt;
  const s = src.byteOffset + srcAt;
  if ((d & 3) === 0 && (s & 3) === 0 && n >= 16) {
    const count = n >> 2;
    const dw = new Int32Array(dst.buffer, d, count);
    const sw = new Int32Array(src.buffer, s, count);
    for (let k = 0; k < count; k++) dw[k] ^= sw[k];
    i = count << 2;
  }
  for (; i < n; i++) dst[dstAt + i] ^= src[srcAt + i];
}

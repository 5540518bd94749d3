// Outbound SRTP for RTP packets (RFC 3711 AES-CM + HMAC-SHA1-80, RFC 7714 AEAD-AES-128-GCM), built for the
// forwarding hot path. node:crypto has no way to re-key a CTR or GCM context with a new IV, so a context per
// packet is what werift does; for AES-CM we instead keep ONE reused AES-ECB context per direction and compute
// the keystream of the next packets of a stream in a single call (their indexes are known in advance: we number
// them ourselves), then XOR it over the payload 32 bits at a time. GCM still needs a context per packet.
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createHmac, type Cipher } from 'node:crypto';
import { SRTP_AEAD_AES_128_GCM, type SrtpSessionKeys } from './srtp-keys.js';

const CM_TAG = 10;
const GCM_TAG = 16;
/** Packets whose keystream one ECB call produces. */
const BATCH_PACKETS = 16;
const MAX_BLOCKS = 94; // 1504 bytes of payload: anything bigger is not a UDP-safe RTP packet anyway
const SHA1_BLOCK = 64;

/**
 * One-shot hashing (Node 20.12+): HMAC-SHA1 as two plain hashes over buffers we lay out ourselves is about a
 * third cheaper than a createHmac object per packet. Older Node versions fall back to createHmac.
 */
type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer;
const oneShotHash: OneShotHash | undefined = typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? ((nodeCrypto as unknown as { hash: OneShotHash }).hash) : undefined;

/** Keystream prepared for the next BATCH_PACKETS indexes of one SSRC. */
interface KeystreamBatch {
  readonly ssrc: number;
  /** First packet index (ROC * 65536 + seq) covered; -1 before the first fill. */
  first: number;
  /** Counter blocks per packet in this batch. */
  blocks: number;
  counters: Buffer;
  counterWords: Uint32Array;
  keystream: Buffer | undefined;
}

/** Length of an RTP header including CSRCs and the extension block, or -1 when the packet is malformed. */
export function rtpHeaderLength(packet: Buffer, len: number): number {
  if (len < 12) return -1;
  let n = 12 + 4 * (packet[0] & 0x0f);
  if (packet[0] & 0x10) {
    if (n + 4 > len) return -1;
    n += 4 + 4 * ((packet[n + 2] << 8) | packet[n + 3]);
  }
  return n <= len ? n : -1;
}

export class SrtpRtpProtector {
  readonly tagLength: number;
  private readonly keys: SrtpSessionKeys;
  private readonly gcm: boolean;
  private readonly ecb: Cipher | undefined;
  private readonly batches = new Map<number, KeystreamBatch>();
  private readonly rocBytes = Buffer.alloc(4);
  private readonly iv = Buffer.alloc(12);
  /** HMAC key blocks: key XOR ipad (copied in front of each packet) and key XOR opad followed by the inner hash. */
  private readonly innerPad = Buffer.alloc(SHA1_BLOCK);
  private readonly outer = Buffer.alloc(SHA1_BLOCK + 20);

  constructor(keys: SrtpSessionKeys) {
    this.keys = keys;
    this.gcm = keys.profile === SRTP_AEAD_AES_128_GCM;
    this.tagLength = this.gcm ? GCM_TAG : CM_TAG;
    if (!this.gcm) {
      const ecb = createCipheriv('aes-128-ecb', keys.cipherKey, null);
      ecb.setAutoPadding(false);
      this.ecb = ecb;
      for (let i = 0; i < SHA1_BLOCK; i++) {
        const k = i < keys.authKey.length ? keys.authKey[i] : 0;
        this.innerPad[i] = k ^ 0x36;
        this.outer[i] = k ^ 0x5c;
      }
    }
  }

  /**
   * Protects the RTP packet `plain[0, len)` sent with rollover counter `roc`; returns a new buffer holding the
   * SRTP packet (the input is not modified). Returns undefined for a malformed packet.
   */
  protect(plain: Buffer, len: number, roc: number): Buffer | undefined {
    const headerLen = rtpHeaderLength(plain, len);
    if (headerLen < 0) return undefined;
    return this.gcm ? this.protectGcm(plain, len, headerLen, roc) : this.protectCm(plain, len, headerLen, roc);
  }

  /** Drops the prepared keystream of an SSRC no longer sent. */
  forget(ssrc: number): void {
    this.batches.delete(ssrc >>> 0);
  }

  private protectGcm(plain: Buffer, len: number, headerLen: number, roc: number): Buffer {
    // IV (RFC 7714 §8.1): 00 00 | SSRC | ROC | SEQ, XOR the 12-byte session salt.
    const iv = this.iv;
    const salt = this.keys.salt;
    iv[0] = salt[0];
    iv[1] = salt[1];
    for (let i = 0; i < 4; i++) iv[2 + i] = salt[2 + i] ^ plain[8 + i];
    iv[6] = salt[6] ^ (roc >>> 24);
    iv[7] = salt[7] ^ ((roc >>> 16) & 0xff);
    iv[8] = salt[8] ^ ((roc >>> 8) & 0xff);
    iv[9] = salt[9] ^ (roc & 0xff);
    iv[10] = salt[10] ^ plain[2];
    iv[11] = salt[11] ^ plain[3];
    const cipher = createCipheriv('aes-128-gcm', this.keys.cipherKey, iv);
    cipher.setAAD(plain.subarray(0, headerLen));
    const out = Buffer.allocUnsafe(len + GCM_TAG);
    plain.copy(out, 0, 0, headerLen);
    const body = cipher.update(plain.subarray(headerLen, len));
    body.copy(out, headerLen);
    cipher.final();
    cipher.getAuthTag().copy(out, len);
    return out;
  }

  private protectCm(plain: Buffer, len: number, headerLen: number, roc: number): Buffer {
    const ssrc = plain.readUInt32BE(8);
    const seq = (plain[2] << 8) | plain[3];
    const index = roc * 65536 + seq;
    const payloadLen = len - headerLen;
    const blocksNeeded = Math.ceil(payloadLen / 16);
    // With one-shot hashing the HMAC's inner key block sits right in front of the packet: [ipad | packet | ROC].
    const lead = oneShotHash ? SHA1_BLOCK : 0;
    const whole = Buffer.allocUnsafe(lead + len + CM_TAG);
    const out = lead ? whole.subarray(lead) : whole;
    plain.copy(out, 0, 0, len);
    if (payloadLen > 0) {
      let batch = this.batches.get(ssrc);
      let keystream: Buffer;
      let at: number;
      if (batch && batch.keystream && index >= batch.first && index < batch.first + BATCH_PACKETS && blocksNeeded <= batch.blocks) {
        keystream = batch.keystream;
        at = (index - batch.first) * batch.blocks * 16;
      } else if (batch && batch.first >= 0 && index < batch.first) {
        // A retransmission of an older packet: one-off keystream, keep the batch for the packets ahead.
        keystream = this.keystreamFor(ssrc, index, 1, blocksNeeded, undefined).keystream as Buffer;
        at = 0;
      } else {
        if (!batch || blocksNeeded > batch.blocks) {
          batch = this.newBatch(ssrc, Math.min(MAX_BLOCKS, Math.max(blocksNeeded, batch ? batch.blocks : 0)));
          this.batches.set(ssrc, batch);
        }
        this.keystreamFor(ssrc, index, BATCH_PACKETS, batch.blocks, batch);
        keystream = batch.keystream as Buffer;
        at = 0;
        if (blocksNeeded > batch.blocks) {
          keystream = this.keystreamFor(ssrc, index, 1, blocksNeeded, undefined).keystream as Buffer;
        }
      }
      xorInto(out, headerLen, keystream, at, payloadLen);
    }
    // Authentication tag: HMAC-SHA1 over the encrypted packet and the ROC, first 10 bytes.
    if (oneShotHash) {
      this.innerPad.copy(whole, 0);
      whole.writeUInt32BE(roc >>> 0, lead + len); // the ROC, overwritten by the tag below
      const inner = oneShotHash('sha1', whole.subarray(0, lead + len + 4), 'buffer');
      inner.copy(this.outer, SHA1_BLOCK);
      oneShotHash('sha1', this.outer, 'buffer').copy(out, len, 0, CM_TAG);
      return out;
    }
    const roc4 = this.rocBytes;
    roc4.writeUInt32BE(roc >>> 0, 0);
    const mac = createHmac('sha1', this.keys.authKey);
    mac.update(out.subarray(0, len));
    mac.update(roc4);
    mac.digest().copy(out, len, 0, CM_TAG);
    return out;
  }

  private newBatch(ssrc: number, blocks: number): KeystreamBatch {
    const counters = Buffer.alloc(BATCH_PACKETS * blocks * 16);
    const counterWords = new Uint32Array(counters.buffer, counters.byteOffset, counters.length / 4);
    return { ssrc, first: -1, blocks, counters, counterWords, keystream: undefined };
  }

  /**
   * Fills counter blocks for `packets` consecutive indexes from `first` and encrypts them with the reused ECB
   * context: IV = (salt XOR SSRC<<64 XOR index<<16), block counter in the low 16 bits (RFC 3711 §4.1.1).
   */
  private keystreamFor(ssrc: number, first: number, packets: number, blocks: number, into: KeystreamBatch | undefined): KeystreamBatch {
    const batch = into ?? this.newBatch(ssrc, blocks);
    const counters = batch.counters;
    // Build one template block per packet in bytes, then copy it down the packet's blocks.
    const tpl = Buffer.allocUnsafe(16);
    const salt = this.keys.salt;
    for (let p = 0; p < packets; p++) {
      const index = first + p;
      const roc = Math.floor(index / 65536) >>> 0;
      const seq = index & 0xffff;
      salt.copy(tpl, 0, 0, 14);
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
      // Words of the template, then per block only the last word changes (bytes 12..15: seq part + counter).
      const w = batch.counterWords;
      const wb = base >> 2;
      const w0 = w[wb];
      const w1 = w[wb + 1];
      const w2 = w[wb + 2];
      for (let b = 0; b < blocks; b++) {
        const o = base + b * 16;
        w[(o >> 2)] = w0;
        w[(o >> 2) + 1] = w1;
        w[(o >> 2) + 2] = w2;
        counters[o + 12] = tpl[12];
        counters[o + 13] = tpl[13];
        counters[o + 14] = b >>> 8;
        counters[o + 15] = b & 0xff;
      }
    }
    const size = packets * blocks * 16;
    batch.keystream = (this.ecb as Cipher).update(size === counters.length ? counters : counters.subarray(0, size));
    batch.first = first;
    return batch;
  }
}

/** dst[dstAt, +n) ^= src[srcAt, +n), a word at a time where both are 4-byte aligned. */
function xorInto(dst: Buffer, dstAt: number, src: Buffer, srcAt: number, n: number): void {
  let i = 0;
  const d = dst.byteOffset + dstAt;
  const s = src.byteOffset + srcAt;
  if ((d & 3) === 0 && (s & 3) === 0 && n >= 16) {
    const words = n >> 2;
    const dw = new Int32Array(dst.buffer, d, words);
    const sw = new Int32Array(src.buffer, s, words);
    for (let k = 0; k < words; k++) dw[k] ^= sw[k];
    i = words << 2;
  }
  for (; i < n; i++) dst[dstAt + i] ^= src[srcAt + i];
}

// Inbound SRTP for RTP packets with AES-CM and an HMAC-SHA1 tag of 80 or 32 bits (RFC 3711): rollover counter
// estimation per SSRC (Appendix A), tag check in constant time, a 64-packet replay window, then decryption with
// the batched keystream. Used for SRTP sources of Streaming mountpoints (SDES keys, as Janus's srtpcrypto).
import { timingSafeEqual } from 'node:crypto';
import { AesCmKeystream } from './aes-cm-keystream.js';
import { HmacSha1 } from './hmac-sha1.js';
import type { SrtpSessionKeys } from './srtp-keys.js';
import { rtpHeaderLength } from './srtp-protector.js';

const REPLAY_WINDOW = 64;

interface SourceState {
  /** Highest authenticated index (ROC * 65536 + seq). */
  highest: number;
  /** Bit i set: index highest - i was received. */
  seen: bigint;
}

export type UnprotectResult = Buffer | 'malformed' | 'auth' | 'replay';

export class SrtpRtpUnprotector {
  private readonly keystream: AesCmKeystream;
  private readonly mac: HmacSha1;
  private readonly sources = new Map<number, SourceState>();

  constructor(
    keys: SrtpSessionKeys,
    /** 10 for AES_CM_128_HMAC_SHA1_80, 4 for AES_CM_128_HMAC_SHA1_32. */
    readonly tagLength: 10 | 4 = 10,
  ) {
    this.keystream = new AesCmKeystream(keys.cipherKey, keys.salt);
    this.mac = new HmacSha1(keys.authKey);
  }

  /** The RTP packet inside an SRTP packet, or why there is none. Never throws. */
  unprotect(packet: Buffer): UnprotectResult {
    const len = packet.length - this.tagLength;
    const headerLen = rtpHeaderLength(packet, len);
    if (len < 12 || headerLen < 0 || packet[0] >> 6 !== 2) return 'malformed';
    const ssrc = packet.readUInt32BE(8);
    const seq = (packet[2] << 8) | packet[3];
    const state = this.sources.get(ssrc);
    const index = state ? estimateIndex(state.highest, seq) : seq;
    if (index < 0) return 'replay';
    const roc = Math.floor(index / 65536);
    if (state && isReplay(state, index)) return 'replay';
    const tag = this.mac.digest(packet, len, roc);
    if (!timingSafeEqual(tag.subarray(0, this.tagLength), packet.subarray(len))) return 'auth';
    // Authenticated: only now does it move the window.
    if (!state) this.sources.set(ssrc, { highest: index, seen: 1n });
    else markSeen(state, index);
    const out = Buffer.allocUnsafe(len);
    packet.copy(out, 0, 0, len);
    this.keystream.apply(ssrc, index, out, headerLen, len - headerLen);
    return out;
  }
}

/** RFC 3711 Appendix A: the index closest to the highest one seen that has this sequence number. */
export function estimateIndex(highest: number, seq: number): number {
  const roc = Math.floor(highest / 65536);
  const s = highest & 0xffff;
  let guess: number;
  if (s < 32768) guess = seq - s > 32768 ? roc - 1 : roc;
  else guess = s - 32768 > seq ? roc + 1 : roc;
  return guess * 65536 + seq;
}

function isReplay(state: SourceState, index: number): boolean {
  if (index > state.highest) return false;
  const delta = state.highest - index;
  if (delta >= REPLAY_WINDOW) return true;
  return ((state.seen >> BigInt(delta)) & 1n) === 1n;
}

function markSeen(state: SourceState, index: number): void {
  if (index > state.highest) {
    const shift = index - state.highest;
    state.seen = shift >= REPLAY_WINDOW ? 1n : ((state.seen << BigInt(shift)) | 1n) & ((1n << BigInt(REPLAY_WINDOW)) - 1n);
    state.highest = index;
  } else {
    state.seen |= 1n << BigInt(state.highest - index);
  }
}

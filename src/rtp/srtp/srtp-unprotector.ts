// Inbound SRTP for RTP packets (RFC 3711): AES-CM with an HMAC-SHA1 tag of 80 or 32 bits, or AEAD_AES_128_GCM
// (RFC 7714); rollover counter estimation per SSRC (Appendix A), tag check (in constant time for HMAC), a
// 64-packet replay window, then decryption. Used for SRTP sources of Streaming mountpoints (SDES keys, as
// Janus's srtpcrypto) and for the PeerConnection's own receive path. The tag check and decryption run in the
// native addon when it is there (native-srtp-opener.ts), with the same results.
import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { AesCmKeystream } from './aes-cm-keystream.js';
import { HmacSha1 } from './hmac-sha1.js';
import { NativeSrtpOpener } from './native-srtp-opener.js';
import { gcmIv, SRTP_AEAD_AES_128_GCM, type SrtpSessionKeys } from './srtp-keys.js';
import { rtpHeaderLength } from './srtp-protector.js';

const REPLAY_WINDOW = 64;

interface SourceState {
  /** Highest authenticated index (ROC * 65536 + seq). */
  highest: number;
  /** The 64-packet window as two 32-bit words: bit i set, index highest - i was received (lo: 0-31, hi: 32-63). */
  lo: number;
  hi: number;
}

export type UnprotectResult = Buffer | 'malformed' | 'auth' | 'replay';

const GCM_TAG = 16;

export class SrtpRtpUnprotector {
  private readonly keystream: AesCmKeystream | undefined;
  private readonly mac: HmacSha1 | undefined;
  private readonly gcm: boolean;
  private readonly native: NativeSrtpOpener | undefined;
  private readonly iv = Buffer.alloc(12);
  private readonly sources = new Map<number, SourceState>();
  /** Authentication tag length: 10 or 4 (AES-CM 80/32), 16 (GCM). */
  readonly tagLength: number;

  constructor(
    readonly keys: SrtpSessionKeys,
    /** 10 for AES_CM_128_HMAC_SHA1_80, 4 for AES_CM_128_HMAC_SHA1_32; ignored for GCM. */
    tagLength: 10 | 4 = 10,
    /** False: our TypeScript transform even when the addon is there (tests compare the two). */
    useNative = true,
  ) {
    this.gcm = keys.profile === SRTP_AEAD_AES_128_GCM;
    this.tagLength = this.gcm ? GCM_TAG : tagLength;
    this.native = useNative ? NativeSrtpOpener.create(keys) : undefined;
    if (!this.gcm && !this.native) {
      this.keystream = new AesCmKeystream(keys.cipherKey, keys.salt);
      this.mac = new HmacSha1(keys.authKey);
    }
  }

  /**
   * The RTP packet inside an SRTP packet, or why there is none. Never throws. `inPlace`: decrypt into the
   * packet's own bytes and return a view of them (the caller owns the datagram); otherwise into a new buffer.
   */
  unprotect(packet: Buffer, inPlace = false): UnprotectResult {
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
    if (this.native) return this.openNative(this.native, packet, roc, index, state, ssrc, inPlace);
    if (this.gcm) return this.openGcm(packet, len, headerLen, roc, index, state, ssrc, inPlace);
    const tag = this.mac!.digest(packet, len, roc);
    if (!timingSafeEqual(tag.subarray(0, this.tagLength), packet.subarray(len))) return 'auth';
    // Authenticated: only now does it move the window.
    if (!state) this.sources.set(ssrc, { highest: index, lo: 1, hi: 0 });
    else markSeen(state, index);
    let out: Buffer;
    if (inPlace) out = packet.subarray(0, len);
    else {
      out = Buffer.allocUnsafe(len);
      packet.copy(out, 0, 0, len);
    }
    this.keystream!.apply(ssrc, index, out, headerLen, len - headerLen);
    return out;
  }

  /** Both profiles in the addon: a copy first unless in place (a failed GCM check leaves garbage behind). */
  private openNative(native: NativeSrtpOpener, packet: Buffer, roc: number, index: number, state: SourceState | undefined, ssrc: number, inPlace: boolean): UnprotectResult {
    let buf = packet;
    if (!inPlace) {
      buf = Buffer.allocUnsafe(packet.length);
      packet.copy(buf);
    }
    const n = native.open(buf, packet.length, roc, this.tagLength);
    if (n < 0) return n === -1 ? 'malformed' : 'auth';
    if (!state) this.sources.set(ssrc, { highest: index, lo: 1, hi: 0 });
    else markSeen(state, index);
    return buf.subarray(0, n);
  }

  /** AEAD_AES_128_GCM: the tag covers header (AAD) and payload; a bad tag makes final() throw. */
  private openGcm(packet: Buffer, len: number, headerLen: number, roc: number, index: number, state: SourceState | undefined, ssrc: number, inPlace: boolean): UnprotectResult {
    const iv = gcmIv(this.iv, this.keys.salt, packet, roc);
    let clear: Buffer;
    try {
      const d = createDecipheriv('aes-128-gcm', this.keys.cipherKey, iv);
      d.setAAD(packet.subarray(0, headerLen));
      d.setAuthTag(packet.subarray(len, len + GCM_TAG));
      clear = d.update(packet.subarray(headerLen, len));
      d.final();
    } catch {
      return 'auth';
    }
    if (!state) this.sources.set(ssrc, { highest: index, lo: 1, hi: 0 });
    else markSeen(state, index);
    const out = inPlace ? packet.subarray(0, len) : Buffer.allocUnsafe(len);
    if (!inPlace) packet.copy(out, 0, 0, headerLen);
    clear.copy(out, headerLen);
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
  return delta < 32 ? ((state.lo >>> delta) & 1) === 1 : ((state.hi >>> (delta - 32)) & 1) === 1;
}

function markSeen(state: SourceState, index: number): void {
  if (index > state.highest) {
    const shift = index - state.highest;
    if (shift >= REPLAY_WINDOW) {
      state.lo = 1;
      state.hi = 0;
    } else if (shift >= 32) {
      state.hi = shift === 32 ? state.lo : (state.lo << (shift - 32)) >>> 0;
      state.lo = 1;
    } else {
      // Shift the 64-bit window left: the top bits of lo move into hi.
      state.hi = ((state.hi << shift) | (state.lo >>> (32 - shift))) >>> 0;
      state.lo = ((state.lo << shift) | 1) >>> 0;
    }
    state.highest = index;
  } else {
    const delta = state.highest - index;
    if (delta < 32) state.lo = (state.lo | (1 << delta)) >>> 0;
    else state.hi = (state.hi | (1 << (delta - 32))) >>> 0;
  }
}

// Outbound SRTP for RTP packets (RFC 3711 AES-CM + HMAC-SHA1-80, RFC 7714 AEAD-AES-128-GCM), built for the
// forwarding hot path: AES-CM keystream from one reused ECB context in batches (aes-cm-keystream.ts), HMAC as
// one-shot hashes (hmac-sha1.ts). GCM still needs a cipher context per packet (node:crypto cannot re-key one).
import { createCipheriv } from 'node:crypto';
import { AesCmKeystream } from './aes-cm-keystream.js';
import { HmacSha1 } from './hmac-sha1.js';
import { gcmIv, SRTP_AEAD_AES_128_GCM, type SrtpSessionKeys } from './srtp-keys.js';

const CM_TAG = 10;
const GCM_TAG = 16;

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
  private readonly keystream: AesCmKeystream | undefined;
  private readonly mac: HmacSha1 | undefined;
  private readonly iv = Buffer.alloc(12);

  constructor(keys: SrtpSessionKeys) {
    this.keys = keys;
    const gcm = keys.profile === SRTP_AEAD_AES_128_GCM;
    this.tagLength = gcm ? GCM_TAG : CM_TAG;
    if (!gcm) {
      this.keystream = new AesCmKeystream(keys.cipherKey, keys.salt);
      this.mac = new HmacSha1(keys.authKey);
    }
  }

  /**
   * Protects the RTP packet `plain[0, len)` sent with rollover counter `roc`; returns a new buffer holding the
   * SRTP packet (the input is not modified). Returns undefined for a malformed packet.
   */
  protect(plain: Buffer, len: number, roc: number): Buffer | undefined {
    const headerLen = rtpHeaderLength(plain, len);
    if (headerLen < 0) return undefined;
    if (!this.keystream || !this.mac) return this.protectGcm(plain, len, headerLen, roc);
    const out = Buffer.allocUnsafe(len + CM_TAG);
    plain.copy(out, 0, 0, len);
    const index = roc * 65536 + ((plain[2] << 8) | plain[3]);
    this.keystream.apply(plain.readUInt32BE(8), index, out, headerLen, len - headerLen);
    this.mac.digest(out, len, roc).copy(out, len, 0, CM_TAG);
    return out;
  }

  /**
   * Protects `plain[0, len)` into `out` (at least len + tagLength bytes; it may not be `plain`) and returns the SRTP
   * packet's length, or -1 for a malformed packet. Nothing is allocated for AES-CM: the hot path's form.
   */
  protectInto(plain: Buffer, len: number, roc: number, out: Buffer): number {
    const headerLen = rtpHeaderLength(plain, len);
    if (headerLen < 0 || out.length < len + this.tagLength) return -1;
    if (!this.keystream || !this.mac) return this.protectGcm(plain, len, headerLen, roc).copy(out);
    plain.copy(out, 0, 0, len);
    const index = roc * 65536 + ((plain[2] << 8) | plain[3]);
    this.keystream.apply(plain.readUInt32BE(8), index, out, headerLen, len - headerLen);
    this.mac.digest(out, len, roc).copy(out, len, 0, CM_TAG);
    return len + CM_TAG;
  }

  /** Drops the prepared keystream of an SSRC no longer sent. */
  forget(ssrc: number): void {
    this.keystream?.forget(ssrc);
  }

  private protectGcm(plain: Buffer, len: number, headerLen: number, roc: number): Buffer {
    const iv = gcmIv(this.iv, this.keys.salt, plain, roc);
    const cipher = createCipheriv('aes-128-gcm', this.keys.cipherKey, iv);
    cipher.setAAD(plain.subarray(0, headerLen));
    const out = Buffer.allocUnsafe(len + GCM_TAG);
    plain.copy(out, 0, 0, headerLen);
    cipher.update(plain.subarray(headerLen, len)).copy(out, headerLen);
    cipher.final();
    cipher.getAuthTag().copy(out, len);
    return out;
  }
}

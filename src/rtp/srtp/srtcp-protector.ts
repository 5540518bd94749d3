// Outbound SRTCP with AES-CM and an 80-bit HMAC-SHA1 tag (RFC 3711 §3.4): the RTCP we send to an SRTP source of
// a Streaming mountpoint (keyframe requests) must be protected like its media, or the source drops it. Sent a few
// times a minute, so one cipher per packet is fine here.
import { createCipheriv } from 'node:crypto';
import { HmacSha1 } from './hmac-sha1.js';
import type { SrtpSessionKeys } from './srtp-keys.js';

/** SRTCP keeps the 80-bit tag even where SRTP uses the 32-bit one. */
export const SRTCP_TAG_LENGTH = 10;
const TAG_LENGTH = SRTCP_TAG_LENGTH;

/** IV = salt XOR (SSRC << 64) XOR (index << 16), as for SRTP with the SRTCP index in place of the packet index. */
export function srtcpIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
  return iv;
}

export class SrtcpProtector {
  private readonly mac: HmacSha1;
  /** SRTCP index: 31 bits, one per packet sent. */
  private index = 0;

  constructor(private readonly keys: SrtpSessionKeys) {
    if (keys.salt.length !== 14) throw new Error('SRTCP protection needs AES-CM session keys');
    this.mac = new HmacSha1(keys.authKey);
  }

  /** The SRTCP packet for a (compound) RTCP packet; undefined when it is too short to be RTCP. */
  protect(rtcp: Buffer): Buffer | undefined {
    if (rtcp.length < 8 || rtcp[0] >> 6 !== 2) return undefined;
    const index = this.index;
    this.index = (this.index + 1) & 0x7fffffff;
    const iv = srtcpIv(this.keys.salt, rtcp.readUInt32BE(4), index);
    const out = Buffer.alloc(rtcp.length + 4 + TAG_LENGTH);
    rtcp.copy(out, 0, 0, 8); // header and sender SSRC stay in the clear
    const cipher = createCipheriv('aes-128-ctr', this.keys.cipherKey, iv);
    cipher.update(rtcp.subarray(8)).copy(out, 8);
    const eIndex = (0x80000000 | index) >>> 0; // E flag: the payload is encrypted
    out.writeUInt32BE(eIndex, rtcp.length);
    // The tag covers the packet and the E flag + index word (passed where SRTP passes its ROC).
    this.mac.digest(out, rtcp.length, eIndex).copy(out, rtcp.length + 4, 0, TAG_LENGTH);
    return out;
  }
}

// Inbound SRTCP with AES-CM and an 80-bit HMAC-SHA1 tag (RFC 3711 §3.4), in TypeScript: for RTCP that comes a few
// times a minute (keyframe requests between the nodes of a cluster), where a cipher per packet is fine and the
// native addon (native-srtcp-opener.ts) may be absent. No replay list: what it opens is idempotent feedback.
import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { HmacSha1 } from './hmac-sha1.js';
import { SRTCP_TAG_LENGTH, srtcpIv } from './srtcp-protector.js';
import type { SrtpSessionKeys } from './srtp-keys.js';

export class SrtcpUnprotector {
  private readonly mac: HmacSha1;
  /** Packets refused: too short, or a tag that does not match. */
  refused = 0;

  constructor(private readonly keys: SrtpSessionKeys) {
    if (keys.salt.length !== 14) throw new Error('SRTCP needs AES-CM session keys');
    this.mac = new HmacSha1(keys.authKey);
  }

  /** The compound RTCP packet inside `srtcp` (a new buffer), or undefined when refused. */
  unprotect(srtcp: Buffer): Buffer | undefined {
    const len = srtcp.length - 4 - SRTCP_TAG_LENGTH;
    if (len < 8 || srtcp[0] >> 6 !== 2) return this.refuse();
    const eIndex = srtcp.readUInt32BE(len);
    const tag = this.mac.digest(srtcp, len, eIndex).subarray(0, SRTCP_TAG_LENGTH);
    if (!timingSafeEqual(tag, srtcp.subarray(len + 4, len + 4 + SRTCP_TAG_LENGTH))) return this.refuse();
    const out = Buffer.from(srtcp.subarray(0, len));
    if (eIndex & 0x80000000) {
      const decipher = createDecipheriv('aes-128-ctr', this.keys.cipherKey, srtcpIv(this.keys.salt, srtcp.readUInt32BE(4), eIndex & 0x7fffffff));
      decipher.update(srtcp.subarray(8, len)).copy(out, 8);
    }
    return out;
  }

  private refuse(): undefined {
    this.refused++;
    return undefined;
  }
}

// HMAC-SHA1 over (data || ROC), the SRTP authentication tag (RFC 3711 §4.2). Where Node has one-shot hashing
// (20.12+), the HMAC is two plain hashes over buffers laid out once per key, about a third cheaper than a
// createHmac object per packet; older versions use createHmac.
import * as nodeCrypto from 'node:crypto';
import { createHmac } from 'node:crypto';

const BLOCK = 64;
type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer;
const oneShotHash: OneShotHash | undefined = typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? (nodeCrypto as unknown as { hash: OneShotHash }).hash : undefined;

export class HmacSha1 {
  /** [key XOR ipad | data | ROC], grown as needed. */
  private inner: Buffer;
  /** [key XOR opad | inner digest]. */
  private readonly outer = Buffer.alloc(BLOCK + 20);
  private readonly roc = Buffer.alloc(4);

  constructor(private readonly key: Buffer) {
    this.inner = Buffer.alloc(BLOCK + 1504);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i] : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** The 20-byte HMAC of data[0, length) followed by the 32-bit ROC. */
  digest(data: Buffer, length: number, roc: number): Buffer {
    if (!oneShotHash) {
      this.roc.writeUInt32BE(roc >>> 0, 0);
      return createHmac('sha1', this.key).update(data.subarray(0, length)).update(this.roc).digest();
    }
    if (this.inner.length < BLOCK + length + 4) {
      const bigger = Buffer.alloc(BLOCK + length + 4);
      this.inner.copy(bigger, 0, 0, BLOCK);
      this.inner = bigger;
    }
    data.copy(this.inner, BLOCK, 0, length);
    this.inner.writeUInt32BE(roc >>> 0, BLOCK + length);
    oneShotHash('sha1', this.inner.subarray(0, BLOCK + length + 4), 'buffer').copy(this.outer, BLOCK);
    return oneShotHash('sha1', this.outer, 'buffer');
  }
}

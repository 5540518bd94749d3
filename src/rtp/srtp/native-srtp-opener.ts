// The tag check and decryption of inbound SRTP packets in the native addon (src/native/srtp.c): OpenSSL contexts
// keyed once per remote sender instead of our TypeScript AES-CM keystream and HMAC, or a GCM decipher object per
// packet. Only the transform: the rollover counter, the replay window and every header check stay in
// SrtpRtpUnprotector, which uses this when NativeSrtpOpener.create() answers one.
import { nativeAddon, type NativeAddon, type SrtpContext } from '../../native/native-addon.js';
import type { SrtpSessionKeys } from './srtp-keys.js';

export class NativeSrtpOpener {
  private constructor(
    private readonly addon: NativeAddon,
    private readonly ctx: SrtpContext,
  ) {}

  /** A native opener for these session keys, or undefined when the addon is absent or disabled. */
  static create(keys: SrtpSessionKeys): NativeSrtpOpener | undefined {
    const addon = nativeAddon();
    if (!addon) return undefined;
    return new NativeSrtpOpener(addon, addon.srtpCreate(keys.profile, keys.cipherKey, keys.salt, keys.authKey));
  }

  /**
   * Checks and decrypts the SRTP packet buf[0, len) in place: the RTP packet's length, -1 for a malformed header,
   * -2 for a tag that does not match (with GCM the payload bytes are then garbage: drop the packet).
   */
  open(buf: Buffer, len: number, roc: number, tagLength: number): number {
    return this.addon.srtpUnprotect(this.ctx, buf, len, roc, tagLength);
  }
}

// SrtpRtpProtector's surface over the native addon's SRTP transform (src/native/srtp.c): the same bytes, with
// OpenSSL contexts keyed once per sender (no per-packet GCM cipher object, no keystream batches). Use
// NativeSrtpRtpProtector.create(), which answers undefined when the addon is absent, and keep the TypeScript
// SrtpRtpProtector as the fallback.
import { nativeAddon, type NativeAddon, type SrtpContext } from '../../native/native-addon.js';
import { SRTP_AEAD_AES_128_GCM, type SrtpSessionKeys } from './srtp-keys.js';

export class NativeSrtpRtpProtector {
  readonly tagLength: number;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly ctx: SrtpContext,
    gcm: boolean,
  ) {
    this.tagLength = gcm ? 16 : 10;
  }

  /** A native protector for these session keys, or undefined when the addon is absent or disabled. */
  static create(keys: SrtpSessionKeys): NativeSrtpRtpProtector | undefined {
    const addon = nativeAddon();
    if (!addon) return undefined;
    return new NativeSrtpRtpProtector(addon, addon.srtpCreate(keys.profile, keys.cipherKey, keys.salt, keys.authKey), keys.profile === SRTP_AEAD_AES_128_GCM);
  }

  /** As SrtpRtpProtector.protect: a new buffer holding the SRTP packet, or undefined for a malformed packet. */
  protect(plain: Buffer, len: number, roc: number): Buffer | undefined {
    if (!Number.isInteger(len) || len < 0 || len > plain.length) return undefined;
    const out = Buffer.allocUnsafe(len + this.tagLength);
    const n = this.protectInto(plain, len, roc, out);
    return n < 0 ? undefined : out;
  }

  /**
   * As SrtpRtpProtector.protectInto: protects plain[0, len) into `out` (at least len + tagLength bytes) and returns
   * the SRTP packet's length, or -1 for a malformed packet or a short `out`. Unlike the TypeScript one, `out` may be
   * `plain` itself (protected in place); on -1 for a malformed header `out` holds a copy of the plain bytes.
   */
  protectInto(plain: Buffer, len: number, roc: number, out: Buffer): number {
    if (!Number.isInteger(len) || len < 0 || len > plain.length || out.length < len + this.tagLength) return -1;
    if (out !== plain) plain.copy(out, 0, 0, len);
    return this.addon.srtpProtect(this.ctx, out, len, roc >>> 0);
  }

  /** The keyed native context (for NativeRtpOutStream, which protects in the same call as it rewrites). */
  get context(): SrtpContext {
    return this.ctx;
  }

  /** Nothing is kept per SSRC natively; here for SrtpRtpProtector's surface. */
  forget(_ssrc: number): void {}
}

// Outbound SRTCP in the native addon (src/native/srtp.c, srtcpProtect): AES-CM with the 80-bit tag and AES-GCM, from
// an OpenSSL context keyed once with the SRTCP session keys. The SRTCP index is the caller's (a PeerConnection
// shares it with the stack's own RTCP sends, so the receiver's replay list sees one sequence per SSRC). Use
// NativeSrtcpProtector.create(), undefined when the addon is absent.
import { nativeAddon, type NativeAddon, type SrtpContext } from '../../native/native-addon.js';
import type { SrtpSessionKeys } from './srtp-keys.js';

/** What SRTCP adds at most: the E flag and index (4) and a GCM tag (16). */
export const SRTCP_TRAILER_MAX = 20;

export class NativeSrtcpProtector {
  private constructor(
    private readonly addon: NativeAddon,
    private readonly ctx: SrtpContext,
  ) {}

  /** A protector for SRTCP session keys (deriveSessionKeys(…, true)), or undefined when the addon is absent. */
  static create(keys: SrtpSessionKeys): NativeSrtcpProtector | undefined {
    const addon = nativeAddon();
    if (!addon) return undefined;
    return new NativeSrtcpProtector(addon, addon.srtpCreate(keys.profile, keys.cipherKey, keys.salt, keys.authKey));
  }

  /**
   * Protects the compound RTCP packet `rtcp` into `out` (at least rtcp.length + SRTCP_TRAILER_MAX bytes) with SRTCP
   * index `index` (31 bits): the SRTCP packet's length, or -1 when it is not RTCP or `out` is too short.
   */
  protectInto(rtcp: Buffer, index: number, out: Buffer): number {
    if (out.length < rtcp.length + SRTCP_TRAILER_MAX || !Number.isInteger(index) || index < 0 || index > 0x7fffffff) return -1;
    rtcp.copy(out, 0);
    return this.addon.srtcpProtect(this.ctx, out, rtcp.length, index);
  }
}

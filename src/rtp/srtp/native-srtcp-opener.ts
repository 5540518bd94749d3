// Inbound SRTCP in the native addon (src/native/srtp.c, srtcpUnprotect): the tag check and decryption of the RTCP a
// peer sends (receiver reports, transport-wide CC feedback, NACKs, PLIs) with an OpenSSL context keyed once,
// instead of a cipher and an HMAC object per packet. In place: the datagram's own buffer becomes the compound.
// No replay list, as the stack's decryption it replaces has none. Use NativeSrtcpOpener.create(), undefined when
// the addon is absent.
import { nativeAddon, type NativeAddon, type SrtpContext } from '../../native/native-addon.js';
import type { SrtpSessionKeys } from './srtp-keys.js';

export class NativeSrtcpOpener {
  /** Packets refused: too short for SRTCP, or a tag that does not match. */
  refused = 0;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly ctx: SrtpContext,
  ) {}

  /** An opener for the remote side's SRTCP session keys (deriveSessionKeys(…, true)), or undefined without the addon. */
  static create(keys: SrtpSessionKeys): NativeSrtcpOpener | undefined {
    const addon = nativeAddon();
    if (!addon) return undefined;
    return new NativeSrtcpOpener(addon, addon.srtpCreate(keys.profile, keys.cipherKey, keys.salt, keys.authKey));
  }

  /** The compound RTCP packet inside `srtcp` (a view of it, decrypted in place), or undefined when refused. */
  open(srtcp: Buffer): Buffer | undefined {
    const n = this.addon.srtcpUnprotect(this.ctx, srtcp, srtcp.length);
    if (n < 0) {
      this.refused++;
      return undefined;
    }
    return srtcp.subarray(0, n);
  }
}

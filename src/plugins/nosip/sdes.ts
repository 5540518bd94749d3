// SDES-SRTP (RFC 4568) for the plain leg: the suites a barebone SDP may name, our keys for an a=crypto line, and
// the SRTP/SRTCP transforms of src/rtp/srtp built from a line's key. Only the AES-CM suites: the GCM ones take
// other key lengths and SRTCP the transforms here do not do.
import { randomBytes } from 'node:crypto';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../rtp/srtp/srtp-protector.js';
import { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import { SrtcpProtector } from '../../rtp/srtp/srtcp-protector.js';
import { NativeSrtcpOpener } from '../../rtp/srtp/native-srtcp-opener.js';

export const SDES_SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const;
export type SdesSuite = (typeof SDES_SUITES)[number];

/** Master key (16 bytes) and salt (14 bytes), base64 in the line. */
const MASTER_LENGTH = 30;

/** A suite name as Janus's `srtp_profile` and the a=crypto line write it (case as written; SDP compares without case). */
export function sdesSuite(name: string): SdesSuite | undefined {
  const upper = name.toUpperCase();
  return SDES_SUITES.find((s) => s === upper);
}

/** Our side of one m-line's SRTP: the key we announce and the transforms that use it. */
export interface LocalSdes {
  readonly suite: SdesSuite;
  readonly key: string;
}

export function newLocalSdes(suite: SdesSuite): LocalSdes {
  return { suite, key: randomBytes(MASTER_LENGTH).toString('base64') };
}

/** The 30 bytes of a line's key, or undefined when it is not base64 of at least that much. */
export function masterOf(key: string): Buffer | undefined {
  const raw = Buffer.from(key, 'base64');
  return raw.length >= MASTER_LENGTH ? raw.subarray(0, MASTER_LENGTH) : undefined;
}

function tagLength(suite: SdesSuite): 4 | 10 {
  return suite === 'AES_CM_128_HMAC_SHA1_32' ? 4 : 10;
}

/** What we send with: SRTP for RTP (the suite's tag), SRTCP with the 80-bit tag (RFC 4568 §6.2.1). */
export interface SdesSender {
  readonly rtp: SrtpRtpProtector;
  readonly tagLength: 4 | 10;
  readonly rtcp: SrtcpProtector;
}

/** What we receive with; `rtcp` is undefined without the native addon (SRTCP from the peer is then not read). */
export interface SdesReceiver {
  readonly rtp: SrtpRtpUnprotector;
  readonly rtcp: NativeSrtcpOpener | undefined;
}

export function sdesSender(suite: SdesSuite, key: string): SdesSender | undefined {
  const master = masterOf(key);
  if (!master) return undefined;
  const k = master.subarray(0, 16);
  const salt = master.subarray(16);
  return {
    rtp: new SrtpRtpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, k, salt)),
    tagLength: tagLength(suite),
    rtcp: new SrtcpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, k, salt, true)),
  };
}

export function sdesReceiver(suite: SdesSuite, key: string): SdesReceiver | undefined {
  const master = masterOf(key);
  if (!master) return undefined;
  const k = master.subarray(0, 16);
  const salt = master.subarray(16);
  return {
    rtp: new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, k, salt), tagLength(suite)),
    rtcp: NativeSrtcpOpener.create(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, k, salt, true)),
  };
}

// SRTP of forwarded media (VideoRoom cascading and forwarders, AudioBridge forwarders): the `srtp_suite`/
// `srtp_crypto` of a request, as a protector (sending) or an unprotector (receiving). Only AES_CM_128 is offered;
// suite 32 or 80 is the length of the tag. Errors carry the calling plugin's codes.
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../rtp/srtp/srtp-protector.js';
import { SrtpRtpUnprotector } from '../rtp/srtp/srtp-unprotector.js';
import { PluginError, type JsonObject } from '../plugin-api/index.js';

/** The calling plugin's codes for a bad and a missing element. */
export interface ElementCodes {
  readonly invalid: number;
  readonly missing: number;
}

/** A protector and the length of its tag. */
export interface SrtpSender {
  readonly protector: SrtpRtpProtector;
  readonly tagLength: number;
}

export interface SrtpSettings {
  readonly suite: 32 | 80;
  readonly key: Buffer;
  readonly salt: Buffer;
}

export function parseSrtp(body: JsonObject, codes: ElementCodes, suiteKey = 'srtp_suite', cryptoKey = 'srtp_crypto'): SrtpSettings | undefined {
  const suite = body[suiteKey];
  const crypto = body[cryptoKey];
  if (suite === undefined && crypto === undefined) return undefined;
  if (suite !== 32 && suite !== 80) throw new PluginError(codes.invalid, `Invalid SRTP suite (${String(suite)})`);
  if (typeof crypto !== 'string') throw new PluginError(codes.missing, `Missing mandatory element (${cryptoKey})`);
  const raw = Buffer.from(crypto, 'base64');
  if (raw.length !== 30) throw new PluginError(codes.invalid, `Invalid element (${cryptoKey} should be the base64 of a 16-byte key and a 14-byte salt)`);
  return { suite, key: raw.subarray(0, 16), salt: raw.subarray(16) };
}

export function protectorFor(s: SrtpSettings | undefined): SrtpSender | undefined {
  if (!s) return undefined;
  return { protector: new SrtpRtpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, s.key, s.salt)), tagLength: s.suite === 32 ? 4 : 10 };
}

export function unprotectorFor(s: SrtpSettings): SrtpRtpUnprotector {
  return new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, s.key, s.salt), s.suite === 32 ? 4 : 10);
}

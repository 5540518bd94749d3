// SRTP protection profiles and the session-key derivation of RFC 3711 §4.3 (AES-CM PRF, key derivation rate 0),
// which RFC 7714 reuses for AES-GCM. Pure functions; runs once per DTLS handshake, never per packet.
import { createCipheriv } from 'node:crypto';

/** DTLS-SRTP profile numbers (RFC 5764, RFC 7714), as negotiated in the use_srtp extension. */
export const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
export const SRTP_AEAD_AES_128_GCM = 0x0007;
export type SrtpProfile = typeof SRTP_AES128_CM_HMAC_SHA1_80 | typeof SRTP_AEAD_AES_128_GCM;

export function isSupportedSrtpProfile(p: unknown): p is SrtpProfile {
  return p === SRTP_AES128_CM_HMAC_SHA1_80 || p === SRTP_AEAD_AES_128_GCM;
}

export function srtpProfileName(p: SrtpProfile): string {
  return p === SRTP_AEAD_AES_128_GCM ? 'AEAD_AES_128_GCM' : 'AES_CM_128_HMAC_SHA1_80';
}

/** Master key and salt lengths a profile takes from the DTLS exporter. */
export function masterLengths(profile: SrtpProfile): { key: number; salt: number } {
  return profile === SRTP_AEAD_AES_128_GCM ? { key: 16, salt: 12 } : { key: 16, salt: 14 };
}

export interface SrtpSessionKeys {
  readonly profile: SrtpProfile;
  readonly cipherKey: Buffer;
  /** HMAC-SHA1 key (AES-CM profiles only; empty for GCM). */
  readonly authKey: Buffer;
  /** Session salt: 14 bytes for AES-CM, 12 for GCM. */
  readonly salt: Buffer;
}

// Key derivation labels (RFC 3711 §4.3.1).
const LABEL_RTP_CIPHER = 0x00;
const LABEL_RTP_AUTH = 0x01;
const LABEL_RTP_SALT = 0x02;
const LABEL_RTCP_CIPHER = 0x03;
const LABEL_RTCP_AUTH = 0x04;
const LABEL_RTCP_SALT = 0x05;

/** One derivation: AES-CM keystream under the master key, IV = (master salt XOR label<<48) * 2^16. */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(14, masterSalt.length));
  iv[7] ^= label;
  const cipher = createCipheriv(masterKey.length === 32 ? 'aes-256-ctr' : 'aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** Session keys for SRTP (RTP packets) or SRTCP from one side's master key and salt. */
export function deriveSessionKeys(profile: SrtpProfile, masterKey: Buffer, masterSalt: Buffer, rtcp = false): SrtpSessionKeys {
  const lengths = masterLengths(profile);
  if (masterKey.length !== lengths.key || masterSalt.length !== lengths.salt) {
    throw new Error(`SRTP master key/salt must be ${lengths.key}/${lengths.salt} bytes, got ${masterKey.length}/${masterSalt.length}`);
  }
  const gcm = profile === SRTP_AEAD_AES_128_GCM;
  return {
    profile,
    cipherKey: deriveKey(masterKey, masterSalt, rtcp ? LABEL_RTCP_CIPHER : LABEL_RTP_CIPHER, 16),
    authKey: gcm ? Buffer.alloc(0) : deriveKey(masterKey, masterSalt, rtcp ? LABEL_RTCP_AUTH : LABEL_RTP_AUTH, 20),
    salt: deriveKey(masterKey, masterSalt, rtcp ? LABEL_RTCP_SALT : LABEL_RTP_SALT, gcm ? 12 : 14),
  };
}

/** The AEAD_AES_128_GCM IV of an RTP packet (RFC 7714 §8.1): 00 00 | SSRC | ROC | SEQ, XOR the 12-byte salt. */
export function gcmIv(iv: Buffer, salt: Buffer, rtp: Buffer, roc: number): Buffer {
  iv[0] = salt[0];
  iv[1] = salt[1];
  for (let i = 0; i < 4; i++) iv[2 + i] = salt[2 + i] ^ rtp[8 + i];
  iv[6] = salt[6] ^ (roc >>> 24);
  iv[7] = salt[7] ^ ((roc >>> 16) & 0xff);
  iv[8] = salt[8] ^ ((roc >>> 8) & 0xff);
  iv[9] = salt[9] ^ (roc & 0xff);
  iv[10] = salt[10] ^ rtp[2];
  iv[11] = salt[11] ^ rtp[3];
  return iv;
}

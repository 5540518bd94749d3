// What a client may ask of the Streaming plugin: the secret/pin/admin_key check Janus applies (JANUS_CHECK_SECRET),
// and the bounds on values a mountpoint is made of. Pure functions: each returns the problem (code and reason in
// Janus's wording) or undefined, and the plugin turns a problem into its error reply.
import { sameSecret } from '../../plugin-api/index.js';

export interface GuardProblem {
  readonly code: number;
  readonly reason: string;
}

export interface SecretCodes {
  readonly missing: number;
  readonly invalid: number;
  readonly unauthorized: number;
}

/**
 * Janus's check of a secret, pin or admin key: nothing to check when `expected` is unset; otherwise the request
 * must carry `member` (missing), as a string (invalid), equal to `expected` (compared in constant time).
 */
export function secretProblem(body: Readonly<Record<string, unknown>>, member: string, expected: string | undefined, codes: SecretCodes): GuardProblem | undefined {
  if (expected === undefined) return undefined;
  const given = body[member];
  if (given === undefined || given === null) return { code: codes.missing, reason: `Missing mandatory element (${member})` };
  if (typeof given !== 'string') return { code: codes.invalid, reason: `Invalid element type (${member} should be a string)` };
  if (!sameSecret(given, expected)) return { code: codes.unauthorized, reason: `Unauthorized (wrong ${member})` };
  return undefined;
}

/** Most media entries a mountpoint may have. Janus sets no limit; 64 is far above any real source. */
export const MAX_MEDIA_ENTRIES = 64;
/** A mid travels in a one-byte RTP header extension (RFC 8843, RFC 8285): at most 16 bytes. */
export const MAX_MID_LENGTH = 16;
/** Longest `fmtp` line accepted. */
export const MAX_FMTP_LENGTH = 1024;
/** Longest string mountpoint id (`string_ids`). */
export const MAX_STRING_ID_LENGTH = 256;
/** bufferkf_ms is 16-bit in Janus; bufferkf_bytes is ours: memory kept per buffered stream. */
export const MAX_BUFFERKF_MS = 65_535;
export const MAX_BUFFERKF_BYTES = 16 * 1024 * 1024;
/** Longest RTSP time (seconds) for timeouts and delays: a day, far below what a timer can hold. */
export const MAX_RTSP_SECONDS = 86_400;
/** Largest audio file a live/ondemand mountpoint reads (it is read whole, once). */
export const MAX_AUDIO_FILE_BYTES = 64 * 1024 * 1024;

/** True for a whole number in 0..65535 (port 0: one from the range). */
export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

/** True for an RTP payload type (7 bits). */
export function isPayloadType(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 127;
}

/** A mid: 1-16 characters of an SDP token (RFC 4566), so it can neither break an SDP line nor the header extension. */
export function isMid(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_MID_LENGTH && /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/.test(value);
}

/** Text that goes into an SDP line (fmtp): printable, no line breaks, bounded. */
export function isSdpText(value: unknown, max = MAX_FMTP_LENGTH): value is string {
  return typeof value === 'string' && value.length <= max && !/[\x00-\x1f\x7f]/.test(value);
}

/** A string mountpoint id: 1-256 characters, none of them a control character. */
export function isStringId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_STRING_ID_LENGTH && !/[\x00-\x1f\x7f]/.test(value);
}

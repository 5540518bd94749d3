// The VideoRoom's error codes (Janus's numbering), the error that carries one to the reply, and field checks
// that fail with them; how a thrown value becomes the reply's error (the kit's `errorEvent`).
import { findFieldError, sameSecret, type FieldSpec, type JsonObject } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import { errorEvent, PluginError, type PluginErrorCodes } from '../../plugin-api/plugin-error.js';
import { errorText } from '../../logging/error-text.js';

export const E = {
  UNKNOWN: 499,
  NO_MESSAGE: 421,
  INVALID_JSON: 422,
  INVALID_REQUEST: 423,
  JOIN_FIRST: 424,
  ALREADY_JOINED: 425,
  NO_SUCH_ROOM: 426,
  ROOM_EXISTS: 427,
  NO_SUCH_FEED: 428,
  MISSING_ELEMENT: 429,
  INVALID_ELEMENT: 430,
  INVALID_SDP_TYPE: 431,
  PUBLISHERS_FULL: 432,
  UNAUTHORIZED: 433,
  ALREADY_PUBLISHED: 434,
  NOT_PUBLISHED: 435,
  ID_EXISTS: 436,
  INVALID_SDP: 437,
  INVALID_FEED: 438,
} as const;

/** The codes the kit answers its own checks with. */
export const KIT_CODES: PluginErrorCodes = {
  invalidJson: E.INVALID_JSON,
  missingElement: E.MISSING_ELEMENT,
  invalidElement: E.INVALID_ELEMENT,
  unknownRequest: E.INVALID_REQUEST,
  internal: E.UNKNOWN,
};

/** An error the client reads (`error_code`, `error`). */
export class VideoRoomError extends PluginError {
  constructor(code: number, message: string) {
    super(code, message);
    this.name = 'VideoRoomError';
  }
}

/** Throws the VideoRoom's 429/430 for the first missing or mistyped field of `body`. */
export function check(body: JsonObject, specs: readonly FieldSpec[]): void {
  const bad = findFieldError(body, specs, { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT });
  if (bad) throw new VideoRoomError(bad.code, bad.message);
}

/**
 * Throws unless `body[key]` is the expected secret, pin or admin key: 429 when it is missing, 430 when it is not a
 * string, 433 when it is wrong (Janus's order and codes).
 */
export function checkSecret(body: JsonObject, key: string, expected: string): void {
  const given = body[key];
  if (given === undefined || given === null) throw new VideoRoomError(E.MISSING_ELEMENT, `Missing mandatory element (${key})`);
  if (typeof given !== 'string') throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element type (${key} should be a string)`);
  if (!sameSecret(given, expected)) throw new VideoRoomError(E.UNAUTHORIZED, `Unauthorized (wrong ${key})`);
}

export function errMessage(err: unknown): string {
  return errorText(err);
}

/** A VideoRoomError as the client sees it; anything else is an internal fault, logged and never shown. */
export function errorData(err: unknown, log: Logger): JsonObject {
  return errorEvent('videoroom', err, E.UNKNOWN, log);
}

/** A failure of the server's own side (an offer it could not make): logged in full, shown as `what` alone. */
export function serverFault(log: Logger, what: string, err: unknown): VideoRoomError {
  log.error(`videoroom: ${what}: ${errMessage(err)}`);
  return new VideoRoomError(E.UNKNOWN, what);
}

/** The codes the shared forwarding helpers (srtp-settings, forward-host) throw with, for the VideoRoom. */
export const ELEMENT_CODES = { invalid: E.INVALID_ELEMENT, missing: E.MISSING_ELEMENT } as const;

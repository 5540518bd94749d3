// Bounds on what one Janus or Admin API request may carry, checked before anything stores or echoes it.
import { ErrorCode, JanusError } from './errors.js';
import type { JsonBounds } from './json-bounds.js';
import type { JsonObject } from './validate.js';

/**
 * A whole request: plugin bodies nest stored values (themselves bounded to 32 levels) a few levels down, and an
 * SDP can be long, so this is looser than STORED_JSON_BOUNDS but still far below what would hurt the parser or
 * JSON.stringify. The byte size is bounded by each transport's max body/message size.
 */
export const REQUEST_JSON_BOUNDS: JsonBounds = { maxDepth: 48, maxNodes: 100_000, maxStringLength: 4 * 1024 * 1024 };

/** Longest envelope strings, in UTF-16 units: far above what janus.js and janode send. */
export const MAX_TRANSACTION_LENGTH = 1024;
export const MAX_OPAQUE_ID_LENGTH = 1024;
export const MAX_TOKEN_LENGTH = 4096;
export const MAX_SECRET_LENGTH = 4096;
export const MAX_PLUGIN_NAME_LENGTH = 256;

/** Candidates kept for a handle that has no PeerConnection yet: a browser sends a few dozen at most. */
export const MAX_PENDING_TRICKLES = 1000;

/** JSON values one WebSocket message may carry one after another (janus.js and janode send one). */
export const MAX_REQUESTS_PER_MESSAGE = 1000;

/** Envelope strings that are stored (opaque_id, token) or echoed (transaction) must be of sane length. */
export function checkEnvelopeSizes(request: JsonObject): void {
  const limits: ReadonlyArray<[string, number]> = [
    ['transaction', MAX_TRANSACTION_LENGTH],
    ['opaque_id', MAX_OPAQUE_ID_LENGTH],
    ['token', MAX_TOKEN_LENGTH],
    ['apisecret', MAX_SECRET_LENGTH],
    ['plugin', MAX_PLUGIN_NAME_LENGTH],
    ['admin_secret', MAX_SECRET_LENGTH],
  ];
  for (const [name, max] of limits) {
    const v = request[name];
    if (typeof v === 'string' && v.length > max) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, `Invalid element type (${name} should be a string of at most ${max} characters)`);
  }
}

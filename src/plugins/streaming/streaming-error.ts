// The Streaming plugin's error codes (Janus's numbers) and the checks that turn a bad request into one of them.
import { findFieldError, type FieldSpec } from '../../plugin-api/index.js';
import { jsonBoundsProblem } from '../../plugin-api/index.js';
import { BindError } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { PluginError } from '../../plugin-api/plugin-error.js';
import { UnsafePathError } from '../safe-path.js';
import { AudioFileError } from '../../audio/audio-file.js';
import { secretProblem, type GuardProblem } from './guards.js';
import { RtspError } from './rtsp-protocol.js';

export const E = {
  NO_MESSAGE: 450,
  INVALID_JSON: 451,
  INVALID_REQUEST: 452,
  MISSING_ELEMENT: 453,
  INVALID_ELEMENT: 454,
  NO_SUCH_MOUNTPOINT: 455,
  CANT_CREATE: 456,
  UNAUTHORIZED: 457,
  CANT_SWITCH: 458,
  CANT_RECORD: 459,
  INVALID_STATE: 460,
  INVALID_SDP: 461,
  UNKNOWN: 470,
} as const;

/** A refusal the client is told about as it is (`error_code` and `error`). */
export class StreamingError extends PluginError {
  constructor(code: number, message: string) {
    super(code, message);
    this.name = 'StreamingError';
  }
}

const CODES = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT };

/** Throws the first field of `body` that is missing or of the wrong type. */
export function check(body: JsonObject, specs: readonly FieldSpec[]): void {
  const err = findFieldError(body, specs, CODES);
  if (err) throw new StreamingError(err.code, err.reason);
}

const SECRET_CODES = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT, unauthorized: E.UNAUTHORIZED };

/** Throws the problem a guard found, as the plugin's error. */
function refuse(problem: GuardProblem | undefined): void {
  if (problem) throw new StreamingError(problem.code, problem.reason);
}

/** Janus's check of `secret`, `pin` or `admin_key` (see guards.ts). */
export function requireSecret(body: JsonObject, member: string, expected: string | undefined): void {
  refuse(secretProblem(body, member, expected, SECRET_CODES));
}

/** A stored client value that breaks the JSON bounds is refused whole (454). */
export function requireBounded(body: JsonObject): void {
  const problem = jsonBoundsProblem(body);
  if (problem) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (the request holds ${problem})`);
}

/** A client-safe account of a failure: our own errors say what went wrong; anything else only its kind. */
export function faultText(err: unknown): string {
  if (err instanceof StreamingError || err instanceof RtspError || err instanceof AudioFileError || err instanceof BindError || err instanceof UnsafePathError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EEXIST: 'a file of that name exists',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'is a folder',
    ENOTDIR: 'a part of the path is not a folder',
    ENAMETOOLONG: 'the name is too long',
    ENOSPC: 'no space left',
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  return (typeof code === 'string' && known[code]) || 'internal error';
}

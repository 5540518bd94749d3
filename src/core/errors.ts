// Janus API error codes and the error type that carries them through the core.

export const ErrorCode = {
  UNAUTHORIZED: 403,
  UNAUTHORIZED_PLUGIN: 405,
  TRANSPORT_SPECIFIC: 450,
  MISSING_REQUEST: 452,
  UNKNOWN_REQUEST: 453,
  INVALID_JSON: 454,
  INVALID_JSON_OBJECT: 455,
  MISSING_MANDATORY_ELEMENT: 456,
  INVALID_REQUEST_PATH: 457,
  SESSION_NOT_FOUND: 458,
  HANDLE_NOT_FOUND: 459,
  PLUGIN_NOT_FOUND: 460,
  PLUGIN_ATTACH: 461,
  PLUGIN_MESSAGE: 462,
  PLUGIN_DETACH: 463,
  JSEP_UNKNOWN_TYPE: 464,
  JSEP_INVALID_SDP: 465,
  TRICKLE_INVALID_STREAM: 466,
  INVALID_ELEMENT_TYPE: 467,
  SESSION_CONFLICT: 468,
  UNEXPECTED_ANSWER: 469,
  TOKEN_NOT_FOUND: 470,
  WEBRTC_STATE: 471,
  NOT_ACCEPTING_SESSIONS: 472,
  UNKNOWN: 490,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const DEFAULT_REASONS: Record<number, string> = {
  403: 'Unauthorized request (wrong or missing secret/token)',
  405: 'Unauthorized access to plugin (token is not allowed to)',
  450: 'Transport specific error',
  452: 'Missing request',
  453: 'Unknown request',
  454: 'Invalid JSON',
  455: 'Invalid JSON Object',
  456: 'Missing mandatory element',
  457: 'Invalid path for this request',
  458: 'Session not found',
  459: 'Handle not found',
  460: 'Plugin not found',
  461: 'Error attaching plugin',
  462: 'Error sending message to plugin',
  463: 'Error detaching from plugin',
  464: 'Unsupported JSEP type',
  465: 'Invalid SDP',
  466: 'Invalid stream',
  467: 'Invalid element type',
  468: 'Session ID already in use',
  469: 'Unexpected ANSWER (no OFFER)',
  470: 'Token not found',
  471: 'Wrong WebRTC state',
  472: 'Currently not accepting new sessions',
  490: 'Unknown error',
};

export function defaultReason(code: number): string {
  return DEFAULT_REASONS[code] ?? 'Unknown error';
}

/** An error the core answers with `{janus:"error", error:{code, reason}}`. */
export class JanusError extends Error {
  constructor(
    readonly code: number,
    reason?: string,
  ) {
    super(reason ?? defaultReason(code));
    this.name = 'JanusError';
  }
  get reason(): string {
    return this.message;
  }
}

/** What a client is told about a fault of ours: the details (exception text, stack) go to the log only. */
export const INTERNAL_ERROR_REASON = 'Internal error';

export function internalError(): JanusError {
  return new JanusError(ErrorCode.UNKNOWN, INTERNAL_ERROR_REASON);
}

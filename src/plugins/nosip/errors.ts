// The NoSIP plugin's error codes (Janus's numbering); docs/errors.md lists them.
export const E = {
  NO_MESSAGE: 440,
  INVALID_JSON: 441,
  INVALID_REQUEST: 442,
  MISSING_ELEMENT: 443,
  INVALID_ELEMENT: 444,
  WRONG_STATE: 445,
  MISSING_SDP: 446,
  INVALID_SDP: 447,
  IO_ERROR: 448,
  RECORDING_ERROR: 449,
  TOO_STRICT: 450,
  NO_SUCH_STREAM: 451,
  UNKNOWN_ERROR: 499,
} as const;

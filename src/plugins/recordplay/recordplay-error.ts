// The Record&Play plugin's error codes (Janus's numbers); docs/errors.md lists them.
import { PluginError } from '../../plugin-api/plugin-error.js';

export const E = {
  NO_MESSAGE: 411,
  INVALID_JSON: 412,
  INVALID_REQUEST: 413,
  INVALID_ELEMENT: 414,
  MISSING_ELEMENT: 415,
  NOT_FOUND: 416,
  INVALID_RECORDING: 417,
  INVALID_STATE: 418,
  INVALID_SDP: 419,
  RECORDING_EXISTS: 420,
  UNKNOWN_ERROR: 499,
} as const;

/** A refusal the client reads as it is (`error_code`, `error`). */
export class RecordPlayError extends PluginError {
  constructor(code: number, message: string) {
    super(code, message);
    this.name = 'RecordPlayError';
  }
}

// A plugin's error as the client sees it: `error_code` and `error` in `plugindata`, never a Janus API error.
import { INTERNAL_ERROR_REASON } from '../core/errors.js';
import type { JsonObject } from '../core/validate.js';
import { errorDetail } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

/**
 * An error a plugin means the client to see: thrown anywhere in a request's handling, it becomes
 * `{ <plugin>: 'event', error_code: code, error: message }`. The message is the client's to read: no paths
 * outside the recordings folder, no stack, no secrets.
 */
export class PluginError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'PluginError';
  }
}

/** The codes a plugin answers the kit's own checks with (its numbering, as in Janus). */
export interface PluginErrorCodes {
  /** The body is not a JSON object. */
  readonly invalidJson: number;
  /** A mandatory field (or `request`) is missing. */
  readonly missingElement: number;
  /** A field has the wrong type. */
  readonly invalidElement: number;
  /** `request` names nothing the plugin knows. */
  readonly unknownRequest: number;
  /** Anything thrown that is not a `PluginError`: a fault of ours. */
  readonly internal: number;
}

/**
 * Turns anything thrown while handling a request into the plugin's error event. A `PluginError` keeps its code
 * and text; anything else is an internal fault: its details (stack) go to `log`, the client reads a neutral text.
 */
export function errorEvent(plugin: string, err: unknown, internalCode: number, log: Logger): JsonObject {
  if (err instanceof PluginError) return { [plugin]: 'event', error_code: err.code, error: err.message };
  log.error(`${plugin}: internal error: ${errorDetail(err)}`);
  return { [plugin]: 'event', error_code: internalCode, error: INTERNAL_ERROR_REASON };
}

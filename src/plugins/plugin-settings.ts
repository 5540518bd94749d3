// What every plugin reads the same way at start-up: its `general` settings and what it saved before.
import { isJsonObject, type JsonObject } from '../plugin-api/index.js';
import type { PluginStateStore } from './plugin.js';
import { errorText } from '../logging/error-text.js';

/**
 * The plugin's `general` group (from its .jcfg file) merged over single keys given by flag or environment
 * (`--streaming.string_ids=true`, `PORTUNUS_VIDEOROOM_ADMIN_KEY`), which arrive at the top level.
 */
export function generalSettings(config: JsonObject): JsonObject {
  const flat = Object.fromEntries(Object.entries(config).filter(([, v]) => !isJsonObject(v)));
  return { ...flat, ...(isJsonObject(config.general) ? config.general : {}) };
}

/** A boolean setting that may be written as text in a configuration file. */
export function isTrue(value: unknown): boolean {
  // As Janus reads its configuration: true, yes, 1 (and on), in any case.
  if (value === true || value === 1) return true;
  return typeof value === 'string' && ['true', 'yes', '1', 'on'].includes(value.trim().toLowerCase());
}

/** What the plugin saved (`permanent: true`), or nothing when there is no store or it cannot be read (reported). */
export function loadSaved(state: PluginStateStore | undefined, report: (message: string) => void): JsonObject {
  if (!state) return {};
  try {
    return state.load();
  } catch (err) {
    report(errorText(err));
    return {};
  }
}

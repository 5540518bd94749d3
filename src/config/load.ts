// Builds the settings from defaults, a config file, the environment and command-line flags, in that order.
import { readFileSync } from 'node:fs';
import { errorText } from '../logging/error-text.js';
import { DEFAULTS, EVENT_HANDLER_SECTIONS, EVENT_HANDLER_SETTINGS, PLUGIN_SECTIONS, PLUGIN_SETTINGS, type CoreSettings } from './defaults.js';
import type { SettingValue } from './setting.js';
import { parseJcfg, type JcfgGroup, type JcfgValue } from './jcfg.js';

export interface Config {
  readonly core: CoreSettings;
  /** Plugin sections by package name, free-form. */
  readonly plugins: Readonly<Record<string, JcfgGroup>>;
  /** Each event handler kind's settings by package name: every key it declares, with its type. */
  readonly eventHandlers: Readonly<Record<string, Readonly<Record<string, SettingValue>>>>;
  /** Where the settings came from, for the start-up log. */
  readonly sources: readonly string[];
  /** Settings that were given but not understood. */
  readonly warnings: string[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigInput {
  /** Parsed config file contents (see readConfigFile), if any. */
  readonly file?: { readonly path: string; readonly content: JcfgGroup };
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `section.key` → value, from the command line. */
  readonly overrides?: ReadonlyArray<readonly [string, string]>;
}

/** Reads and parses a config file: .jcfg (libconfig syntax) or .json. */
export function readConfigFile(path: string): { path: string; content: JcfgGroup } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${errorText(err)}`);
  }
  try {
    const content = path.endsWith('.json') ? (JSON.parse(text) as unknown) : parseJcfg(text);
    if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error('top level must be a group of sections');
    return { path, content: content as JcfgGroup };
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${errorText(err)}`);
  }
}

/** Section-wise merge of two parsed files; settings of `over` win. */
export function mergeSections(base: JcfgGroup, over: JcfgGroup): JcfgGroup {
  const out: JcfgGroup = { ...base };
  for (const [section, group] of Object.entries(over)) {
    const prev = out[section];
    out[section] = typeof prev === 'object' && !Array.isArray(prev) && typeof group === 'object' && !Array.isArray(group) ? { ...prev, ...group } : group;
  }
  return out;
}

function freshDefaults(): CoreSettings {
  return JSON.parse(JSON.stringify(DEFAULTS)) as CoreSettings;
}

/** A value as text the way String() shows it, except that a group shows its content rather than '[object Object]'. */
function valueText(raw: JcfgValue): string {
  if (Array.isArray(raw)) return raw.map(valueText).join(',');
  if (typeof raw === 'object') return JSON.stringify(raw);
  return String(raw);
}

/** Converts text (from env or a flag) or a file value to the type of the default. */
export function coerce(where: string, raw: JcfgValue, def: string | number | boolean): string | number | boolean {
  if (typeof def === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const t = valueText(raw).trim().toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(t)) return true;
    if (['false', 'no', '0', 'off'].includes(t)) return false;
    throw new ConfigError(`${where}: expected a boolean, got '${valueText(raw)}'`);
  }
  if (typeof def === 'number') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) throw new ConfigError(`${where}: expected a number, got '${valueText(raw)}'`);
    return n;
  }
  if (typeof raw === 'object') {
    if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw.join(',');
    // A list of string lists (MQTT's add_transaction_user_properties pairs) is kept as JSON text for its reader.
    if (Array.isArray(raw) && raw.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))) return JSON.stringify(raw);
    throw new ConfigError(`${where}: expected a string`);
  }
  return String(raw);
}

export function loadConfig(input: ConfigInput): Config {
  const core = freshDefaults();
  const plugins: Record<string, JcfgGroup> = {};
  const sources: string[] = ['defaults'];
  const warnings: string[] = [];
  const coreRecord = core as unknown as Record<string, Record<string, string | number | boolean>>;

  const eventHandlers: Record<string, Record<string, SettingValue>> = {};
  for (const [pkg, declared] of Object.entries(EVENT_HANDLER_SETTINGS)) {
    eventHandlers[pkg] = Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.value]));
  }

  const set = (where: string, section: string, key: string, raw: JcfgValue): void => {
    const handlerPackage = EVENT_HANDLER_SECTIONS[section];
    if (handlerPackage !== undefined) {
      // A Janus file's `general` group, copied as it is, counts as the section itself.
      if (key === 'general' && typeof raw === 'object' && !Array.isArray(raw)) {
        for (const [k, v] of Object.entries(raw)) set(`${where}.${k}`, section, k, v);
        return;
      }
      const target = eventHandlers[handlerPackage];
      const declared = EVENT_HANDLER_SETTINGS[handlerPackage][key];
      if (declared === undefined) warnings.push(`${where}: unknown setting '${section}.${key}'`);
      else target[key] = coerce(where, raw, declared.value);
      return;
    }
    const pluginPackage = PLUGIN_SECTIONS[section];
    if (pluginPackage !== undefined) {
      const group = (plugins[pluginPackage] ??= {});
      group[key] = raw;
      return;
    }
    const sec = coreRecord[section];
    if (sec === undefined) {
      warnings.push(`${where}: unknown section '${section}'`);
      return;
    }
    if (!Object.prototype.hasOwnProperty.call(sec, key)) {
      warnings.push(`${where}: unknown setting '${section}.${key}'`);
      return;
    }
    sec[key] = coerce(where, raw, sec[key]);
  };

  if (input.file) {
    sources.push(input.file.path);
    for (const [section, group] of Object.entries(input.file.content)) {
      if (typeof group !== 'object' || Array.isArray(group)) {
        warnings.push(`${input.file.path}: '${section}' is not a section`);
        continue;
      }
      for (const [key, value] of Object.entries(group)) set(`${input.file.path}: ${section}.${key}`, section, key, value);
    }
  }

  const sectionNames = [...Object.keys(DEFAULTS), ...Object.keys(PLUGIN_SECTIONS), ...Object.keys(EVENT_HANDLER_SECTIONS)];
  let fromEnv = false;
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (!name.startsWith('PORTUNUS_') || value === undefined) continue;
    const rest = name.slice('PORTUNUS_'.length).toLowerCase();
    const section = sectionNames.find((s) => rest.startsWith(s + '_'));
    if (!section) {
      if (!KNOWN_NON_SETTING_ENV.has(name)) warnings.push(`environment: ${name} names no known section`);
      continue;
    }
    set(`environment ${name}`, section, rest.slice(section.length + 1), value);
    fromEnv = true;
  }
  if (fromEnv) sources.push('environment');

  for (const [path, value] of input.overrides ?? []) {
    const dot = path.indexOf('.');
    if (dot <= 0) throw new ConfigError(`--${path}: expected --section.key=value`);
    set(`--${path}`, path.slice(0, dot), path.slice(dot + 1), value);
  }
  if ((input.overrides ?? []).length > 0) sources.push('command line');

  validate(core);
  for (const [pkg, group] of Object.entries(plugins)) checkPluginGeneral(pkg, group, warnings);
  // Read once, validated once: nothing may change a setting behind the back of what already read it.
  return { core: deepFreeze(core), plugins: deepFreeze(plugins), eventHandlers: deepFreeze(eventHandlers), sources, warnings };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * A plugin's `general` settings (its `general` group, and single keys given by flag or environment, which arrive
 * at the top level) checked against what the plugin declares: unknown keys reported, known ones given their type.
 * Other groups (rooms, mountpoints) are the plugin's to check.
 */
function checkPluginGeneral(pkg: string, group: JcfgGroup, warnings: string[]): void {
  const declared = PLUGIN_SETTINGS[pkg] ?? {};
  const section = Object.entries(PLUGIN_SECTIONS).find(([, p]) => p === pkg)?.[0] ?? pkg;
  const check = (where: string, target: JcfgGroup): void => {
    for (const [key, raw] of Object.entries(target)) {
      if (typeof raw === 'object' && !Array.isArray(raw)) continue;
      const spec = declared[key];
      if (spec === undefined) warnings.push(`${where}: unknown setting '${key}' (${pkg} knows ${Object.keys(declared).join(', ') || 'none'})`);
      else target[key] = coerce(`${where}.${key}`, raw, spec.value);
    }
  };
  check(section, group);
  const general = group.general;
  if (typeof general === 'object' && !Array.isArray(general)) check(`${section}.general`, general);
}

/** Environment variables with the prefix that are not settings. */
const KNOWN_NON_SETTING_ENV = new Set(['PORTUNUS_CONFIG', 'PORTUNUS_LOCAL_NODE', 'PORTUNUS_TEST_CONCURRENCY', 'PORTUNUS_EXPECT_NO_IPV6', 'PORTUNUS_NATIVE']);

function validate(c: CoreSettings): void {
  const nonNegative: Array<[string, number]> = [
    ['general.session_timeout', c.general.session_timeout],
    ['general.reclaim_session_timeout', c.general.reclaim_session_timeout],
    ['media.no_media_timer', c.media.no_media_timer],
    ['media.slowlink_threshold', c.media.slowlink_threshold],
    ['events.stats_period', c.events.stats_period],
  ];
  for (const [k, v] of nonNegative) if (!Number.isInteger(v) || v < 0) throw new ConfigError(`${k} must be an integer >= 0, got ${v}`);
  if (!Number.isInteger(c.general.candidates_timeout) || c.general.candidates_timeout < 1) {
    throw new ConfigError(`general.candidates_timeout must be an integer >= 1, got ${c.general.candidates_timeout}`);
  }
  if (!Number.isInteger(c.general.log_level) || c.general.log_level < 0 || c.general.log_level > 7) {
    throw new ConfigError(`general.log_level must be 0-7, got ${c.general.log_level}`);
  }
  if (c.general.log_format !== 'text' && c.general.log_format !== 'json') throw new ConfigError(`general.log_format must be text or json`);
  const ports: Array<[string, number]> = [
    ['http.port', c.http.port],
    ['http.secure_port', c.http.secure_port],
    ['http.admin_port', c.http.admin_port],
    ['http.admin_secure_port', c.http.admin_secure_port],
    ['websockets.ws_port', c.websockets.ws_port],
    ['websockets.wss_port', c.websockets.wss_port],
    ['websockets.admin_ws_port', c.websockets.admin_ws_port],
    ['websockets.admin_wss_port', c.websockets.admin_wss_port],
    ['metrics.port', c.metrics.port],
    ['http.demos_port', c.http.demos_port],
  ];
  for (const [k, v] of ports) if (!Number.isInteger(v) || v < 0 || v > 65535) throw new ConfigError(`${k} must be a port number 0-65535, got ${v}`);
  const unixMessage = c.pfunix.max_message_size;
  if (!Number.isInteger(unixMessage) || unixMessage < 1 || unixMessage > 16_777_216) throw new ConfigError(`pfunix.max_message_size must be an integer 1-16777216, got ${unixMessage}`);
  if (!c.http.base_path.startsWith('/')) throw new ConfigError(`http.base_path must start with '/'`);
  if (!c.http.admin_base_path.startsWith('/')) throw new ConfigError(`http.admin_base_path must start with '/'`);
  if (!c.metrics.path.startsWith('/')) throw new ConfigError(`metrics.path must start with '/'`);
}

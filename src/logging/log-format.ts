// How one log record becomes one line: the text and JSON formats render the same fields, so a line means the
// same in either (general.log_format). Pure functions: the logger decides what to log, these only how it looks.

export type LogFieldValue = string | number | boolean | undefined;
export type LogFields = Readonly<Record<string, LogFieldValue>>;

export const LEVEL_NAMES = ['none', 'fatal', 'error', 'warn', 'info', 'verb', 'huge', 'debug'] as const;

/** One log event: when (absent without timestamps), how severe, what, and the context (component, session, handle, plugin …). */
export interface LogRecord {
  readonly time?: string;
  readonly level: number;
  readonly message: string;
  readonly fields: LogFields;
}

/** The keys a JSON line always has; a context field of the same name is written as `<name>_field`. */
const RESERVED = new Set(['time', 'level', 'message']);

/** `{"time":…,"level":"info","message":…, …context}`: one JSON object, context fields as members. */
export function renderJson(r: LogRecord): string {
  // No prototype: a context key such as `__proto__` stays a member like any other.
  const obj = Object.create(null) as Record<string, string | number | boolean>;
  if (r.time !== undefined) obj.time = r.time;
  obj.level = LEVEL_NAMES[r.level] ?? String(r.level);
  obj.message = r.message;
  for (const [k, v] of Object.entries(r.fields)) {
    if (v === undefined) continue;
    obj[RESERVED.has(k) ? `${k}_field` : k] = typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  }
  return JSON.stringify(obj);
}

/**
 * `<time> INFO  [component] message key=value …`: the tag is the component, or the plugin when there is none;
 * values with spaces, quotes or `=` are quoted as JSON strings.
 */
export function renderText(r: LogRecord): string {
  const f = r.fields;
  let line = r.time !== undefined ? `${r.time} ` : '';
  line += (LEVEL_NAMES[r.level] ?? String(r.level)).toUpperCase().padEnd(5);
  const tag = f.component ?? f.plugin;
  if (tag !== undefined) line += ` [${tag}]`;
  line += ` ${r.message}`;
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || k === 'component' || (k === 'plugin' && f.component === undefined)) continue;
    const text = String(v);
    line += ` ${k}=${text === '' || /[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
  }
  return line;
}

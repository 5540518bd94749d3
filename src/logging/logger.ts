// Structured logging: Janus's numeric levels, one line per event, its context (component, session, handle, plugin)
// as fields that a child logger adds; log-format.ts renders a record as text or JSON.
import { LEVEL_NAMES, renderJson, renderText, type LogFields, type LogRecord } from './log-format.js';

export type { LogFields, LogFieldValue, LogRecord } from './log-format.js';

export const LogLevel = { NONE: 0, FATAL: 1, ERROR: 2, WARN: 3, INFO: 4, VERB: 5, HUGE: 6, DEBUG: 7 } as const;
export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel];

const NAMES: readonly string[] = LEVEL_NAMES;

export interface LogSink {
  write(line: string): void;
}

/** Shared by a logger and all its children, so that one `set_log_level` changes them all. */
class LogState {
  constructor(
    public level: number,
    public format: 'text' | 'json',
    public readonly sink: LogSink,
    public timestamps: boolean,
  ) {}
}

export class Logger {
  private constructor(
    private readonly state: LogState,
    private readonly fields: LogFields,
  ) {}

  static create(options: { level?: number; format?: 'text' | 'json'; sink?: LogSink; timestamps?: boolean } = {}): Logger {
    const sink = options.sink ?? { write: (line: string) => process.stderr.write(line + '\n') };
    return new Logger(new LogState(options.level ?? LogLevel.INFO, options.format ?? 'text', sink, options.timestamps ?? true), {});
  }

  /** A logger that adds `fields` (component, session, handle, plugin …) to every line. */
  child(fields: LogFields): Logger {
    return new Logger(this.state, { ...this.fields, ...fields });
  }

  get level(): number {
    return this.state.level;
  }
  setLevel(level: number): void {
    this.state.level = Math.max(0, Math.min(7, Math.trunc(level)));
  }
  setTimestamps(on: boolean): void {
    this.state.timestamps = on;
  }
  get timestamps(): boolean {
    return this.state.timestamps;
  }
  enabled(level: number): boolean {
    return level <= this.state.level;
  }

  fatal(msg: string, fields?: LogFields): void {
    this.log(LogLevel.FATAL, msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log(LogLevel.ERROR, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log(LogLevel.WARN, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log(LogLevel.INFO, msg, fields);
  }
  verbose(msg: string, fields?: LogFields): void {
    this.log(LogLevel.VERB, msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.log(LogLevel.DEBUG, msg, fields);
  }

  log(level: number, msg: string, fields?: LogFields): void {
    if (level > this.state.level || level <= 0) return;
    const record: LogRecord = {
      time: this.state.timestamps ? new Date().toISOString() : undefined,
      level,
      message: msg,
      fields: fields ? { ...this.fields, ...fields } : this.fields,
    };
    this.state.sink.write(this.state.format === 'json' ? renderJson(record) : renderText(record));
  }
}

/** Accepts a Janus numeric level or a name ("warn", "debug"). */
export function parseLogLevel(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 7 ? value : undefined;
  const t = value.trim().toLowerCase();
  if (/^\d$/.test(t)) return parseLogLevel(Number(t));
  const i = NAMES.indexOf(t === 'warning' ? 'warn' : t === 'verbose' ? 'verb' : t === 'err' ? 'error' : t);
  return i >= 0 ? i : undefined;
}

// The Prometheus text exposition format (version 0.0.4), written directly: a family's HELP and TYPE lines are
// made once, a sample is its series (name and label set) and value on a line. A scrape appends to one string;
// nothing else is built per sample, so a scrape costs little more than the text it answers.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** A metric family: its name and the two comment lines that introduce its samples. */
export class Family {
  readonly head: string;

  constructor(
    readonly name: string,
    help: string,
    readonly type: MetricType,
  ) {
    this.head = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  }
}

const HELP_ESCAPES = /[\\\n]/;
const LABEL_ESCAPES = /[\\\n"]/;

/** HELP text escaped as the format says: backslash and line feed. */
export function escapeHelp(text: string): string {
  return HELP_ESCAPES.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
}

/** A label value escaped as the format says: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return LABEL_ESCAPES.test(value) ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : value;
}

/** A sample value as the format writes it (Go's ParseFloat reads it back). */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return `${v}`;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** One scrape's text: families in the order written, a blank line between them, every line ending in a newline. */
export class TextWriter {
  private text = '';

  family(f: Family): void {
    this.text += this.text === '' ? f.head : `\n${f.head}`;
  }

  /** A sample of the family last written; `series` is its name with its label set, e.g. `x{a="b"}`. */
  sample(series: string, value: number): void {
    this.text += `${series} ${formatValue(value)}\n`;
  }

  /** A family of one unlabelled sample. */
  single(f: Family, value: number): void {
    this.family(f);
    this.sample(f.name, value);
  }

  done(): string {
    return this.text;
  }
}

// Reads the Prometheus text exposition format (version 0.0.4) strictly, for tests that compare scraped values
// with what the Admin API says: every line must be a comment, a HELP/TYPE line or a sample; a malformed one
// throws, naming it. promtool (Debian's prometheus package) checks the same text independently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline');
  lines.pop();
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line);
      if (!m) return; // another comment
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3] ?? '')) fail('unknown type');
        if (types.has(m[2])) fail('second TYPE line');
        types.set(m[2], m[3]);
      } else help.set(m[2], m[3] ?? '');
      return;
    }
    const head = new RegExp(`^(${NAME})`).exec(line) ?? fail('no metric name');
    const name = head[1];
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos)) ?? fail('bad label');
        pos += l[0].length;
        let value = '';
        for (;;) {
          const c = line[pos++];
          if (c === undefined) fail('unterminated label value');
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos++];
            if (e === 'n') value += '\n';
            else if (e === '\\' || e === '"') value += e;
            else fail('bad escape');
          } else value += c;
        }
        if (Object.prototype.hasOwnProperty.call(labels, l[1])) fail('label given twice');
        labels[l[1]] = value;
        if (line[pos] === ',') pos++;
        else if (line[pos] !== '}') fail("expected ',' or '}'");
      }
      pos++;
    }
    const rest = /^ (\S+)(?: (-?\d+))?$/.exec(line.slice(pos)) ?? fail('bad value');
    const v = rest[1];
    // As Prometheus's own parser (Go's ParseFloat): Inf and NaN in any case.
    const special = v.toLowerCase();
    const value =
      special === '+inf' || special === 'inf'
        ? Infinity
        : special === '-inf'
          ? -Infinity
          : special === 'nan'
            ? NaN
            : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)
              ? Number(v)
              : fail('bad number');
    samples.push({ name, labels, value });
  });
  return { types, help, samples };
}

/** The value of the one sample named `name` whose labels include `labels`; throws when none or several match. */
export function valueOf(e: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = samplesOf(e, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0].value;
}

export function samplesOf(e: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** Gauges named as prom-client's default metrics were, ending in _total: promtool's lint names them; nothing else may be named. */
const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

/** promtool's verdict on an exposition: it must parse, and lint clean but for those names kept from prom-client. */
export function checkWithPromtool(text: string): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 3, `promtool failed (${r.status}): ${r.stdout}${r.stderr}`);
  const problems = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => !PROM_CLIENT_LINT.test(l));
  assert.deepEqual(problems, [], 'promtool lint');
}

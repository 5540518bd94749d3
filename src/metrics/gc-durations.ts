// nodejs_gc_duration_seconds: a histogram of garbage collections by kind, as prom-client's default metric had
// it (the same name, help, buckets and labels). Node reports each collection to a performance observer; the
// observer only adds to a few numbers, the scrape writes them.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Family, formatValue, type TextWriter } from './exposition.js';

const FAMILY = new Family('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', 'histogram');
const BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

const KINDS = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

interface KindRow {
  /** Collections per bucket (not cumulative), the last one past the largest bound. */
  readonly counts: number[];
  sum: number;
  count: number;
  /** The series names, made once: a `_bucket` per bound, `_sum`, `_count`. */
  readonly buckets: readonly string[];
  readonly sumSeries: string;
  readonly countSeries: string;
}

export class GcDurations {
  private readonly rows = new Map<string, KindRow>();
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.observe(entry);
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  close(): void {
    this.observer.disconnect();
  }

  write(w: TextWriter): void {
    w.family(FAMILY);
    for (const row of this.rows.values()) {
      let cumulative = 0;
      for (let i = 0; i < row.buckets.length; i++) w.sample(row.buckets[i], (cumulative += row.counts[i]));
      w.sample(row.sumSeries, row.sum);
      w.sample(row.countSeries, row.count);
    }
  }

  private observe(entry: PerformanceEntry): void {
    const kind = KINDS.get((entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1) ?? 'unknown';
    const seconds = entry.duration / 1000;
    const row = this.rows.get(kind) ?? this.newRow(kind);
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
    row.counts[i]++;
    row.sum += seconds;
    row.count++;
  }

  private newRow(kind: string): KindRow {
    const name = FAMILY.name;
    const row: KindRow = {
      counts: new Array<number>(BUCKETS.length + 1).fill(0),
      sum: 0,
      count: 0,
      buckets: [...BUCKETS.map(formatValue), '+Inf'].map((le) => `${name}_bucket{le="${le}",kind="${kind}"}`),
      sumSeries: `${name}_sum{kind="${kind}"}`,
      countSeries: `${name}_count{kind="${kind}"}`,
    };
    this.rows.set(kind, row);
    return row;
  }
}

// Event-loop delays for the nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds gauges: a timer every
// 10 ms records how long after its previous run it ran, as Node's monitorEventLoopDelay does natively. The mean
// and standard deviation come from sums kept here and the rest from a histogram of a bounded range, so reading
// them costs microseconds; Node's own histogram walks some 55 000 buckets for a standard deviation (about half a
// millisecond of CPU a scrape).
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
/** Delays above an hour are recorded as an hour (the histogram's range: 1 µs to 1 h, three significant digits). */
const HIGHEST_NS = 3_600_000_000_000;

export interface LoopDelayFigures {
  /** Nanoseconds, as Node's histograms give them; an empty window has NaN for the mean and deviation, 0 for percentiles. */
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export class LoopDelays {
  private readonly histogram: RecordableHistogram = createHistogram({ lowest: 1000, highest: HIGHEST_NS, figures: 3 });
  private count = 0;
  private sum = 0;
  private sumOfSquares = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.tick(), RESOLUTION_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The delays recorded since the last call, which starts a new window. */
  take(): LoopDelayFigures {
    const h = this.histogram;
    const n = this.count;
    const mean = n > 0 ? this.sum / n : NaN;
    const figures = {
      min: h.min,
      max: h.max,
      mean,
      stddev: n > 0 ? Math.sqrt(Math.max(0, this.sumOfSquares / n - mean * mean)) : NaN,
      // A percentile of an empty histogram walks every bucket looking for a value.
      p50: n > 0 ? h.percentile(50) : 0,
      p90: n > 0 ? h.percentile(90) : 0,
      p99: n > 0 ? h.percentile(99) : 0,
    };
    h.reset();
    this.count = this.sum = this.sumOfSquares = 0;
    return figures;
  }

  private tick(): void {
    const now = performance.now();
    const ns = Math.min(HIGHEST_NS, Math.max(1000, Math.round((now - this.last) * 1e6)));
    this.last = now;
    this.histogram.record(ns);
    this.count++;
    this.sum += ns;
    this.sumOfSquares += ns * ns;
  }
}

// Event-loop lag: how late timers fire. A blocked loop delays every client at once, so it is measured all the
// time, warned about above a threshold (rate-limited) and reported by Admin get_status.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from '../logging/logger.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { LogThrottle } from './log-throttle.js';
import type { JsonObject } from './validate.js';

export interface LoopLagSettings {
  /** Lag in ms above which a warning is logged; 0 = never warn. */
  readonly warnMs: number;
  /** How often the histogram is read and reset. */
  readonly windowMs?: number;
}

const WARN_INTERVAL_MS = 60_000;
const ns = (v: number): number => Math.round(v / 1e4) / 100; // ns → ms with two decimals

export class LoopLagMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly throttle: LogThrottle;
  private timer: Timer | undefined;
  private last: JsonObject = { mean_ms: 0, p99_ms: 0, max_ms: 0 };
  private worstMs = 0;
  private overThreshold = 0;

  constructor(
    private readonly settings: LoopLagSettings,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.throttle = new LogThrottle(WARN_INTERVAL_MS, clock);
  }

  start(): void {
    if (this.timer) return;
    this.histogram.enable();
    this.timer = this.clock.every(this.settings.windowMs ?? 1000, () => this.sample());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.histogram.disable();
  }

  /** Reads the window that just ended: the figures Admin shows, and a warning when the worst delay passed the threshold. */
  sample(): void {
    const h = this.histogram;
    const maxMs = h.count > 0 ? ns(h.max) : 0;
    this.last = { mean_ms: h.count > 0 ? ns(h.mean) : 0, p99_ms: h.count > 0 ? ns(h.percentile(99)) : 0, max_ms: maxMs };
    h.reset();
    this.worstMs = Math.max(this.worstMs, maxMs);
    const warnMs = this.settings.warnMs;
    if (warnMs > 0 && maxMs > warnMs) {
      this.overThreshold++;
      this.throttle.run((held) =>
        this.log.warn(`event loop lagged ${maxMs} ms (threshold ${warnMs} ms)${held > 0 ? `; ${held} more such windows since the last warning` : ''}`, { component: 'watchdog' }),
      );
    }
  }

  /** For Admin get_status: the last window, the worst since start, and how many windows passed the threshold. */
  status(): JsonObject {
    return { ...this.last, worst_ms: this.worstMs, threshold_ms: this.settings.warnMs, windows_over_threshold: this.overThreshold };
  }
}

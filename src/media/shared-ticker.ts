// One timer per period for the periodic work of every peer of the process (media watch, receiver reports), instead
// of a timer per peer: a hundred peers then wake the event loop four times a second, not four hundred, and the
// work of all of them runs in one go. A callback that throws is reported and stays registered.

type Tick = (now: number) => void;

class SharedTicker {
  /** Each registered tick, with where its errors go. */
  private readonly ticks = new Map<Tick, (err: unknown) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  add(tick: Tick, onError: (err: unknown) => void): void {
    this.ticks.set(tick, onError);
    if (this.timer) return;
    this.timer = setInterval(() => this.run(), this.periodMs);
    this.timer.unref();
  }

  remove(tick: Tick): void {
    this.ticks.delete(tick);
    if (this.ticks.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    const now = performance.now();
    for (const [tick, onError] of this.ticks) {
      try {
        tick(now);
      } catch (err) {
        onError(err);
      }
    }
  }
}

const tickers = new Map<number, SharedTicker>();

/** A registration on a shared ticker; `cancel` removes it (and the timer with the last one). */
export interface SharedTick {
  cancel(): void;
}

/**
 * Calls `tick` every `periodMs` (whole milliseconds) on the timer every peer with that period shares. The first call
 * comes within one period.
 */
export function everyShared(periodMs: number, tick: Tick, onError: (err: unknown) => void): SharedTick {
  const period = Math.max(1, Math.round(periodMs));
  let ticker = tickers.get(period);
  if (!ticker) {
    ticker = new SharedTicker(period);
    tickers.set(period, ticker);
  }
  const t = ticker;
  t.add(tick, onError);
  return { cancel: () => t.remove(tick) };
}

// Time as the core sees it; tests substitute a fake clock to drive time-outs.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  every(ms: number, fn: () => void): Timer;
  after(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when told to; timers fire during `advance`. */
export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; period: number; fn: () => void }>();

  now(): number {
    return this.time;
  }
  every(ms: number, fn: () => void): Timer {
    return this.add(ms, ms, fn);
  }
  after(ms: number, fn: () => void): Timer {
    return this.add(ms, 0, fn);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId = -1;
      let nextDue = Infinity;
      for (const [id, t] of this.timers) {
        if (t.due <= end && t.due < nextDue) {
          nextDue = t.due;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const t = this.timers.get(nextId)!;
      this.time = t.due;
      if (t.period > 0) t.due += t.period;
      else this.timers.delete(nextId);
      t.fn();
    }
    this.time = end;
  }
  private add(ms: number, period: number, fn: () => void): Timer {
    const id = ++this.seq;
    this.timers.set(id, { due: this.time + ms, period, fn });
    return { cancel: () => void this.timers.delete(id) };
  }
}

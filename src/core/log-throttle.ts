// Rate limiting for log lines that a client can cause at will: the first goes out, the rest of the interval are
// counted and reported with the next one, so a flood cannot fill the log.
import { systemClock, type Clock } from './clock.js';

export class LogThrottle {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Calls `write` unless a line went out less than the interval ago; `suppressed` counts the lines held back since. */
  run(write: (suppressed: number) => void): void {
    const now = this.clock.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.lastAt = now;
    const held = this.suppressed;
    this.suppressed = 0;
    write(held);
  }
}

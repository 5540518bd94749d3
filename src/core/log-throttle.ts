// Rate limiting for log lines that a client can cause at will: up to `burst` lines go out per interval, the rest
// are counted and reported with the next line that goes out, so a flood cannot fill the log.
import { systemClock, type Clock } from './clock.js';

export class LogThrottle {
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
    private readonly burst = 1,
  ) {}

  /** Calls `write` unless this interval's lines are used up; `suppressed` counts the lines held back before it. */
  run(write: (suppressed: number) => void): void {
    const now = this.clock.now();
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.burst) {
      this.suppressed++;
      return;
    }
    this.inWindow++;
    const held = this.suppressed;
    this.suppressed = 0;
    write(held);
  }
}

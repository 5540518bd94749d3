// The 20 ms clock every room mixes on. Ticks are scheduled against a fixed start (never "20 ms after the last
// one"), so a late tick does not delay the next: a tick that comes late runs the frames it missed, up to a bound,
// and a stall longer than that skips ahead rather than bursting. One timer serves every room.

export const FRAME_MS = 20;
/** Frames run at once after a late wake-up; beyond that the clock skips ahead. */
const MAX_CATCH_UP = 5;

export interface MixClockStats {
  ticks: number;
  /** Frames dropped because the loop stalled longer than the catch-up bound. */
  skipped: number;
  /** How late the last tick ran, and the worst so far (ms). */
  lastLateMs: number;
  maxLateMs: number;
}

export class MixClock {
  readonly stats: MixClockStats = { ticks: 0, skipped: 0, lastLateMs: 0, maxLateMs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private start = 0;
  private frame = 0;
  private readonly fireBound = (): void => this.fire();

  constructor(
    private readonly onTick: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts ticking (nothing when already running). */
  run(): void {
    if (this.timer) return;
    this.start = this.now();
    this.frame = 1;
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const due = this.start + this.frame * FRAME_MS;
    // Whole milliseconds: Node keeps one timer list per distinct delay, and a fractional delay would make a new list
    // (and a priority-queue insert) every tick. A wake-up up to half a millisecond early runs the frame anyway.
    this.timer = setTimeout(this.fireBound, Math.max(1, Math.round(due - this.now())));
  }

  private fire(): void {
    const now = this.now();
    let due = this.start + this.frame * FRAME_MS;
    const late = now - due;
    this.stats.lastLateMs = late;
    if (late > this.stats.maxLateMs) this.stats.maxLateMs = late;
    if (late > MAX_CATCH_UP * FRAME_MS) {
      const behind = Math.floor(late / FRAME_MS);
      this.stats.skipped += behind;
      this.frame += behind;
      due = this.start + this.frame * FRAME_MS;
    }
    for (let n = 0; n < MAX_CATCH_UP && due <= now + 1; n++) {
      this.stats.ticks++;
      this.frame++;
      this.onTick();
      due = this.start + this.frame * FRAME_MS;
    }
    if (this.timer) this.schedule();
  }
}

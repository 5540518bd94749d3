// One broker connection kept up in the background: opened at start, opened again with growing pauses after it is
// lost or cannot be made, closed for good by close(). Used by the broker event handlers (their dispatcher waits
// for it before a send; a send that finds it down anyway fails at once) and by the broker transports. Nothing
// here waits on the network in the caller's turn.
import type { JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

export interface LinkHooks<C> {
  /**
   * Opens one connection: resolves when it can carry messages, rejects when it cannot be made. `signal` aborts
   * when the backend is closed meanwhile: the attempt must then give up and release its socket.
   */
  open(signal: AbortSignal): Promise<C>;
  /** Arranges for `lost(reason)` to be called when `c` goes away; called once, right after open resolved. */
  watch(c: C, lost: (reason: string) => void): void;
  /** A new connection is up (every time, the first one too). */
  ready?(c: C): void;
  /**
   * Ends `c` and releases its socket; must settle even when the broker does not answer. `graceful` when the
   * backend closes (say goodbye, let what is in flight finish); not after `c` was lost (just let go).
   */
  close(c: C, graceful: boolean): Promise<void>;
}

export interface Backoff {
  /** Pause before the first attempt after a loss or failure, in ms. */
  readonly initialMs: number;
  /** The pause doubles up to this, in ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000 };

export class BrokerLink<C> {
  private current: C | undefined;
  private opening: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private failures = 0;
  private lastProblem = 'not connected yet';
  private closed = false;
  private readonly abort = new AbortController();
  private everUp = false;
  private connects = 0;
  private waiters: (() => void)[] = [];

  /**
   * @param label who speaks in log lines and errors ("MQTT event handler")
   * @param target where it connects, for log lines (a URL without credentials)
   */
  constructor(
    private readonly label: string,
    private readonly target: string,
    private readonly hooks: LinkHooks<C>,
    private readonly log: Logger,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {
    this.delay = backoff.initialMs;
  }

  /** Starts connecting; returns at once. */
  start(): void {
    if (!this.closed && this.current === undefined && this.opening === undefined && this.timer === undefined) this.attempt();
  }

  get connected(): boolean {
    return this.current !== undefined;
  }

  /** Resolves once a connection is up (at once when one is), or when the link is closed. */
  whenUp(): Promise<void> {
    if (this.current !== undefined || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** What get_status shows of the link. */
  status(): JsonObject {
    return { connected: this.current !== undefined, connections: this.connects, ...(this.current === undefined ? { problem: this.lastProblem } : {}) };
  }

  /** The live connection, or an Error saying why there is none (for send to reject with). */
  connection(): C {
    if (this.current !== undefined) return this.current;
    throw new Error(this.closed ? `${this.label}: closed` : `${this.label}: not connected to ${this.target} (${this.lastProblem})`);
  }

  /** Stops reconnecting and closes the connection; resolves when its socket is released. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort(new Error(`${this.label}: closed`));
    this.wake();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.opening;
    const c = this.current;
    this.current = undefined;
    if (c !== undefined) await this.hooks.close(c, true);
  }

  private attempt(): void {
    this.opening = this.hooks.open(this.abort.signal).then(
      (c) => this.opened(c),
      (err: unknown) => this.failed(errorText(err)),
    );
    void this.opening.finally(() => (this.opening = undefined));
  }

  private async opened(c: C): Promise<void> {
    if (this.closed) {
      await this.hooks.close(c, false);
      return;
    }
    this.current = c;
    this.delay = this.backoff.initialMs;
    if (!this.everUp) this.log.info(`${this.label}: connected to ${this.target}`);
    else this.log.info(`${this.label}: connection to ${this.target} restored${this.failures > 0 ? ` after ${this.failures + 1} attempts` : ''}`);
    this.everUp = true;
    this.failures = 0;
    this.connects++;
    let gone = false;
    this.hooks.watch(c, (reason) => {
      if (gone) return;
      gone = true;
      this.lost(c, reason);
    });
    if (!gone) this.hooks.ready?.(c);
    if (!gone) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private failed(problem: string): void {
    this.lastProblem = problem;
    if (this.closed) return;
    this.failures++;
    const pause = this.nextPause();
    const line = `${this.label}: cannot connect to ${this.target}: ${problem}; trying again in ${pause} ms`;
    // The first failure of an outage is worth a warning; the retries after it only at verbose level.
    if (this.failures === 1) this.log.warn(line);
    else this.log.verbose(`${line} (attempt ${this.failures + 1})`);
    this.schedule(pause);
  }

  private lost(c: C, reason: string): void {
    if (this.current !== c) return;
    this.current = undefined;
    this.lastProblem = `connection lost: ${reason}`;
    // The lost connection's socket may still be half open; its close hook releases it.
    void this.hooks.close(c, false).catch(() => undefined);
    if (this.closed) return;
    const pause = this.nextPause();
    this.log.warn(`${this.label}: connection to ${this.target} lost: ${reason}; reconnecting in ${pause} ms`);
    this.schedule(pause);
  }

  private nextPause(): number {
    const pause = this.delay;
    this.delay = Math.min(this.backoff.maxMs, this.delay * 2);
    // Up to a fifth more or less, so that many servers restarted together do not knock at the same moment.
    return Math.round(pause * (0.9 + Math.random() * 0.2));
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.attempt();
    }, ms);
    // A pending reconnection alone must not keep the process alive; the connection's socket does while it is open.
    this.timer.unref();
  }
}

/** Rejects with `${what} timed out after ms` unless `promise` settles first; the timer never outlives it. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// One running event handler: the events it takes (its mask), its bounded queue, and the loop that hands batches
// to its backend one at a time, retrying a failed batch after retransmissions_backoff, twice as long each time,
// up to max_retransmissions (then the batch is dropped, counted). Nothing here blocks: the loop is promises and
// unref'd timers, and `offer` is a mask test and a push.
import type { SettingValue } from '../config/setting.js';
import type { JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { BatchFormat, EventBackend, EventHandlerKind } from './event-backend.js';
import { EventQueue } from './event-queue.js';
import { maskText } from './event-mask.js';

/** Janus groups at most this many events in one delivery. */
export const MAX_BATCH = 100;
/** Failures are logged at most this often (the counters keep the rest). */
const FAILURE_LOG_MS = 10_000;

export interface DispatcherCounters {
  /** Events handed to the backend successfully. */
  sent: number;
  /** Events dropped because the queue was full. */
  droppedQueueFull: number;
  /** Events dropped after the last retry failed. */
  droppedUndelivered: number;
  /** Deliveries that failed (each retry counts). */
  failures: number;
}

export class EventDispatcher {
  readonly counters: DispatcherCounters = { sent: 0, droppedQueueFull: 0, droppedUndelivered: 0, failures: 0 };
  private readonly queue: EventQueue<JsonObject>;
  private running = false;
  private stopping = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private drained: Array<() => void> = [];
  private lastFailureLog = -Infinity;
  private failuresSinceLog = 0;
  private lastError = '';

  constructor(
    readonly kind: EventHandlerKind,
    /** The handler's settings, live: the dispatcher reads the retry settings at each failure. */
    readonly settings: Record<string, SettingValue>,
    readonly format: BatchFormat,
    /** The event types this handler takes (`events`); the bus keeps the union of every handler's. */
    public mask: number,
    private readonly backend: EventBackend,
    private readonly log: Logger,
  ) {
    this.queue = new EventQueue<JsonObject>(queueBound(settings));
  }

  get name(): string {
    return this.backend.name;
  }

  /** Queues an event of `type` when the handler takes that type. */
  offer(type: number, event: JsonObject): void {
    if ((this.mask & type) === 0 || this.stopping) return;
    if (this.queue.push(event)) this.counters.droppedQueueFull++;
    if (!this.running) {
      this.running = true;
      // After the current turn: the events of one turn go out as one batch, and the caller is never held.
      setImmediate(() => void this.run());
    }
  }

  /** The queue bound follows max_queued_events (and a kind's own cap) after a tweak. */
  boundChanged(): void {
    const before = this.queue.dropped;
    this.queue.setBound(queueBound(this.settings));
    this.counters.droppedQueueFull += this.queue.dropped - before;
  }

  status(): JsonObject {
    const out: JsonObject = {
      backend: this.backend.name,
      events: maskText(this.mask),
      grouping: this.format.grouping,
      queued: this.queue.length,
      max_queued_events: this.queue.capacity,
      sent: this.counters.sent,
      dropped_queue_full: this.counters.droppedQueueFull,
      dropped_undelivered: this.counters.droppedUndelivered,
      failures: this.counters.failures,
    };
    if (this.lastError !== '') out.last_error = this.lastError;
    return this.backend.status ? { ...out, ...this.backend.status() } : out;
  }

  /**
   * Takes no more events, gives what is queued until `graceMs` to go out (the shutdown event among them), then
   * closes the backend.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.running || this.queue.length > 0) {
      // A timer that holds the process: at shutdown the queued events are worth the (bounded) wait.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    const left = this.queue.length;
    this.queue.clear();
    if (left > 0) this.log.warn(`${left} events not delivered to ${this.backend.name} before shutdown`);
    await this.backend.close();
  }

  private async run(): Promise<void> {
    try {
      while (!this.closed && this.queue.length > 0) {
        if (this.backend.whenReady) await this.backend.whenReady();
        if (this.closed) break;
        const batch = this.queue.take(this.format.grouping ? MAX_BATCH : 1);
        await this.deliver(batch);
      }
    } catch (err) {
      this.log.error(`event handler loop failed: ${errorText(err)}`);
    } finally {
      this.running = false;
      if (!this.closed && this.queue.length > 0 && !this.stopping) {
        this.running = true;
        setImmediate(() => void this.run());
      } else {
        const drained = this.drained;
        this.drained = [];
        for (const d of drained) d();
      }
    }
  }

  /** Sends one batch, retrying as the settings say; settles when it went out or was given up. */
  private async deliver(batch: readonly JsonObject[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.backend.send(batch);
        this.counters.sent += batch.length;
        return;
      } catch (err) {
        this.counters.failures++;
        this.lastError = errorText(err).slice(0, 300);
        const max = Number(this.settings.max_retransmissions);
        const last = this.closed || attempt >= max;
        if (last) this.counters.droppedUndelivered += batch.length;
        this.noteFailure(last ? `${batch.length} events lost after ${attempt + 1} attempts` : 'retrying');
        if (last) return;
        await this.pause(Number(this.settings.retransmissions_backoff) * 2 ** attempt);
        if (this.backend.whenReady) await this.backend.whenReady();
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.wakeRetry = undefined;
        resolve();
      }, ms);
      this.retryTimer.unref();
    });
  }

  private noteFailure(what: string): void {
    this.failuresSinceLog++;
    const now = performance.now();
    if (now - this.lastFailureLog < FAILURE_LOG_MS) return;
    const more = this.failuresSinceLog - 1;
    this.failuresSinceLog = 0;
    this.lastFailureLog = now;
    this.log.warn(`delivery to ${this.backend.name} failed (${this.lastError}): ${what}${more > 0 ? `; ${more} more failures since the last warning` : ''}`);
  }
}

/** max_queued_events, or a kind's smaller cap (wsevh's events_cap_on_reconnect). */
function queueBound(settings: Readonly<Record<string, SettingValue>>): number {
  const bound = Math.max(1, Number(settings.max_queued_events) || 1);
  const cap = Number(settings.events_cap_on_reconnect);
  return Number.isInteger(cap) && cap > 0 ? Math.min(cap, bound) : bound;
}

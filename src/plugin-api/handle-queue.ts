// One handle's requests, run one at a time in arrival order; a destroyed handle's queue is dropped.
import { errorDetail } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

/** A queued request: `queue.closed` tells it, after each await, whether its handle is still there. */
export type QueuedJob = (queue: HandleQueue) => Promise<void>;

export class HandleQueue {
  private readonly pending: QueuedJob[] = [];
  private running = false;
  private dropped = false;

  constructor(
    /** Where whatever a job throws is logged (a job should catch its own errors; this is the last guard). */
    private readonly log: Logger,
    /** Called when the queue ran dry, so an owner can forget it. */
    private readonly onIdle: (queue: HandleQueue) => void = () => {},
  ) {}

  /** True once the handle went away: a job still running must push nothing more. */
  get closed(): boolean {
    return this.dropped;
  }

  /** Jobs waiting behind the running one. */
  get waiting(): number {
    return this.pending.length;
  }

  add(job: QueuedJob): void {
    if (this.dropped) return;
    this.pending.push(job);
    // The first job starts on a later turn of the event loop, after the reply that took it has gone out.
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Forgets the jobs not started; the running one sees `closed`. */
  drop(): void {
    this.dropped = true;
    this.pending.length = 0;
  }

  private async drain(): Promise<void> {
    for (let job = this.pending.shift(); job && !this.dropped; job = this.pending.shift()) {
      try {
        await job(this);
      } catch (err) {
        this.log.error(`a queued request failed: ${errorDetail(err)}`);
      }
    }
    this.running = false;
    this.onIdle(this);
  }
}

/** The queues of every handle of one plugin, by handle id. */
export class HandleQueues {
  private readonly queues = new Map<number, HandleQueue>();

  /** Queues `job` behind the handle's earlier ones; `log` is the handle's (see `HandleQueue`). */
  add(handleId: number, log: Logger, job: QueuedJob): void {
    let queue = this.queues.get(handleId);
    if (!queue) {
      queue = new HandleQueue(log, (idle) => {
        if (this.queues.get(handleId) === idle && idle.waiting === 0) this.queues.delete(handleId);
      });
      this.queues.set(handleId, queue);
    }
    queue.add(job);
  }

  /** The handle went away: its waiting requests are dropped, the running one pushes nothing more. */
  drop(handleId: number): void {
    this.queues.get(handleId)?.drop();
    this.queues.delete(handleId);
  }

  dropAll(): void {
    for (const q of this.queues.values()) q.drop();
    this.queues.clear();
  }

  /** Handles with a request running or waiting (for tests and `handle_info`). */
  get busy(): number {
    return this.queues.size;
  }
}

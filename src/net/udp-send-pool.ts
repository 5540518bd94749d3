// Sender threads for the large batches of shared sockets (media.send_threads): a flush of at least `threshold`
// datagrams is copied into native memory and sent by the pool's threads (src/native/send-pool.c), so the JavaScript
// thread returns to forwarding while the kernel's send work runs on other cores. Smaller batches (an echo, a small
// room) stay on the calling thread: a hand-off would only add latency. Absent addon: create() answers undefined.
import { nativeAddon, type NativeAddon, type SendPoolHandle } from '../native/native-addon.js';

/** Batches smaller than this are sent at once by the caller. */
export const SEND_POOL_THRESHOLD = 64;
const MAX_THREADS = 16;

export interface UdpSendPoolStats {
  readonly threads: number;
  readonly queued: number;
  readonly sent: number;
  /** Dropped because a thread's queue was full, and because the kernel refused them (buffer full, errors). */
  readonly droppedFull: number;
  readonly droppedError: number;
}

export class UdpSendPool {
  private readonly stats_: Float64Array;
  private closed = false;

  private constructor(
    private readonly addon: NativeAddon,
    readonly handle: SendPoolHandle,
    readonly threads: number,
    readonly threshold: number,
  ) {
    this.stats_ = new Float64Array(4 + threads);
  }

  /** A pool of `threads` sender threads, or undefined when threads is 0 or the addon is absent. */
  static create(threads: number, threshold = SEND_POOL_THRESHOLD): UdpSendPool | undefined {
    if (!Number.isInteger(threads) || threads < 0 || threads > MAX_THREADS) throw new RangeError(`send threads must be an integer in [0, ${MAX_THREADS}], got ${threads}`);
    const addon = nativeAddon();
    if (threads === 0 || !addon) return undefined;
    return new UdpSendPool(addon, addon.sendPoolCreate(threads), threads, threshold);
  }

  /** Queues datagrams as sendBatch takes them; returns how many were queued (the rest were dropped, counted). */
  queue(fd: number, packets: Uint8Array, offsets: Int32Array, lengths: Int32Array, addresses: Uint8Array, slots: Int32Array, count: number): number {
    if (this.closed) return 0;
    return this.addon.sendPoolQueue(this.handle, fd, packets, offsets, lengths, addresses, slots, count);
  }

  stats(): UdpSendPoolStats {
    this.addon.sendPoolStats(this.handle, this.stats_);
    let sent = 0;
    for (let t = 0; t < this.threads; t++) sent += this.stats_[4 + t];
    return { threads: this.threads, queued: this.stats_[1], sent, droppedFull: this.stats_[2], droppedError: this.stats_[3] };
  }

  /** Joins the threads; datagrams still waiting are dropped. Before the sockets it sends on are closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.sendPoolClose(this.handle);
  }
}

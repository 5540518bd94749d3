// The kernel's UDP socket behind the UdpEndpoint interface. Opened only by HostNetwork.
import type dgram from 'node:dgram';
import type { Family } from './address.js';
import type { NativeDestination, UdpEndpoint, UdpErrorHandler, UdpMessageHandler } from './udp-endpoint.js';
import { nativeAddon, nativeAddonStatus } from '../native/native-addon.js';
import { errorText } from '../logging/error-text.js';
import { BATCH_SLOT_BYTES, UdpBatchReceiver, type UdpBatchCounters } from './udp-batch-receive.js';
import { stopDgramReading, udpSocketFd } from './socket-fd.js';
import { UdpSendBatch } from './udp-send-batch.js';
import type { UdpSendPool } from './udp-send-pool.js';

type Logger = (message: string) => void;

/** `socket` is for the network layer and its own tests; the rest of the server sees only the UdpEndpoint. */
export class DgramEndpoint implements UdpEndpoint {
  private messageHandler: UdpMessageHandler | undefined;
  private errorHandler: UdpErrorHandler | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;
  /** sendSoon's queue, made at the first use; flushed once per turn of the event loop. */
  private batch: UdpSendBatch | undefined;
  /** Reads the socket natively in batches once receiveInBatches succeeded; Node's 'message' is then not emitted. */
  private batchReceiver: UdpBatchReceiver | undefined;
  private flushQueued = false;
  private readonly flushBatch = (): void => {
    this.flushQueued = false;
    if (this.isClosed || !this.batch) return;
    try {
      this.batch.flush();
    } catch (err) {
      this.failed(err);
    }
  };

  constructor(
    readonly socket: dgram.Socket,
    readonly family: Family,
    readonly address: string,
    readonly port: number,
    readonly dualStack: boolean,
    readonly requested: string | undefined,
    private readonly what: string,
    private readonly warn: Logger,
    /** Sender threads for this socket's large sendSoon batches. */
    private readonly sendPool?: UdpSendPool,
  ) {
    // A socket error after binding (ICMP unreachable and the like) must never crash the server.
    socket.on('error', (err) => {
      if (this.errorHandler) this.errorHandler(err);
      else this.warn(`${this.what}: socket error: ${err.message}`);
    });
    // Closed behind our back through the raw socket (a test may do so).
    socket.once('close', () => {
      this.isClosed = true;
      this.batchReceiver?.close();
    });
  }

  get batchedSends(): { native: number; dgram: number } {
    return { native: this.batch?.sentNative ?? 0, dgram: this.batch?.sentDgram ?? 0 };
  }

  /** What the batched receive read, once it is on. */
  get batchedReceives(): UdpBatchCounters | undefined {
    return this.batchReceiver?.counters;
  }

  /**
   * Reads the socket in batches through the native addon from now on (udp-batch-receive.ts; datagrams above
   * BATCH_SLOT_BYTES dropped and counted): true, or why it stays with Node's reading.
   */
  receiveInBatches(): true | string {
    if (this.batchReceiver) return true;
    const addon = nativeAddon();
    if (!addon) return `the native addon is not in use (${nativeAddonStatus()})`;
    const fd = this.isClosed ? undefined : udpSocketFd(this.socket);
    if (fd === undefined) return 'the socket is not bound, or its descriptor cannot be found in this Node';
    let receiver: UdpBatchReceiver;
    try {
      receiver = UdpBatchReceiver.start(
        addon,
        fd,
        () => this.messageHandler,
        (err) => this.receiveFailed(err),
        () => this.warn(`${this.what}: a datagram above ${BATCH_SLOT_BYTES} bytes was dropped (WebRTC stays below; set media.batched_receive = false to take larger ones); further ones are counted`),
      );
    } catch (err) {
      return errorText(err);
    }
    // Both read until Node's reading stops: each datagram still reaches the handler once, from one or the other.
    if (!stopDgramReading(this.socket)) {
      receiver.close();
      return "Node's own reading of the socket cannot be stopped in this Node";
    }
    this.batchReceiver = receiver;
    if (this.messageHandler) this.socket.off('message', this.messageHandler);
    return true;
  }

  get bufferSizes(): { recv: number; send: number } | undefined {
    if (this.isClosed) return undefined;
    try {
      return { recv: this.socket.getRecvBufferSize(), send: this.socket.getSendBufferSize() };
    } catch {
      return undefined; // not bound yet
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(packet: Buffer, port: number, address: string): void {
    if (this.isClosed) return;
    try {
      this.socket.send(packet, port, address);
    } catch (err) {
      this.failed(err);
    }
  }

  sendPrefix(packet: Buffer, length: number, port: number, address: string): void {
    if (this.isClosed) return;
    try {
      this.socket.send(packet, 0, length, port, address);
    } catch (err) {
      this.failed(err);
    }
  }

  sendSoon(packet: Buffer, length: number, port: number, address: string): void {
    if (this.isClosed) return;
    try {
      (this.batch ??= new UdpSendBatch(this.socket, { pool: this.sendPool })).queue(packet, length, port, address);
    } catch (err) {
      this.failed(err);
      return;
    }
    if (this.flushQueued) return;
    this.flushQueued = true;
    // After the callback that produced this packet (the receipt of the packet being fanned out) returns.
    queueMicrotask(this.flushBatch);
  }

  nativeDestination(host: string, port: number): NativeDestination | undefined {
    if (this.isClosed) return undefined;
    const d = (this.batch ??= new UdpSendBatch(this.socket, { pool: this.sendPool })).nativeDestination(host, port);
    return d ? { fd: d.fd, address: d.address, pool: this.sendPool } : undefined;
  }

  sendParts(parts: readonly Buffer[], port: number, address: string): void {
    if (this.isClosed) return;
    try {
      // dgram copies the list itself (a frozen one works), so the caller's array is passed as is.
      this.socket.send(parts, port, address);
    } catch (err) {
      this.failed(err);
    }
  }

  onMessage(handler: UdpMessageHandler | undefined): void {
    // The handler itself is the listener: the kernel's (data, rinfo) fits it, so nothing sits in between.
    if (this.messageHandler && !this.batchReceiver) this.socket.off('message', this.messageHandler);
    this.messageHandler = handler;
    if (handler && !this.batchReceiver) this.socket.on('message', handler);
  }

  onError(handler: UdpErrorHandler | undefined): void {
    this.errorHandler = handler;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise((resolve) => {
      if (this.isClosed) {
        resolve();
        return;
      }
      this.isClosed = true;
      this.batchReceiver?.close();
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed through the raw socket
      }
    });
    return this.closing;
  }

  private receiveFailed(err: Error): void {
    if (this.errorHandler) this.errorHandler(err);
    else this.warn(`${this.what}: receive failed: ${err.message}`);
  }

  private failed(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.errorHandler) this.errorHandler(error);
    else this.warn(`${this.what}: send failed: ${error.message}`);
  }
}

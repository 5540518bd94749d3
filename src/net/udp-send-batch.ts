// Datagrams queued for one socket and sent together: queue() copies each into an arena and records where it
// goes; flush() hands them to the kernel with one native sendBatch (sendmmsg: one syscall per up to 1024
// datagrams instead of one libuv send each), with each destination's socket address encoded once and kept. What the addon does not send (no addon, socket not bound yet, a
// destination that is no numeric address, EAGAIN/ENOBUFS or any error part-way) goes through socket.send, one
// datagram at a time, in queue order; those are copied out of the arena first, since dgram may hold a buffer
// until later (its address lookup and libuv's send queue are asynchronous) and the arena is reused at once.
//
// Meant for a shared-port socket that sends many datagrams per event-loop turn: call queue() as packets are
// produced and flush() once per turn (or when queue() reports the batch full, it flushes itself). Independent
// of the rest of the server: it needs a dgram socket, and the addon when it is there.
//
// Limits: for unconnected sockets (a connected one takes no destination in socket.send). Datagrams sent
// natively do not wait behind dgram sends still queued in libuv, so across a fallback the order of datagrams
// to *different* destinations may change; those of one destination keep theirs (one always takes the same path).
import type dgram from 'node:dgram';
import { nativeAddon, type NativeAddon } from '../native/native-addon.js';
import { udpSocketFd } from './socket-fd.js';
import type { UdpSendPool } from './udp-send-pool.js';

/** Destinations whose encoding is kept (a cache for the viewers of a shared socket; cleared whole when full). */
const MAX_ENCODED = 8192;

export interface UdpSendBatchOptions {
  /** Datagrams one batch holds before queue() flushes by itself (default 512). */
  readonly maxDatagrams?: number;
  /** Arena bytes (default 1500 per datagram). */
  readonly arenaBytes?: number;
  /** Sender threads for flushes of at least pool.threshold datagrams (copied; sent by the pool). */
  readonly pool?: UdpSendPool;
}

export class UdpSendBatch {
  private readonly addon: NativeAddon | undefined;
  private readonly arena: Buffer;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly slots: Int32Array;
  private readonly addresses: Buffer;
  private readonly ports: number[];
  private readonly hosts: string[];
  private readonly maxDatagrams: number;
  private count = 0;
  private used = 0;
  /** The fd whose family `ipv6` describes (an fd is only reused after a close). */
  private familyFd = -1;
  private ipv6 = false;
  private readonly pool: UdpSendPool | undefined;
  /** Destinations encoded for this socket's family, by address then port (encoding costs a native call with a string). */
  private readonly encoded = new Map<string, Map<number, Buffer | null>>();
  private encodedCount = 0;
  /** Datagrams sent natively (by this thread or handed to the pool) and through dgram, since construction. */
  sentNative = 0;
  sentDgram = 0;

  constructor(
    private readonly socket: dgram.Socket,
    options: UdpSendBatchOptions = {},
  ) {
    this.maxDatagrams = options.maxDatagrams ?? 512;
    if (!Number.isInteger(this.maxDatagrams) || this.maxDatagrams < 1) throw new RangeError('maxDatagrams must be a positive integer');
    this.addon = nativeAddon();
    this.pool = options.pool;
    this.arena = Buffer.alloc(options.arenaBytes ?? this.maxDatagrams * 1500);
    this.offsets = new Int32Array(this.maxDatagrams);
    this.lengths = new Int32Array(this.maxDatagrams);
    this.slots = new Int32Array(this.maxDatagrams);
    this.addresses = Buffer.alloc(this.maxDatagrams * (this.addon?.addressSlotBytes ?? 0));
    this.ports = new Array<number>(this.maxDatagrams).fill(0);
    this.hosts = new Array<string>(this.maxDatagrams).fill('');
  }

  /** Whether flush() can use the addon at all (it may still send some datagrams through dgram). */
  get native(): boolean {
    return this.addon !== undefined;
  }

  /** Datagrams queued and not yet flushed. */
  get pending(): number {
    return this.count;
  }

  /** Queues packet[0, length) for host:port (host: an IP address; a name is sent through dgram). */
  queue(packet: Buffer, length: number, port: number, host: string): void {
    if (!Number.isInteger(length) || length < 0 || length > packet.length) throw new RangeError(`length ${length} is outside the packet (${packet.length} bytes)`);
    if (length > this.arena.length) {
      // Bigger than the whole arena: after what is queued, on its own.
      this.flush();
      this.socket.send(Buffer.from(packet.subarray(0, length)), port, host);
      this.sentDgram++;
      return;
    }
    if (this.count === this.maxDatagrams || this.used + length > this.arena.length) this.flush();
    packet.copy(this.arena, this.used, 0, length);
    const i = this.count++;
    this.offsets[i] = this.used;
    this.lengths[i] = length;
    this.ports[i] = port;
    this.hosts[i] = host;
    this.used += length;
  }

  /** Sends everything queued; returns how many went through the addon (the rest through socket.send). */
  flush(): number {
    const n = this.count;
    if (n === 0) return 0;
    let sent = 0;
    const fd = this.addon ? this.currentFd() : undefined;
    if (this.addon && fd !== undefined) {
      // Encode destinations up to the first one the addon cannot take; a run to one destination shares a slot.
      const slotBytes = this.addon.addressSlotBytes;
      let eligible = 0;
      for (; eligible < n; eligible++) {
        const i = eligible;
        if (i > 0 && this.hosts[i] === this.hosts[i - 1] && this.ports[i] === this.ports[i - 1]) {
          this.slots[i] = this.slots[i - 1];
          continue;
        }
        const encoded = this.encodedAddress(this.addon, this.hosts[i], this.ports[i]);
        if (!encoded) break;
        this.addresses.set(encoded, i * slotBytes);
        this.slots[i] = i;
      }
      // A large batch goes to the sender threads (those a full queue drops are counted there, not resent here).
      if (this.pool && eligible >= this.pool.threshold) {
        this.pool.queue(fd, this.arena, this.offsets, this.lengths, this.addresses, this.slots, eligible);
        sent = eligible;
      } else sent = this.addon.sendBatch(fd, this.arena, this.offsets, this.lengths, this.addresses, this.slots, eligible);
    }
    for (let i = sent; i < n; i++) {
      const start = this.offsets[i];
      this.socket.send(Buffer.from(this.arena.subarray(start, start + this.lengths[i])), this.ports[i], this.hosts[i]);
    }
    this.sentNative += sent;
    this.sentDgram += n - sent;
    this.count = 0;
    this.used = 0;
    return sent;
  }

  /**
   * The socket's descriptor and host:port encoded as an address slot, for native code that sends on this socket
   * itself (a fan-out group); undefined without the addon, before the socket is bound, or for a name.
   */
  nativeDestination(host: string, port: number): { readonly fd: number; readonly address: Buffer } | undefined {
    const fd = this.addon ? this.currentFd() : undefined;
    if (!this.addon || fd === undefined) return undefined;
    const address = this.encodedAddress(this.addon, host, port);
    return address ? { fd, address } : undefined;
  }

  /** The socket's descriptor now; a new one (after a close) has its family read again and the encodings dropped. */
  private currentFd(): number | undefined {
    const fd = udpSocketFd(this.socket);
    if (fd !== undefined && fd !== this.familyFd) {
      this.ipv6 = this.socket.address().family === 'IPv6';
      this.familyFd = fd;
      this.forgetEncoded();
    }
    return fd;
  }

  /** host:port as the addon's address slot for this socket's family, from the cache; null when it cannot be encoded. */
  private encodedAddress(addon: NativeAddon, host: string, port: number): Buffer | null {
    let ports = this.encoded.get(host);
    const known = ports?.get(port);
    if (known !== undefined) return known;
    if (this.encodedCount >= MAX_ENCODED) this.forgetEncoded();
    const slot = Buffer.alloc(addon.addressSlotBytes);
    const encoded = addon.encodeAddress(slot, 0, host, port, this.ipv6) ? slot : null;
    if (!ports) this.encoded.set(host, (ports = new Map<number, Buffer | null>()));
    ports.set(port, encoded);
    this.encodedCount++;
    return encoded;
  }

  private forgetEncoded(): void {
    this.encoded.clear();
    this.encodedCount = 0;
  }
}

// Reading a UDP socket in batches through the native addon (recvmmsg): the media datagrams waiting are handled in
// one call into JavaScript, instead of Node's call, buffer and two address strings per datagram. Each is copied out
// of the native arena (a consumer may keep it past the call), and a sender's address is made into text once and
// then found by number.
import type { NativeAddon, UdpReceiverHandle } from '../native/native-addon.js';
import type { UdpMessageHandler, UdpSource } from './udp-endpoint.js';

/** Bytes a datagram may have: a WebRTC datagram stays under the path MTU (about 1200 bytes for DTLS, SCTP, RTP). */
export const BATCH_SLOT_BYTES = 2048;
/** Datagrams read per call at most. */
const BATCH_SLOTS = 64;
/** Senders remembered by number; past this the table starts again (a flood of spoofed sources cannot grow it). */
const MAX_KNOWN_SOURCES = 4096;

const AF_INET = 2;
const AF_INET6 = 10;

export interface UdpBatchCounters {
  readonly datagrams: number;
  readonly batches: number;
  /** Datagrams larger than a slot, dropped. */
  readonly oversized: number;
}

export class UdpBatchReceiver {
  private readonly arena = Buffer.alloc(BATCH_SLOTS * BATCH_SLOT_BYTES);
  private readonly lengths = new Int32Array(BATCH_SLOTS);
  private readonly sources: Uint8Array;
  private readonly families: Uint16Array;
  private readonly known = new Map<number, UdpSource>();
  private readonly stats = new Float64Array(3);
  private handle: UdpReceiverHandle | undefined;
  private sawOversized = false;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly handler: () => UdpMessageHandler | undefined,
    private readonly failed: (err: Error) => void,
    /** Told of the first datagram dropped for its size (the caller logs it once). */
    private readonly firstOversized: () => void,
  ) {
    this.sources = new Uint8Array(BATCH_SLOTS * addon.addressSlotBytes);
    // sa_family is in the machine's byte order, as a Uint16Array reads it.
    this.families = new Uint16Array(this.sources.buffer, this.sources.byteOffset, this.sources.length >> 1);
  }

  /** Starts reading `fd` (a bound UDP socket whose own reading the caller stops); throws what the addon threw. */
  static start(addon: NativeAddon, fd: number, handler: () => UdpMessageHandler | undefined, failed: (err: Error) => void, firstOversized: () => void): UdpBatchReceiver {
    const r = new UdpBatchReceiver(addon, handler, failed, firstOversized);
    r.handle = addon.udpReceiverCreate(fd, r.arena, BATCH_SLOT_BYTES, r.lengths, r.sources, (count, start) => r.batch(count, start));
    return r;
  }

  get counters(): UdpBatchCounters {
    if (this.handle) this.addon.udpReceiverStats(this.handle, this.stats);
    return { datagrams: this.stats[0], batches: this.stats[1], oversized: this.stats[2] };
  }

  close(): void {
    if (!this.handle) return;
    this.addon.udpReceiverStats(this.handle, this.stats);
    this.addon.udpReceiverClose(this.handle);
    this.handle = undefined;
  }

  /**
   * Handles datagrams start..count-1 and returns the index it stopped before. SRTP and SRTCP (first byte 128-191)
   * are handled back to back: our receive path takes them synchronously. After any other datagram (STUN, DTLS, what
   * the stack handles in promise jobs) it returns, so that Node runs those jobs before the next datagram is handled,
   * as when each datagram is a callback of its own.
   */
  private batch(count: number, start: number): number {
    if (count < 0) {
      this.failed(Object.assign(new Error(`recvmmsg failed (errno ${-count})`), { errno: count }));
      return 0;
    }
    const handler = this.handler();
    if (!handler) return count;
    const lengths = this.lengths;
    const arena = this.arena;
    let thrown: Error | undefined;
    let i = start;
    while (i < count) {
      const length = lengths[i];
      const at = i * BATCH_SLOT_BYTES;
      const from = length < 0 ? undefined : this.sourceOf(i);
      i++;
      if (length < 0 && !this.sawOversized) {
        this.sawOversized = true;
        this.firstOversized();
      }
      if (!from) continue;
      // A copy of its own: a consumer may keep a datagram past this call (a jitter buffer, the DTLS stack).
      const data = Buffer.allocUnsafe(length);
      arena.copy(data, 0, at, at + length);
      const media = length > 0 && data[0] >= 128 && data[0] <= 191;
      // One datagram's handler failing must not lose the rest of the batch; the first error is rethrown after.
      try {
        handler(data, from);
      } catch (err) {
        thrown ??= err instanceof Error ? err : new Error(String(err));
      }
      if (!media) break;
    }
    if (thrown !== undefined) throw thrown;
    return i;
  }

  /** The sender of datagram i: IPv4 (plain or mapped into IPv6) found by number, other IPv6 made each time. */
  private sourceOf(i: number): UdpSource | undefined {
    const s = this.sources;
    const o = i * this.addon.addressSlotBytes;
    const family = this.families[o >> 1];
    const port = (s[o + 2] << 8) | s[o + 3];
    let v4 = -1;
    if (family === AF_INET) v4 = o + 4;
    else if (family === AF_INET6 && isV4Mapped(s, o + 8)) v4 = o + 20;
    else if (family !== AF_INET6) return undefined;
    if (v4 < 0) {
      const address = this.addon.udpSourceText(s, i);
      return address === undefined ? undefined : { address, port };
    }
    // 32 bits of address, 16 of port and one for the family: below 2^53, so exact as a number.
    const ip = ((s[v4] << 24) | (s[v4 + 1] << 16) | (s[v4 + 2] << 8) | s[v4 + 3]) >>> 0;
    const key = ip * 131072 + port * 2 + (family === AF_INET ? 0 : 1);
    let from = this.known.get(key);
    if (!from) {
      const address = this.addon.udpSourceText(s, i);
      if (address === undefined) return undefined;
      if (this.known.size >= MAX_KNOWN_SOURCES) this.known.clear();
      from = Object.freeze({ address, port });
      this.known.set(key, from);
    }
    return from;
  }
}

/** ::ffff:a.b.c.d: ten zero bytes, then two of 0xff. */
function isV4Mapped(s: Uint8Array, at: number): boolean {
  for (let i = 0; i < 10; i++) if (s[at + i] !== 0) return false;
  return s[at + 10] === 0xff && s[at + 11] === 0xff;
}

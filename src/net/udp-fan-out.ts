// One packet to many receivers in one native call (src/native/fan-out.c): each member is an outgoing stream of the
// addon (its header rewrite, SRTP and NACK history) with the socket it leaves on and the receiver's encoded address
// (a NativeDestination). send() builds every member's datagram and hands them to the kernel with one sendmmsg per
// run of one socket, or to the sender threads. Datagrams the kernel does not take are dropped and counted, not
// resent through dgram: this is for media, which the receiver repairs (NACK) or does without. Undefined without the
// addon (UdpFanOut.create()).
import { nativeAddon, type FanOutHandle, type NativeAddon, type OutStreamHandle, type SendPoolHandle } from '../native/native-addon.js';
import type { NativeDestination } from './udp-endpoint.js';

export interface UdpFanOutStats {
  readonly members: number;
  /** Datagrams sent (or queued for the sender threads), dropped (not taken), failed (not protected). */
  readonly sent: number;
  readonly dropped: number;
  readonly failed: number;
}

export interface UdpFanOutMember {
  readonly stream: OutStreamHandle;
  readonly destination: NativeDestination;
}

export class UdpFanOut {
  private fds = new Int32Array(0);
  private addresses = new Uint8Array(0);
  private readonly counters = new Float64Array(4);
  private poolHandle: SendPoolHandle | undefined;
  private count = 0;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly group: FanOutHandle,
  ) {}

  static create(): UdpFanOut | undefined {
    const addon = nativeAddon();
    return addon ? new UdpFanOut(addon, addon.fanOutCreate()) : undefined;
  }

  /** Members sent to now. */
  get members(): number {
    return this.count;
  }

  /** Replaces the members (ordered by socket here, so that one socket's datagrams are one sendmmsg). */
  setMembers(members: UdpFanOutMember[]): void {
    members.sort((a, b) => a.destination.fd - b.destination.fd);
    const slotBytes = this.addon.addressSlotBytes;
    if (this.fds.length < members.length) {
      this.fds = new Int32Array(members.length * 2);
      this.addresses = new Uint8Array(members.length * 2 * slotBytes);
    }
    const streams: OutStreamHandle[] = [];
    for (let i = 0; i < members.length; i++) {
      const d = members[i].destination;
      this.fds[i] = d.fd;
      this.addresses.set(d.address.subarray(0, slotBytes), i * slotBytes);
      streams.push(members[i].stream);
    }
    this.addon.fanOutSet(this.group, streams, this.fds, this.addresses, members.length);
    this.count = members.length;
    // The server's sender threads, once the group is large enough to be worth a hand-off.
    const pool = members[0]?.destination.pool;
    this.poolHandle = pool && members.length >= pool.threshold ? pool.handle : undefined;
  }

  /** Sends packet (a checked RTP packet) to every member: how many datagrams went. */
  send(packet: Buffer, now: number): number {
    return this.count === 0 ? 0 : this.addon.fanOutSend(this.group, packet, packet.length, now, this.poolHandle);
  }

  stats(): UdpFanOutStats {
    this.addon.fanOutStats(this.group, this.counters);
    return { members: this.counters[0], sent: this.counters[1], dropped: this.counters[2], failed: this.counters[3] };
  }
}

// The media layer's relay group (the plugin door's RelayGroup): the members whose PeerConnection has a native
// lane (relay-lane.ts) get each packet from one native call (net/udp-fan-out.ts: rewrite, SRTP, NACK history and
// sendmmsg for all of them); the others get it through relayRtp, one by one, as without a group. Who is native is
// worked out again when the plugin changes the members, when a lane may have changed (relayLanes.epoch), and every
// REFRESH_MS (a new candidate pair, consent lost), never per packet.
import { UdpFanOut, type UdpFanOutMember } from '../net/udp-fan-out.js';
import type { MediaLink, PluginHandle, RelayGroup, RelayMember } from '../plugin-api/plugin.js';
import { relayLanes } from './relay-lane.js';
import { WebRtcPeer } from './werift/peer.js';

/** How long a member's lane is trusted without a change being signalled (a pair switch is noticed within this). */
const REFRESH_MS = 250;
const RTP_MIN = 12;

export interface RelayGroupStats {
  readonly members: number;
  /** Members sent to natively, as of the last refresh. */
  readonly native: number;
  /** Datagrams the native part sent, dropped (the kernel or the sender threads did not take them), failed (SRTP). */
  readonly sent: number;
  readonly dropped: number;
  readonly failed: number;
}

export class MediaRelayGroup implements RelayGroup {
  private members: readonly RelayMember[] = [];
  /** Members relayed one by one (no native lane now). */
  private slow: readonly RelayMember[] = [];
  private readonly fanOut = UdpFanOut.create();
  private dirty = true;
  private epoch = -1;
  private refreshedAt = 0;
  private closed = false;

  constructor(
    private readonly linkOf: (handle: PluginHandle) => MediaLink | undefined,
    /** Told once, when the group is closed. */
    private readonly onClose?: (group: MediaRelayGroup) => void,
  ) {}

  setMembers(members: readonly RelayMember[]): void {
    if (this.closed) return;
    this.members = members;
    this.dirty = true;
  }

  relay(packet: Buffer): void {
    if (this.closed || packet.length < RTP_MIN || packet[0] >> 6 !== 2) return;
    const now = performance.now();
    if (this.dirty || this.epoch !== relayLanes.epoch || now - this.refreshedAt >= REFRESH_MS) this.refresh(now);
    this.fanOut?.send(packet, now);
    const slow = this.slow;
    for (let i = 0; i < slow.length; i++) slow[i].handle.relayRtp(slow[i].mid, packet);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.members = [];
    this.slow = [];
    this.fanOut?.setMembers([]);
    this.onClose?.(this);
  }

  stats(): RelayGroupStats {
    const s = this.fanOut?.stats();
    return { members: this.members.length, native: this.fanOut?.members ?? 0, sent: s?.sent ?? 0, dropped: s?.dropped ?? 0, failed: s?.failed ?? 0 };
  }

  /** Sorts the members into native lanes and the others, and gives the lanes to the addon. */
  private refresh(now: number): void {
    this.dirty = false;
    this.epoch = relayLanes.epoch;
    this.refreshedAt = now;
    const fanOut = this.fanOut;
    if (!fanOut) {
      this.slow = this.members;
      return;
    }
    const slow: RelayMember[] = [];
    const lanes: UdpFanOutMember[] = [];
    for (const m of this.members) {
      const link = this.linkOf(m.handle);
      const lane = link instanceof WebRtcPeer ? link.relayLane(m.mid) : undefined;
      if (lane) lanes.push(lane.member());
      else slow.push(m);
    }
    this.slow = slow;
    fanOut.setMembers(lanes);
  }
}

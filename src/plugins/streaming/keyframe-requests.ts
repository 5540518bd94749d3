// Keyframe requests to a mountpoint's video sources, on behalf of its viewers.
import { buildPli } from '../../rtp/rtcp.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';

export class KeyframeRequests {
  private readonly lastPli = new Map<MountpointId, number>();

  /** Sends a PLI to every video source of the mountpoint that has a latched RTCP address, at most once a second. */
  ask(mp: Mountpoint): void {
    const now = Date.now();
    if (now - (this.lastPli.get(mp.id) ?? 0) < 1000) return;
    this.lastPli.set(mp.id, now);
    for (const s of mp.streams) if (s.config.type === 'video' && s.lastSsrc !== 0) s.sendRtcp(buildPli(1, s.lastSsrc));
  }
}

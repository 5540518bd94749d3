// Per-m-line bookkeeping behind Janus' `media` (no_media_timer) and `slowlink` events.
// The packet path only bumps integers; a periodic tick turns them into events.

export interface TrackMonitorEvents {
  media(receiving: boolean): void;
  slowlink(uplink: boolean, lost: number): void;
}

export class TrackMonitor {
  /** True once packets flow, false after `noMediaMs` of silence (Janus `media` receiving flag). */
  receiving = false;
  private packets = 0;
  private lastPackets = 0;
  private lastChangeAt = 0;
  private haveSeq = false;
  private lastSeq = 0;
  private lostInWindow = 0;
  private nackedInWindow = 0;
  private windowStart = 0;

  constructor(
    private readonly noMediaMs: number,
    private readonly slowlinkThreshold: number,
    private readonly events: TrackMonitorEvents,
  ) {}

  /** Called for every incoming RTP packet (after RTX repair); cheap. */
  onPacket(seq: number): void {
    this.packets++;
    if (!this.receiving) {
      this.receiving = true;
      this.lastChangeAt = 0;
      this.events.media(true);
    }
    if (!this.haveSeq) {
      this.haveSeq = true;
      this.lastSeq = seq;
      return;
    }
    const delta = (seq - this.lastSeq) & 0xffff;
    if (delta === 0 || delta >= 0x8000) return; // duplicate, reordered or retransmitted
    if (delta > 1 && delta < 1000) this.lostInWindow += delta - 1;
    this.lastSeq = seq;
  }

  /** The remote reported (NACK) that `count` packets we sent were lost. */
  onRemoteLoss(count: number): void {
    this.nackedInWindow += count;
  }

  /** Periodic check; `now` in ms (monotonic). */
  tick(now: number): void {
    if (this.packets !== this.lastPackets) {
      this.lastPackets = this.packets;
      this.lastChangeAt = now;
    } else if (this.receiving) {
      if (this.lastChangeAt === 0) this.lastChangeAt = now;
      else if (now - this.lastChangeAt >= this.noMediaMs) {
        this.receiving = false;
        this.events.media(false);
      }
    }
    if (this.windowStart === 0) this.windowStart = now;
    if (now - this.windowStart < 1000) return;
    this.windowStart = now;
    const lost = this.lostInWindow;
    const nacked = this.nackedInWindow;
    this.lostInWindow = 0;
    this.nackedInWindow = 0;
    if (this.slowlinkThreshold <= 0) return;
    if (lost >= this.slowlinkThreshold) this.events.slowlink(true, lost);
    if (nacked >= this.slowlinkThreshold) this.events.slowlink(false, nacked);
  }
}

// The bitrate cap a plugin asked for (a VideoRoom's `bitrate`, a publisher's `configure`), sent as REMB over every
// remote SSRC. It is kept: asked for before the sender's SSRCs are known (the connection just came up), it goes
// out when the first one arrives, and it is sent again every second, since one REMB can be lost and a browser's
// estimate climbs back without a new one.
import { buildRemb } from '../../rtp/rtcp.js';
import type { PeerContext } from './peer-context.js';

export const REMB_REPEAT_MS = 1000;

export class RembCap {
  /** The cap asked for; 0: none kept. */
  private bitrate = 0;
  private sentAt = -Infinity;

  constructor(private readonly ctx: PeerContext) {}

  /** A plugin's cap: sent now when the remote's SSRCs are known, kept either way (0 is sent once, not kept). */
  set(bitrate: number): void {
    this.bitrate = bitrate > 0 ? bitrate : 0;
    this.send(bitrate);
  }

  /** A remote SSRC was seen for the first time: it gets the cap at once. */
  onNewRemoteSsrc(): void {
    if (this.bitrate > 0) this.send(this.bitrate);
  }

  /** Called a few times a second (the peer's receiver reports); sends the kept cap once a second. */
  repeat(now: number): void {
    if (this.bitrate > 0 && now - this.sentAt >= REMB_REPEAT_MS) this.send(this.bitrate);
  }

  private send(bitrate: number): void {
    const ctx = this.ctx;
    if (!ctx.dtlsUp) return;
    const ssrcs: number[] = [];
    let sender = 1;
    for (const st of ctx.mids.values()) {
      ssrcs.push(...st.remoteSsrcs);
      sender = st.transceiver.sender.ssrc;
    }
    if (ssrcs.length === 0) return;
    this.sentAt = performance.now();
    ctx.sendRawRtcp(buildRemb(sender, bitrate, ssrcs));
  }
}

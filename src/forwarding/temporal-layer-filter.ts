// Which temporal layers of a VP8 stream to forward (Janus's `temporal`): frames above the target are dropped
// whole; going down happens at once, going up waits for a layer-sync frame (Y bit) of the higher layer, which
// references TL0 frames only, so the decoder never meets a frame whose reference it did not get. Picture IDs
// are renumbered without the dropped frames: a receiver seeing a gap waits for the missing pictures.
import { parseRtpHeader } from '../rtp/rtp-header.js';
import { parseVp8Descriptor, writeVp8PictureId, type Vp8Descriptor } from './vp8-descriptor.js';

export class TemporalLayerFilter {
  /** The highest temporal layer wanted (0 = base layer only). */
  target = 2;
  /** The highest layer being forwarded now (all of them until a lower target is asked). */
  forwarding = 2;
  private droppingFrame = false;
  /** Frames dropped so far: forwarded picture IDs are lowered by this much. */
  private dropped = 0;

  /** Whether a packet goes out; packets without temporal information always do. */
  accept(d: Vp8Descriptor): boolean {
    if (d.tid < 0) return true;
    if (!d.frameStart) return !this.droppingFrame;
    const t = d.tid;
    if (this.forwarding > this.target) this.forwarding = this.target;
    let pass: boolean;
    if (t <= this.forwarding) pass = true;
    else if (t <= this.target && d.layerSync) {
      this.forwarding = t;
      pass = true;
    } else pass = false;
    this.droppingFrame = !pass;
    if (!pass) this.dropped++;
    return pass;
  }

  /**
   * One RTP packet of the VP8 stream: undefined when it is dropped (the caller closes the sequence gap), else the
   * packet to send, its picture renumbered: in place when the buffer is the caller's alone, else in a copy.
   */
  filterPacket(packet: Buffer, renumber: 'in-place' | 'copy'): Buffer | undefined {
    const h = parseRtpHeader(packet);
    const d = h ? parseVp8Descriptor(packet.subarray(h.headerLength)) : undefined;
    if (!h || !d) return packet;
    if (!this.accept(d)) return undefined;
    const pid = this.pictureIdFor(d);
    if (pid < 0) return packet;
    const out = renumber === 'copy' ? Buffer.from(packet) : packet;
    writeVp8PictureId(out.subarray(h.headerLength), d, pid);
    return out;
  }

  /** The picture ID a forwarded packet must carry, or -1 when it keeps its own. */
  pictureIdFor(d: Vp8Descriptor): number {
    if (this.dropped === 0 || d.pictureIdBits === 0) return -1;
    const mask = d.pictureIdBits === 15 ? 0x7fff : 0x7f;
    return (d.pictureId - this.dropped) & mask;
  }
}

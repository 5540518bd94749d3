// Which temporal layers of a VP8 stream to forward (Janus's `temporal`): frames above the target are dropped
// whole; going down happens at once, going up waits for a layer-sync frame (Y bit) of the higher layer, which
// references TL0 frames only, so the decoder never meets a frame whose reference it did not get. Picture IDs
// are renumbered without the dropped frames: a receiver seeing a gap waits for the missing pictures.
import type { Vp8Descriptor } from './vp8-descriptor.js';

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

  /** The picture ID a forwarded packet must carry, or -1 when it keeps its own. */
  pictureIdFor(d: Vp8Descriptor): number {
    if (this.dropped === 0 || d.pictureIdBits === 0) return -1;
    const mask = d.pictureIdBits === 15 ? 0x7fff : 0x7f;
    return (d.pictureId - this.dropped) & mask;
  }
}

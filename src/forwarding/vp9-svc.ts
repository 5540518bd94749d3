// VP9 SVC layer selection (Janus's `spatial_layer` / `temporal_layer`): the VP9 payload descriptor (RFC 9628 §4.2)
// says which spatial (SID) and temporal (TID) layer a packet belongs to; packets above the targets are dropped,
// and the last packet of the highest spatial layer kept in each picture gets the RTP marker the receiver needs to
// see a complete picture. Going up waits for a picture the receiver can decode from: a keyframe for a spatial
// layer, a switching point (U) or a keyframe for a temporal one; going down happens at the next picture.

export interface Vp9Descriptor {
  /** Not inter-picture predicted (P=0): with SID 0, a keyframe. */
  readonly interPredicted: boolean;
  /** B: the first packet of a layer frame; E: its last. */
  readonly frameStart: boolean;
  readonly frameEnd: boolean;
  /** Spatial and temporal layer, -1 when the descriptor has no layer indices. */
  readonly sid: number;
  readonly tid: number;
  /** U: a temporal switching-up point. */
  readonly switchingUp: boolean;
}

/** A descriptor filled in place by `read`, so that reading every packet allocates nothing. */
export class Vp9DescriptorReader implements Vp9Descriptor {
  interPredicted = false;
  frameStart = false;
  frameEnd = false;
  sid = -1;
  tid = -1;
  switchingUp = false;

  /** Reads the descriptor of the payload at b[at..end); false when it is truncated (the fields are then stale). */
  read(b: Uint8Array, at = 0, end = b.length): boolean {
    if (end - at < 1) return false;
    const b0 = b[at];
    let i = at + 1;
    if (b0 & 0x80) {
      if (end < i + 1) return false;
      i += b[i] & 0x80 ? 2 : 1; // picture ID, 15 or 7 bits
    }
    this.sid = -1;
    this.tid = -1;
    this.switchingUp = false;
    if (b0 & 0x20) {
      if (end < i + 1) return false;
      const l = b[i];
      this.tid = l >> 5;
      this.switchingUp = (l & 0x10) !== 0;
      this.sid = (l >> 1) & 0x07;
    }
    this.interPredicted = (b0 & 0x40) !== 0;
    this.frameStart = (b0 & 0x08) !== 0;
    this.frameEnd = (b0 & 0x04) !== 0;
    return true;
  }
}

/** The descriptor at the start of a VP9 RTP payload, or undefined when it is truncated. Allocates: off the hot path. */
export function parseVp9Descriptor(payload: Uint8Array): Vp9Descriptor | undefined {
  const d = new Vp9DescriptorReader();
  return d.read(payload) ? d : undefined;
}

export type Vp9Decision = 'drop' | 'pass' | 'pass-and-mark';

export class Vp9LayerFilter {
  targetSpatial = 2;
  targetTemporal = 2;
  /** The layers being forwarded now (all of them until lower targets are asked). */
  spatial = 2;
  temporal = 2;

  /**
   * What to do with a packet; `pass-and-mark`: forward it with the RTP marker set (the picture ends here).
   * `canSwitch` false: a packet older than the newest seen (a retransmission, a replay), which must not switch
   * layers in the middle of the picture the newer packets belong to.
   */
  decide(d: Vp9Descriptor, canSwitch = true): Vp9Decision {
    if (d.sid < 0) return 'pass';
    // Layer changes take effect at the start of a picture (its base layer frame).
    if (canSwitch && d.frameStart && d.sid === 0) {
      const keyframe = !d.interPredicted;
      if (this.targetSpatial < this.spatial || (this.targetSpatial > this.spatial && keyframe)) this.spatial = this.targetSpatial;
      if (this.targetTemporal < this.temporal || (this.targetTemporal > this.temporal && (keyframe || d.switchingUp))) this.temporal = this.targetTemporal;
    }
    if (d.sid > this.spatial || d.tid > this.temporal) return 'drop';
    // Marking the end of the highest layer kept is harmless when the sender already marked it there.
    return d.frameEnd && d.sid === this.spatial ? 'pass-and-mark' : 'pass';
  }

  /** Whether a keyframe is needed to reach the targets (going up in space). */
  get waitingForKeyframe(): boolean {
    return this.targetSpatial > this.spatial;
  }
}

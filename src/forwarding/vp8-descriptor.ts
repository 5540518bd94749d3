// The VP8 payload descriptor (RFC 7741 §4.2): where a frame starts, its picture ID, TL0PICIDX and temporal layer
// (TID, with the layer-sync bit Y). A pure parser over the RTP payload, a reusable reader for the hot path, and
// an in-place writer for the picture ID an SFU renumbers when it drops temporal layers.

export interface Vp8Descriptor {
  /** S=1 and partition 0: the first packet of a frame. */
  readonly frameStart: boolean;
  /** Picture ID and its width (7 or 15 bits), -1 / 0 when absent. */
  readonly pictureId: number;
  readonly pictureIdBits: 0 | 7 | 15;
  /** Offset of the picture ID from the start of the payload. */
  readonly pictureIdAt: number;
  readonly tl0PicIdx: number;
  /** Temporal layer, -1 when the descriptor has none. */
  readonly tid: number;
  /** Layer sync: this frame depends only on TL0 frames, so a receiver may switch up to its layer here. */
  readonly layerSync: boolean;
  /** Length of the descriptor: where the VP8 payload header begins. */
  readonly length: number;
}

/** A descriptor filled in place by `read`, so that reading every packet allocates nothing. */
export class Vp8DescriptorReader implements Vp8Descriptor {
  frameStart = false;
  pictureId = -1;
  pictureIdBits: 0 | 7 | 15 = 0;
  pictureIdAt = 0;
  tl0PicIdx = -1;
  tid = -1;
  layerSync = false;
  length = 0;

  /** Reads the descriptor of the payload at b[at..end); false when it is truncated (the fields are then stale). */
  read(b: Uint8Array, at = 0, end = b.length): boolean {
    if (end - at < 1) return false;
    const b0 = b[at];
    let i = at + 1;
    this.pictureId = -1;
    this.pictureIdBits = 0;
    this.pictureIdAt = 0;
    this.tl0PicIdx = -1;
    this.tid = -1;
    this.layerSync = false;
    if (b0 & 0x80) {
      if (end < at + 2) return false;
      const x = b[at + 1];
      i = at + 2;
      if (x & 0x80) {
        if (end < i + 1) return false;
        this.pictureIdAt = i - at;
        if (b[i] & 0x80) {
          if (end < i + 2) return false;
          this.pictureId = ((b[i] & 0x7f) << 8) | b[i + 1];
          this.pictureIdBits = 15;
          i += 2;
        } else {
          this.pictureId = b[i] & 0x7f;
          this.pictureIdBits = 7;
          i += 1;
        }
      }
      if (x & 0x40) {
        if (end < i + 1) return false;
        this.tl0PicIdx = b[i];
        i += 1;
      }
      if (x & 0x30) {
        if (end < i + 1) return false;
        if (x & 0x20) {
          this.tid = b[i] >> 6;
          this.layerSync = (b[i] & 0x20) !== 0;
        }
        i += 1;
      }
    }
    this.frameStart = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
    this.length = i - at;
    return true;
  }
}

/** The descriptor at the start of a VP8 RTP payload, or undefined when it is truncated. Allocates: off the hot path. */
export function parseVp8Descriptor(payload: Uint8Array): Vp8Descriptor | undefined {
  const d = new Vp8DescriptorReader();
  return d.read(payload) ? d : undefined;
}

/** Writes a picture ID into a descriptor read from the payload starting at payload[at] (same width; wraps). */
export function writeVp8PictureId(payload: Uint8Array, d: Vp8Descriptor, pictureId: number, at = 0): void {
  const i = at + d.pictureIdAt;
  if (d.pictureIdBits === 15) {
    payload[i] = 0x80 | ((pictureId >> 8) & 0x7f);
    payload[i + 1] = pictureId & 0xff;
  } else if (d.pictureIdBits === 7) payload[i] = pictureId & 0x7f;
}

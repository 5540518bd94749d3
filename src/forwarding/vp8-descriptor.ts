// The VP8 payload descriptor (RFC 7741 §4.2): where a frame starts, its picture ID, TL0PICIDX and temporal layer
// (TID, with the layer-sync bit Y). A pure parser over the RTP payload, and an in-place writer for the picture ID
// an SFU renumbers when it drops temporal layers.

export interface Vp8Descriptor {
  /** S=1 and partition 0: the first packet of a frame. */
  readonly frameStart: boolean;
  /** Picture ID and its width (7 or 15 bits), -1 / 0 when absent. */
  readonly pictureId: number;
  readonly pictureIdBits: 0 | 7 | 15;
  /** Offset of the picture ID in the payload. */
  readonly pictureIdAt: number;
  readonly tl0PicIdx: number;
  /** Temporal layer, -1 when the descriptor has none. */
  readonly tid: number;
  /** Layer sync: this frame depends only on TL0 frames, so a receiver may switch up to its layer here. */
  readonly layerSync: boolean;
  /** Length of the descriptor: where the VP8 payload header begins. */
  readonly length: number;
}

/** The descriptor at the start of a VP8 RTP payload, or undefined when it is truncated. */
export function parseVp8Descriptor(payload: Buffer): Vp8Descriptor | undefined {
  if (payload.length < 1) return undefined;
  const b0 = payload[0];
  let at = 1;
  let pictureId = -1;
  let pictureIdBits: 0 | 7 | 15 = 0;
  let pictureIdAt = 0;
  let tl0PicIdx = -1;
  let tid = -1;
  let layerSync = false;
  if (b0 & 0x80) {
    if (payload.length < 2) return undefined;
    const x = payload[1];
    at = 2;
    if (x & 0x80) {
      if (payload.length < at + 1) return undefined;
      pictureIdAt = at;
      if (payload[at] & 0x80) {
        if (payload.length < at + 2) return undefined;
        pictureId = ((payload[at] & 0x7f) << 8) | payload[at + 1];
        pictureIdBits = 15;
        at += 2;
      } else {
        pictureId = payload[at] & 0x7f;
        pictureIdBits = 7;
        at += 1;
      }
    }
    if (x & 0x40) {
      if (payload.length < at + 1) return undefined;
      tl0PicIdx = payload[at];
      at += 1;
    }
    if (x & 0x30) {
      if (payload.length < at + 1) return undefined;
      if (x & 0x20) {
        tid = payload[at] >> 6;
        layerSync = (payload[at] & 0x20) !== 0;
      }
      at += 1;
    }
  }
  return { frameStart: (b0 & 0x10) !== 0 && (b0 & 0x07) === 0, pictureId, pictureIdBits, pictureIdAt, tl0PicIdx, tid, layerSync, length: at };
}

/** Writes a picture ID into a descriptor parsed with parseVp8Descriptor (same width; wraps). */
export function writeVp8PictureId(payload: Buffer, d: Vp8Descriptor, pictureId: number): void {
  if (d.pictureIdBits === 15) {
    payload[d.pictureIdAt] = 0x80 | ((pictureId >> 8) & 0x7f);
    payload[d.pictureIdAt + 1] = pictureId & 0xff;
  } else if (d.pictureIdBits === 7) payload[d.pictureIdAt] = pictureId & 0x7f;
}

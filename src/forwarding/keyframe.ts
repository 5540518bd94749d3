// Does an RTP packet start a keyframe? Needed to switch simulcast layers without breaking the decoder.
// Pure functions over the payload (RFC 7741 VP8, RFC 6184 H.264, VP9 payload descriptor draft). Each reads
// b[at..end) so a caller holding the whole packet tests it without making a payload view.

/** A keyframe test over the payload found at b[at..end). */
export type KeyframeTest = (b: Uint8Array, at?: number, end?: number) => boolean;

/** VP8: the first packet of a keyframe (S=1, partition 0, P bit clear in the VP8 payload header). */
export function isVp8Keyframe(b: Uint8Array, at = 0, end = b.length): boolean {
  if (end - at < 1) return false;
  const b0 = b[at];
  const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  if (!start) return false;
  let i = at + 1;
  if (b0 & 0x80) {
    if (end - at < 2) return false;
    const x = b[at + 1];
    i = at + 2;
    if (x & 0x80) i += end > i && b[i] & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID/KEYIDX
  }
  return end > i && (b[i] & 0x01) === 0;
}

/** H.264: an IDR slice or an SPS, alone, in a STAP-A, or at the start of an FU-A. */
export function isH264Keyframe(b: Uint8Array, at = 0, end = b.length): boolean {
  if (end - at < 1) return false;
  const type = b[at] & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 24) {
    for (let i = at + 1; i + 2 < end;) {
      const size = (b[i] << 8) | b[i + 1];
      const nal = b[i + 2] & 0x1f;
      if (nal === 5 || nal === 7) return true;
      i += 2 + size;
    }
    return false;
  }
  if (type === 28 && end - at >= 2) {
    const fu = b[at + 1];
    return (fu & 0x80) !== 0 && ((fu & 0x1f) === 5 || (fu & 0x1f) === 7);
  }
  return false;
}

/** VP9: the start of a frame that is not inter-predicted (P=0, B=1). */
export function isVp9Keyframe(b: Uint8Array, at = 0, end = b.length): boolean {
  if (end - at < 1) return false;
  const b0 = b[at];
  return (b0 & 0x40) === 0 && (b0 & 0x08) !== 0;
}

/** Keyframe test for a codec name (any case); undefined when the codec has no test here (see codec-registry.ts). */
export function keyframeTest(codec: string | undefined): KeyframeTest | undefined {
  switch (codec?.toLowerCase()) {
    case 'vp8':
      return isVp8Keyframe;
    case 'h264':
      return isH264Keyframe;
    case 'vp9':
      return isVp9Keyframe;
    default:
      return undefined;
  }
}

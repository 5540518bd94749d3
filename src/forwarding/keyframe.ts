// Does an RTP packet start a keyframe? Needed to switch simulcast layers without breaking the decoder.
// Pure functions over the payload (RFC 7741 VP8, RFC 6184 H.264, VP9 payload descriptor draft).

/** VP8: the first packet of a keyframe (S=1, partition 0, P bit clear in the VP8 payload header). */
export function isVp8Keyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const b0 = payload[0];
  const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  if (!start) return false;
  let at = 1;
  if (b0 & 0x80) {
    if (payload.length < 2) return false;
    const x = payload[1];
    at = 2;
    if (x & 0x80) at += payload.length > at && payload[at] & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) at += 1; // TL0PICIDX
    if (x & 0x30) at += 1; // TID/KEYIDX
  }
  return payload.length > at && (payload[at] & 0x01) === 0;
}

/** H.264: an IDR slice or an SPS, alone, in a STAP-A, or at the start of an FU-A. */
export function isH264Keyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const type = payload[0] & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 24) {
    for (let at = 1; at + 2 < payload.length; ) {
      const size = payload.readUInt16BE(at);
      const nal = payload[at + 2] & 0x1f;
      if (nal === 5 || nal === 7) return true;
      at += 2 + size;
    }
    return false;
  }
  if (type === 28 && payload.length >= 2) return (payload[1] & 0x80) !== 0 && ((payload[1] & 0x1f) === 5 || (payload[1] & 0x1f) === 7);
  return false;
}

/** VP9: the start of a frame that is not inter-predicted (P=0, B=1). */
export function isVp9Keyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const b0 = payload[0];
  return (b0 & 0x40) === 0 && (b0 & 0x08) !== 0;
}

/** Keyframe test for a codec name; undefined when the codec has no test here. */
export function keyframeTest(codec: string | undefined): ((payload: Buffer) => boolean) | undefined {
  switch (codec) {
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

// The framing of an Opus packet (RFC 6716 section 3): the TOC byte, how many frames follow and how long each is.
// A packet from a peer is checked here, in TypeScript, against the rules the RFC gives a decoder (R1-R7) before
// any codec sees it; only packets that pass reach the native libopus decoder.

/** 48 kHz samples per frame for each of the 32 TOC configurations (SILK 10-60 ms, hybrid 10-20, CELT 2.5-20). */
const FRAME_SAMPLES_48K: readonly number[] = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];

/** RFC 6716 R2: no frame is longer than this. */
const MAX_FRAME_BYTES = 1275;
/** RFC 6716 R5: a packet holds at most 120 ms of audio. */
const MAX_PACKET_SAMPLES_48K = 5760;

export interface OpusPacketShape {
  readonly frames: number;
  /** The audio the packet holds, in 48 kHz samples per channel. */
  readonly samples48k: number;
  readonly stereo: boolean;
}

/** A frame length as codes 2 and 3 write it (one byte, or two from 252 up); [length, bytes used] or undefined when cut. */
function frameLength(p: Uint8Array, at: number, end: number): [number, number] | undefined {
  if (at >= end) return undefined;
  const first = p[at];
  if (first < 252) return [first, 1];
  if (at + 1 >= end) return undefined;
  return [first + 4 * p[at + 1], 2];
}

/** The packet's shape, or undefined when it breaks one of RFC 6716's rules (an empty packet breaks R1). */
export function opusPacketShape(p: Uint8Array): OpusPacketShape | undefined {
  const n = p.length;
  if (n < 1) return undefined;
  const toc = p[0];
  const perFrame = FRAME_SAMPLES_48K[toc >> 3];
  const stereo = (toc & 0x04) !== 0;
  const code = toc & 0x03;
  if (code === 0) return n - 1 <= MAX_FRAME_BYTES ? { frames: 1, samples48k: perFrame, stereo } : undefined;
  if (code === 1) {
    const rest = n - 1;
    return rest % 2 === 0 && rest / 2 <= MAX_FRAME_BYTES ? { frames: 2, samples48k: 2 * perFrame, stereo } : undefined;
  }
  if (code === 2) {
    const first = frameLength(p, 1, n);
    if (!first) return undefined;
    const second = n - 1 - first[1] - first[0];
    return first[0] <= MAX_FRAME_BYTES && second >= 0 && second <= MAX_FRAME_BYTES ? { frames: 2, samples48k: 2 * perFrame, stereo } : undefined;
  }
  // Code 3: a frame count byte (VBR flag, padding flag, count), padding lengths, then the frames.
  if (n < 2) return undefined;
  const countByte = p[1];
  const vbr = (countByte & 0x80) !== 0;
  const padded = (countByte & 0x40) !== 0;
  const frames = countByte & 0x3f;
  if (frames === 0 || frames * perFrame > MAX_PACKET_SAMPLES_48K) return undefined;
  let at = 2;
  let padding = 0;
  if (padded) {
    for (;;) {
      if (at >= n) return undefined;
      const b = p[at++];
      padding += b === 255 ? 254 : b;
      if (b !== 255) break;
    }
  }
  let rest = n - at - padding;
  if (rest < 0) return undefined;
  if (!vbr) {
    return rest % frames === 0 && rest / frames <= MAX_FRAME_BYTES ? { frames, samples48k: frames * perFrame, stereo } : undefined;
  }
  for (let i = 0; i < frames - 1; i++) {
    const len = frameLength(p, at, n - padding);
    if (!len || len[0] > MAX_FRAME_BYTES) return undefined;
    at += len[1];
    rest -= len[1] + len[0];
    if (rest < 0) return undefined;
  }
  return rest <= MAX_FRAME_BYTES ? { frames, samples48k: frames * perFrame, stereo } : undefined;
}

// The codecs a mountpoint may carry, with their RTP clock rates and channel counts.

export interface CodecInfo {
  readonly kind: 'audio' | 'video';
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
}

const TABLE: readonly CodecInfo[] = [
  { kind: 'audio', name: 'opus', clockRate: 48000, channels: 2 },
  { kind: 'audio', name: 'multiopus', clockRate: 48000, channels: 6 },
  { kind: 'audio', name: 'pcmu', clockRate: 8000 },
  { kind: 'audio', name: 'pcma', clockRate: 8000 },
  { kind: 'audio', name: 'g722', clockRate: 8000 },
  { kind: 'video', name: 'vp8', clockRate: 90000 },
  { kind: 'video', name: 'vp9', clockRate: 90000 },
  { kind: 'video', name: 'h264', clockRate: 90000 },
  { kind: 'video', name: 'av1', clockRate: 90000 },
  { kind: 'video', name: 'h265', clockRate: 90000 },
];

/** Accepts "opus", "VP8", or an rtpmap such as "opus/48000/2". */
export function findCodec(kind: 'audio' | 'video', text: string): CodecInfo | undefined {
  const name = text.split('/')[0].trim().toLowerCase();
  return TABLE.find((c) => c.kind === kind && c.name === name);
}

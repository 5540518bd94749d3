// The one table of the codecs Portunus knows: what SDP calls them, their RTP clock, default payload type and
// fmtp, the feedback a receiver of them should offer, and whether a keyframe can be seen in their packets.
// Names are lower-case everywhere in Portunus; `sdpName` is how an rtpmap line writes them.

export type CodecKind = 'audio' | 'video';

export interface CodecEntry {
  /** Lower-case name: what plugins, settings and events use. */
  readonly name: string;
  /** The encoding name as an SDP rtpmap writes it (`opus`, `PCMU`, `VP8`...). */
  readonly sdpName: string;
  readonly kind: CodecKind;
  readonly clockRate: number;
  /** Audio channels in the rtpmap; undefined for video. */
  readonly channels: number | undefined;
  /** The payload type we offer it with (the static one for G.711/G.722); undefined: none of ours. */
  readonly payloadType: number | undefined;
  /** rtcp-fb values we offer with it (`nack`, `nack pli`, ...); transport-cc is a per-transport choice, not here. */
  readonly rtcpFb: readonly string[];
  /** fmtp we offer when nobody gave one. */
  readonly fmtp: string | undefined;
  /** keyframe.ts can tell whether a packet starts a keyframe (simulcast switches wait for one). */
  readonly keyframeDetection: boolean;
  /** The media layer answers and offers it; false for names only room settings accept (Janus's list). */
  readonly negotiable: boolean;
}

const VIDEO_FEEDBACK: readonly string[] = ['nack', 'nack pli', 'ccm fir', 'goog-remb'];
const NONE: readonly string[] = [];

function audio(name: string, sdpName: string, clockRate: number, channels: number, payloadType?: number, fmtp?: string, negotiable = true): CodecEntry {
  return { name, sdpName, kind: 'audio', clockRate, channels, payloadType, rtcpFb: NONE, fmtp, keyframeDetection: false, negotiable };
}

function video(name: string, sdpName: string, payloadType: number, keyframeDetection: boolean, fmtp?: string): CodecEntry {
  return { name, sdpName, kind: 'video', clockRate: 90000, channels: undefined, payloadType, rtcpFb: VIDEO_FEEDBACK, fmtp, keyframeDetection, negotiable: true };
}

/** Every codec, audio first, each kind in the order of preference when nothing else decides. */
export const CODECS: readonly CodecEntry[] = Object.freeze([
  audio('opus', 'opus', 48000, 2, 111, 'minptime=10;useinbandfec=1'),
  audio('multiopus', 'multiopus', 48000, 6),
  audio('pcmu', 'PCMU', 8000, 1, 0),
  audio('pcma', 'PCMA', 8000, 1, 8),
  audio('g722', 'G722', 8000, 1, 9),
  audio('isac32', 'ISAC', 32000, 1, undefined, undefined, false),
  audio('isac16', 'ISAC', 16000, 1, undefined, undefined, false),
  audio('l16-48', 'L16', 48000, 1, undefined, undefined, false),
  audio('l16', 'L16', 16000, 1, undefined, undefined, false),
  video('vp8', 'VP8', 96, true),
  video('vp9', 'VP9', 98, true, 'profile-id=0'),
  video('h264', 'H264', 102, true, 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1'),
  video('av1', 'AV1', 45, false),
  video('h265', 'H265', 49, false),
]);

const BY_NAME = new Map(CODECS.map((c) => [c.name, c]));

/**
 * The codec for a name in any case (`opus`, `VP8`), or for an rtpmap's encoding (`opus/48000/2`, `L16/16000`:
 * the clock rate picks among entries of one SDP name); undefined when Portunus does not know it. `kind`, when
 * given, must match.
 */
export function findCodec(text: string, kind?: CodecKind): CodecEntry | undefined {
  const [rawName, rawRate] = text.trim().split('/');
  const name = rawName.trim().toLowerCase();
  let entry = BY_NAME.get(name);
  if (!entry || (rawRate !== undefined && entry.clockRate !== Number(rawRate))) {
    const rate = rawRate === undefined ? undefined : Number(rawRate);
    entry = CODECS.find((c) => c.sdpName.toLowerCase() === name && (rate === undefined || c.clockRate === rate)) ?? entry;
  }
  return entry && (kind === undefined || entry.kind === kind) ? entry : undefined;
}

/** The codecs of one kind the media layer can negotiate, in table order. */
export function negotiableCodecs(kind: CodecKind): readonly CodecEntry[] {
  return CODECS.filter((c) => c.kind === kind && c.negotiable);
}

/** The codec a static payload type stands for when an offer has no rtpmap for it (RFC 3551). */
export function staticPayloadCodec(payloadType: number): CodecEntry | undefined {
  return payloadType < 96 ? CODECS.find((c) => c.payloadType === payloadType) : undefined;
}

// The werift configuration of one PeerConnection: codecs and header extensions derived from an offer plan or
// from the tracks the server offers, and the ICE settings Portunus always imposes.
import { RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, type PeerConfig, type RTCRtcpFeedback } from 'werift';
import './rtpmap-channels.js';
import { findCodec, type CodecEntry } from '../../forwarding/codec-registry.js';
import type { OfferPlan } from '../offer-plan.js';
import type { OfferTrackSpec } from '../peer-types.js';
import { EXT_ABS_SEND_TIME, EXT_AUDIO_LEVEL, EXT_MID, EXT_PLAYOUT_DELAY, EXT_REPAIRED_RID, EXT_RID, EXT_TWCC, EXT_VIDEO_ORIENTATION, OFFER_EXTENSION_IDS } from '../../rtp/header-extensions.js';

export { EXT_TWCC };

/** Header extensions Portunus accepts in answers (ids are the offerer's). */
const ACCEPTED_EXTENSIONS: Record<'audio' | 'video', readonly string[]> = {
  // Transport-wide CC is answered by our own feedback (twcc-feedback.ts), one for the whole bundle: werift's keeps
  // one generator per m-line, so with audio and video bundled each would report the other's packets as lost and
  // the sender's estimate would collapse. Codecs therefore never carry transport-cc feedback for werift (below).
  audio: [EXT_MID, EXT_AUDIO_LEVEL, EXT_ABS_SEND_TIME, EXT_TWCC],
  video: [EXT_MID, EXT_RID, EXT_REPAIRED_RID, EXT_ABS_SEND_TIME, EXT_TWCC, EXT_VIDEO_ORIENTATION, EXT_PLAYOUT_DELAY],
};

function baseConfig(iceLite: boolean): Partial<PeerConfig> {
  return {
    iceServers: [],
    iceLite,
    bundlePolicy: 'max-bundle',
    iceUseIpv4: true,
    // Gathering is taken over (werift-ice.ts); this only keeps werift's own code path away from udp6.
    iceUseIpv6: false,
    iceUseTcp: false,
  };
}

function codec(kind: 'audio' | 'video', name: string, clockRate: number, channels?: number): RTCRtpCodecParameters {
  // The feedback we answer with (the registry's; transport-cc is ours, see ACCEPTED_EXTENSIONS): without REMB the
  // sender's bandwidth estimate never grows, and without nack/pli it cannot repair loss. RTX carries none.
  return new RTCRtpCodecParameters({ mimeType: `${kind}/${name}`, clockRate, channels, rtcpFeedback: feedbackOf(findCodec(name, kind)) });
}

/** Config for answering a planned offer: exactly the chosen codecs (werift intersects by MIME type). */
export function answerConfig(plan: OfferPlan, iceLite: boolean): Partial<PeerConfig> {
  const config = {
    ...baseConfig(iceLite),
    codecs: { audio: [codec('audio', 'opus', 48000, 2)], video: [codec('video', 'VP8', 90000)] },
    headerExtensions: {
      audio: ACCEPTED_EXTENSIONS.audio.map((uri) => new RTCRtpHeaderExtensionParameters({ uri })),
      video: ACCEPTED_EXTENSIONS.video.map((uri) => new RTCRtpHeaderExtensionParameters({ uri })),
    },
  };
  admitAnswerCodecs(config, plan);
  return config;
}

/**
 * Adds to a PeerConnection's configuration the codecs (and RTX) a plan chose that it lacks, and our header
 * extensions for a kind it has none of: werift answers an offer, a new one included, with these lists only.
 */
export function admitAnswerCodecs(config: Pick<PeerConfig, 'codecs' | 'headerExtensions'>, plan: OfferPlan): void {
  for (const p of plan.media) {
    if (!p.accepted || !p.codec || (p.kind !== 'audio' && p.kind !== 'video')) continue;
    const list = (config.codecs[p.kind] ??= []);
    if (!list.some((c) => c.mimeType.toLowerCase() === `${p.kind}/${p.codec!.name}`.toLowerCase())) {
      list.push(codec(p.kind, p.codec.name, p.codec.clockRate, p.codec.channels));
    }
    if (p.rtx && !list.some((c) => c.mimeType.toLowerCase() === `${p.kind}/rtx`)) list.push(codec(p.kind, 'rtx', p.rtx.clockRate));
    const extensions = (config.headerExtensions[p.kind] ??= []);
    if (extensions.length === 0) extensions.push(...ACCEPTED_EXTENSIONS[p.kind].map((uri) => new RTCRtpHeaderExtensionParameters({ uri })));
  }
}

type OfferableCodec = CodecEntry & { readonly payloadType: number };

/** A codec the server can offer: one of the registry's with a payload type of ours, named exactly (`vp8`, `pcmu`). */
function offerableCodec(name: string): OfferableCodec | undefined {
  const entry = findCodec(name);
  return entry?.name === name && entry.negotiable && entry.payloadType !== undefined ? (entry as OfferableCodec) : undefined;
}

/** The registry's rtcp-fb values of a codec in werift's form (`nack pli` → type nack, parameter pli); none for RTX. */
function feedbackOf(entry: CodecEntry | undefined): RTCRtcpFeedback[] {
  return (entry?.rtcpFb ?? []).map((value) => {
    const space = value.indexOf(' ');
    return space < 0 ? { type: value } : { type: value.slice(0, space), parameter: value.slice(space + 1) };
  });
}

/** The codec parameters of one server-offered track (PT and fmtp from the spec or sensible defaults). */
export function offerCodec(track: OfferTrackSpec): RTCRtpCodecParameters {
  const kind = track.kind === 'video' ? 'video' : 'audio';
  const d = offerableCodec((track.codec ?? (kind === 'audio' ? 'opus' : 'vp8')).toLowerCase());
  if (!d) throw new Error(`unsupported codec '${track.codec}'`);
  if (d.kind !== kind) throw new Error(`codec '${track.codec}' is not a ${kind} codec`);
  const pt = track.pt ?? d.payloadType;
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new Error(`invalid payload type ${String(track.pt)}`);
  return new RTCRtpCodecParameters({
    mimeType: `${kind}/${d.sdpName}`,
    clockRate: track.clockRate ?? d.clockRate,
    channels: track.channels ?? d.channels,
    payloadType: pt,
    parameters: track.fmtp ?? d.fmtp,
    // Our packets carry no transport-wide sequence numbers: a receiver's transport-cc feedback would only cost.
    rtcpFeedback: feedbackOf(d),
  });
}

export function offerExtensions(kind: 'audio' | 'video'): RTCRtpHeaderExtensionParameters[] {
  return OFFER_EXTENSION_IDS[kind].map(([id, uri]) => new RTCRtpHeaderExtensionParameters({ id, uri }));
}

/** Config for a server-side offer; each transceiver gets its own codec list afterwards. */
export function offerConfig(tracks: readonly OfferTrackSpec[], iceLite: boolean): Partial<PeerConfig> {
  const audio = tracks.filter((t) => t.kind === 'audio').map(offerCodec);
  const video = tracks.filter((t) => t.kind === 'video').map(offerCodec);
  return {
    ...baseConfig(iceLite),
    codecs: { audio, video },
    headerExtensions: { audio: offerExtensions('audio'), video: offerExtensions('video') },
  };
}

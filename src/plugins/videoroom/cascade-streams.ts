// How cascaded servers describe and number a remote publisher's streams: the stream entries of
// add_remote_publisher / update_remote_publisher, and the SSRC convention (base, plus 10 per m-line index, plus
// the simulcast layer) both publish_remotely and a remote publisher's receiver follow.
import { EXT_AUDIO_LEVEL, EXT_PLAYOUT_DELAY, EXT_VIDEO_ORIENTATION } from '../../rtp/header-extensions.js';
import type { JsonObject, NegotiatedCodec } from '../plugin.js';
import { check, E, VideoRoomError } from './errors.js';
import { checkRange, RANGES } from './limits.js';
import { PublisherStream } from './publisher.js';
import type { Room } from './room.js';
import { AUDIO_CODECS, VIDEO_CODECS } from './room-settings.js';

/** SSRC of a remotized stream: this base, plus 10 per m-line index, plus the simulcast layer. */
export const REMOTE_SSRC_BASE = 1000;

export function remoteSsrc(mindex: number, layer: number): number {
  return REMOTE_SSRC_BASE + 10 * mindex + layer;
}

/** Payload types a remote publisher's streams are offered with (the sender's own are not known). */
const DEFAULT_PT: Readonly<Record<string, number>> = { opus: 111, multiopus: 111, vp8: 96, vp9: 101, h264: 107, av1: 98, h265: 100, pcmu: 0, pcma: 8, g722: 9 };
const CLOCK_RATE: Readonly<Record<string, number>> = { pcmu: 8000, pcma: 8000, g722: 8000, opus: 48000, multiopus: 48000 };

/** One stream entry of a remote publisher, as the stream at m-line `index` here. */
export function parseRemoteStream(room: Room, e: JsonObject, index: number): PublisherStream {
  check(e, [
    { name: 'type', type: 'string', required: true },
    { name: 'mid', type: 'string', required: true },
    { name: 'mindex', type: 'positive', required: true },
    { name: 'codec', type: 'string' },
    { name: 'description', type: 'string' },
    { name: 'disabled', type: 'boolean' },
    { name: 'simulcast', type: 'boolean' },
  ]);
  checkRange(e, 'mindex', RANGES.mindex);
  const type = e.type as string;
  if (type !== 'audio' && type !== 'video' && type !== 'data') throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (type should be audio, video or data)`);
  let codec: NegotiatedCodec | undefined;
  let allowed = true;
  if (type !== 'data') {
    const name = typeof e.codec === 'string' ? e.codec.toLowerCase() : undefined;
    if (!name) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (codec)');
    const known: readonly string[] = type === 'audio' ? AUDIO_CODECS : VIDEO_CODECS;
    if (!known.includes(name) || DEFAULT_PT[name] === undefined) throw new VideoRoomError(E.MISSING_ELEMENT, `Invalid codec (${name})`);
    allowed = (type === 'audio' ? room.settings.audioCodecs : room.settings.videoCodecs).includes(name);
    const fmtp =
      name === 'opus'
        ? [e.stereo === true ? 'stereo=1' : '', e.fec === true ? 'useinbandfec=1' : '', e.dtx === true ? 'usedtx=1' : ''].filter((x) => x).join(';')
        : name === 'h264' && typeof e.h264_profile === 'string'
          ? `profile-level-id=${e.h264_profile};packetization-mode=1`
          : name === 'vp9' && typeof e.vp9_profile === 'string'
            ? `profile-id=${e.vp9_profile}`
            : undefined;
    codec = { name, pt: DEFAULT_PT[name], clockRate: CLOCK_RATE[name] ?? 90000, channels: name === 'opus' ? 2 : undefined, fmtp: fmtp || undefined };
  }
  // Stream m-lines here are numbered in the order given, whatever the sender called them.
  // The sender's extension ids, as the stream description gives them.
  const extensions = [
    [e.audiolevel_ext_id, EXT_AUDIO_LEVEL],
    [e.videoorient_ext_id, EXT_VIDEO_ORIENTATION],
    [e.playoutdelay_ext_id, EXT_PLAYOUT_DELAY],
  ].flatMap(([id, uri]) => (typeof id === 'number' && id > 0 ? [{ id, uri: uri as string }] : []));
  const s = new PublisherStream(index, String(index), type, codec, e.simulcast === true, type === 'data' ? undefined : extensions, room.newRelayGroup);
  s.remoteMindex = e.mindex as number;
  if (typeof e.description === 'string') s.description = e.description;
  if (e.disabled === true || !allowed) s.disabled = true;
  return s;
}

// A room's settings: what `create` (or a `room-<id>` group of the configuration) may set, their defaults, and
// the description `list` gives. Pure: validation and conversion only.
import { findCodec, type CodecKind } from '../../forwarding/codec-registry.js';
import { findFieldError, isJsonObject, type FieldSpec, type JsonObject } from '../../plugin-api/index.js';
import { E, VideoRoomError } from './errors.js';
import { checkRanges, checkStored, MAX_ALLOWED_TOKENS, RANGES } from './limits.js';

export const AUDIO_CODECS = ['opus', 'multiopus', 'g722', 'pcmu', 'pcma', 'isac32', 'isac16', 'l16-48', 'l16'] as const;
export const VIDEO_CODECS = ['vp8', 'vp9', 'h264', 'av1', 'h265'] as const;

export interface RoomSettings {
  description: string;
  isPrivate: boolean;
  secret: string | undefined;
  pin: string | undefined;
  requirePvtid: boolean;
  signedTokens: boolean;
  publishers: number;
  bitrate: number;
  bitrateCap: boolean;
  firFreq: number;
  audioCodecs: string[];
  videoCodecs: string[];
  vp9Profile: string | undefined;
  h264Profile: string | undefined;
  opusFec: boolean;
  opusDtx: boolean;
  audiolevelExt: boolean;
  audiolevelEvent: boolean;
  audioActivePackets: number;
  audioLevelAverage: number;
  videoorientExt: boolean;
  playoutdelayExt: boolean;
  transportWideCcExt: boolean;
  record: boolean;
  recDir: string | undefined;
  lockRecord: boolean;
  notifyJoining: boolean;
  requireE2ee: boolean;
  dummyPublisher: boolean;
  /** Tokens allowed to join; undefined = the check is off. */
  allowed: Set<string> | undefined;
}

export const ROOM_FIELDS: readonly FieldSpec[] = [
  { name: 'description', type: 'string' },
  { name: 'is_private', type: 'boolean' },
  { name: 'secret', type: 'string' },
  { name: 'pin', type: 'string' },
  { name: 'require_pvtid', type: 'boolean' },
  { name: 'signed_tokens', type: 'boolean' },
  { name: 'publishers', type: 'positive' },
  { name: 'bitrate', type: 'positive' },
  { name: 'bitrate_cap', type: 'boolean' },
  { name: 'fir_freq', type: 'positive' },
  { name: 'audiocodec', type: 'string' },
  { name: 'videocodec', type: 'string' },
  { name: 'vp9_profile', type: 'string' },
  { name: 'h264_profile', type: 'string' },
  { name: 'opus_fec', type: 'boolean' },
  { name: 'opus_dtx', type: 'boolean' },
  { name: 'audiolevel_ext', type: 'boolean' },
  { name: 'audiolevel_event', type: 'boolean' },
  { name: 'audio_active_packets', type: 'positive' },
  { name: 'audio_level_average', type: 'positive' },
  { name: 'videoorient_ext', type: 'boolean' },
  { name: 'playoutdelay_ext', type: 'boolean' },
  { name: 'transport_wide_cc_ext', type: 'boolean' },
  { name: 'record', type: 'boolean' },
  { name: 'rec_dir', type: 'string' },
  { name: 'lock_record', type: 'boolean' },
  { name: 'notify_joining', type: 'boolean' },
  { name: 'require_e2ee', type: 'boolean' },
  { name: 'dummy_publisher', type: 'boolean' },
  { name: 'dummy_streams', type: 'array' },
  { name: 'threads', type: 'positive' },
  { name: 'allowed', type: 'array' },
  { name: 'permanent', type: 'boolean' },
];

/** The numbers a room keeps, with their ranges. */
const ROOM_RANGES = (['publishers', 'bitrate', 'fir_freq', 'audio_active_packets', 'audio_level_average', 'threads'] as const).map((k) => [k, RANGES[k]] as const);
/** What a room keeps as it was given (and shows in `list`, or saves). */
const STORED_KEYS = ['description', 'secret', 'pin', 'rec_dir', 'vp9_profile', 'h264_profile', 'audiocodec', 'videocodec', 'allowed', 'dummy_streams'];

const BOOLEAN_KEYS = new Set(ROOM_FIELDS.filter((f) => f.type === 'boolean').map((f) => f.name));
const NUMBER_KEYS = new Set(ROOM_FIELDS.filter((f) => f.type === 'positive').map((f) => f.name));

/** A configuration group holds text where the API holds booleans and numbers: convert what can be. */
export function fromConfigGroup(group: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(group)) {
    if (typeof v === 'string' && BOOLEAN_KEYS.has(k) && (v === 'true' || v === 'false' || v === 'yes' || v === 'no')) out[k] = v === 'true' || v === 'yes';
    else if (typeof v === 'string' && NUMBER_KEYS.has(k) && /^\d+$/.test(v)) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

/**
 * A room's `audiocodec`/`videocodec`: the registry's names (in any case) of the kind, among those a room allows;
 * an SDP spelling the registry also reads (`opus/48000/2`, `ISAC`) is not a room codec name.
 */
function codecList(text: string | undefined, kind: CodecKind, known: readonly string[], fallback: string, what: string): string[] {
  if (text === undefined || text.trim() === '') return [fallback];
  const list = text
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '')
    .map((c) => {
      const name = findCodec(c, kind)?.name;
      if (name !== c || !known.includes(name)) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${what} can only be ${known.join(', ')})`);
      return name;
    });
  if (list.length > 5) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${what} can have at most 5 codecs)`);
  return list.length > 0 ? list : [fallback];
}

/** Settings from a create request (or a configuration group already passed through fromConfigGroup). */
export function parseRoomSettings(body: JsonObject, roomId: string | number): RoomSettings {
  const bad = findFieldError(body, ROOM_FIELDS, { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT });
  if (bad) throw new VideoRoomError(bad.code, bad.message);
  checkRanges(body, ROOM_RANGES);
  checkStored(body, STORED_KEYS);
  let allowed: Set<string> | undefined;
  if (Array.isArray(body.allowed)) {
    if (!body.allowed.every((t) => typeof t === 'string')) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
    if (body.allowed.length > MAX_ALLOWED_TOKENS) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (allowed can hold at most ${MAX_ALLOWED_TOKENS} tokens)`);
    allowed = new Set(body.allowed);
  }
  const str = (k: string): string | undefined => (typeof body[k] === 'string' && body[k] !== '' ? body[k] : undefined);
  const bool = (k: string, d: boolean): boolean => (typeof body[k] === 'boolean' ? body[k] : d);
  const num = (k: string, d: number): number => (typeof body[k] === 'number' ? body[k] : d);
  let bitrate = num('bitrate', 0);
  if (bitrate > 0 && bitrate < 64000) bitrate = 64000;
  return {
    description: str('description') ?? `Room ${roomId}`,
    isPrivate: bool('is_private', false),
    secret: str('secret'),
    pin: str('pin'),
    requirePvtid: bool('require_pvtid', false),
    signedTokens: bool('signed_tokens', false),
    publishers: Math.max(1, num('publishers', 3)),
    bitrate,
    bitrateCap: bool('bitrate_cap', false),
    firFreq: num('fir_freq', 0),
    audioCodecs: codecList(str('audiocodec'), 'audio', AUDIO_CODECS, 'opus', 'audiocodec'),
    videoCodecs: codecList(str('videocodec'), 'video', VIDEO_CODECS, 'vp8', 'videocodec'),
    vp9Profile: str('vp9_profile'),
    h264Profile: str('h264_profile'),
    opusFec: bool('opus_fec', true),
    opusDtx: bool('opus_dtx', false),
    audiolevelExt: bool('audiolevel_ext', true),
    audiolevelEvent: bool('audiolevel_event', false),
    // 0 means the default, as in Janus.
    audioActivePackets: num('audio_active_packets', 0) || 100,
    audioLevelAverage: num('audio_level_average', 0) || 25,
    videoorientExt: bool('videoorient_ext', true),
    playoutdelayExt: bool('playoutdelay_ext', true),
    transportWideCcExt: bool('transport_wide_cc_ext', true),
    record: bool('record', false),
    recDir: str('rec_dir'),
    lockRecord: bool('lock_record', false),
    notifyJoining: bool('notify_joining', false),
    requireE2ee: bool('require_e2ee', false),
    dummyPublisher: bool('dummy_publisher', false),
    allowed,
  };
}

/** The settings as a room description in `list`. */
export function describeRoom(id: string | number, s: RoomSettings, participants: number): JsonObject {
  const out: JsonObject = {
    room: id,
    description: s.description,
    pin_required: s.pin !== undefined,
    is_private: s.isPrivate,
    max_publishers: s.publishers,
    bitrate: s.bitrate,
    fir_freq: s.firFreq,
    require_pvtid: s.requirePvtid,
    require_e2ee: s.requireE2ee,
    dummy_publisher: s.dummyPublisher,
    notify_joining: s.notifyJoining,
    audiocodec: s.audioCodecs.join(','),
    videocodec: s.videoCodecs.join(','),
    record: s.record,
    lock_record: s.lockRecord,
    num_participants: participants,
    audiolevel_ext: s.audiolevelExt,
    audiolevel_event: s.audiolevelEvent,
    videoorient_ext: s.videoorientExt,
    playoutdelay_ext: s.playoutdelayExt,
    transport_wide_cc_ext: s.transportWideCcExt,
  };
  if (s.bitrateCap) out.bitrate_cap = true;
  if (s.audioCodecs.includes('opus')) {
    out.opus_fec = s.opusFec;
    if (s.opusDtx) out.opus_dtx = true;
  }
  if (s.recDir) out.rec_dir = s.recDir;
  if (s.audiolevelEvent) {
    out.audio_active_packets = s.audioActivePackets;
    out.audio_level_average = s.audioLevelAverage;
  }
  if (s.vp9Profile) out.vp9_profile = s.vp9Profile;
  if (s.h264Profile) out.h264_profile = s.h264Profile;
  return out;
}

/** The settings as a `room-<id>` group of the saved state (permanent rooms). */
export function settingsToGroup(s: RoomSettings): JsonObject {
  const g: JsonObject = {
    description: s.description,
    is_private: s.isPrivate,
    publishers: s.publishers,
    bitrate: s.bitrate,
    bitrate_cap: s.bitrateCap,
    fir_freq: s.firFreq,
    audiocodec: s.audioCodecs.join(','),
    videocodec: s.videoCodecs.join(','),
    opus_fec: s.opusFec,
    opus_dtx: s.opusDtx,
    audiolevel_ext: s.audiolevelExt,
    audiolevel_event: s.audiolevelEvent,
    audio_active_packets: s.audioActivePackets,
    audio_level_average: s.audioLevelAverage,
    videoorient_ext: s.videoorientExt,
    playoutdelay_ext: s.playoutdelayExt,
    transport_wide_cc_ext: s.transportWideCcExt,
    record: s.record,
    lock_record: s.lockRecord,
    notify_joining: s.notifyJoining,
    require_pvtid: s.requirePvtid,
    require_e2ee: s.requireE2ee,
    signed_tokens: s.signedTokens,
  };
  for (const [k, v] of [
    ['secret', s.secret],
    ['pin', s.pin],
    ['rec_dir', s.recDir],
    ['vp9_profile', s.vp9Profile],
    ['h264_profile', s.h264Profile],
  ] as const)
    if (v !== undefined) g[k] = v;
  if (s.allowed) g.allowed = [...s.allowed];
  return g;
}

export function isRoomGroup(name: string, group: unknown): group is JsonObject {
  return name.startsWith('room-') && isJsonObject(group);
}

// An AudioBridge room's settings: from a configuration group (`room-<id>`, values may be text), from a `create`
// request, and back to what a permanent room saves.
import { isJsonObject, PluginError, type JsonObject } from '../../plugin-api/index.js';
import { isOpusRate, type OpusRate } from '../../audio/opus-codec.js';
import { isTrue } from '../plugin-settings.js';
import { isAudioCodec, type AudioCodec } from './audio-codec.js';
import { E } from './audiobridge-error.js';

export type RoomId = number | string;

/** A forwarder the configuration starts with the room (`rtp_forward_*` keys). */
export interface StaticForwarder {
  readonly id?: number;
  readonly host: string;
  readonly hostFamily?: 'ipv4' | 'ipv6';
  readonly port: number;
  readonly ssrc?: number;
  readonly codec: AudioCodec;
  readonly ptype?: number;
  readonly group?: string;
  readonly srtpSuite?: number;
  readonly srtpCrypto?: string;
  readonly alwaysOn: boolean;
}

export interface RoomSettings {
  description: string;
  secret: string | undefined;
  pin: string | undefined;
  isPrivate: boolean;
  readonly rate: OpusRate;
  readonly spatial: boolean;
  readonly audiolevelExt: boolean;
  readonly audiolevelEvent: boolean;
  readonly audioActivePackets: number;
  readonly audioLevelAverage: number;
  readonly defaultPrebuffering: number;
  readonly defaultExpectedLoss: number;
  readonly defaultBitrate: number;
  record: boolean;
  recordFile: string | undefined;
  recordDir: string | undefined;
  mjrs: boolean;
  mjrsDir: string | undefined;
  readonly allowRtpParticipants: boolean;
  /** Joining needs a token the core signed for this plugin naming `room=<id>` (when the core signs tokens). */
  readonly signedTokens: boolean;
  readonly groups: readonly string[];
  readonly forwarder?: StaticForwarder;
}

export const DEFAULT_RATE: OpusRate = 16000;
export const DEFAULT_PREBUFFERING = 6;
export const MAX_PREBUFFERING = 50;
export const MAX_EXPECTED_LOSS = 20;
/** Janus allows up to five groups in a room. */
export const MAX_GROUPS = 5;

/** The checked room settings from a create request's (or a configuration group's) members; throws PluginError. */
export function roomSettings(values: JsonObject, id: RoomId): RoomSettings {
  const num = (key: string, fallback: number): number => {
    const v = values[key];
    if (v === undefined || v === null || v === '') return fallback;
    // Numbers, and strings from a configuration file; an object or array is never converted (its toString may throw).
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 0) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (${key} should be a positive integer)`);
    return n;
  };
  const text = (key: string): string | undefined => {
    const v = values[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new PluginError(E.INVALID_ELEMENT, `Invalid element (${key} should be a string)`);
    return String(v);
  };
  const rate = num('sampling_rate', num('sampling', DEFAULT_RATE)) || DEFAULT_RATE;
  if (!isOpusRate(rate)) throw new PluginError(E.INVALID_ELEMENT, `Unsupported sampling rate ${rate}`);
  const groups = groupsOf(values.groups);
  const description = text('description');
  const expectedLoss = num('default_expectedloss', 0);
  if (expectedLoss > MAX_EXPECTED_LOSS) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (default_expectedloss should be at most ${MAX_EXPECTED_LOSS})`);
  const prebuffering = num('default_prebuffering', DEFAULT_PREBUFFERING);
  if (prebuffering > MAX_PREBUFFERING) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (default_prebuffering should be at most ${MAX_PREBUFFERING})`);
  return {
    description: description !== undefined && description !== '' ? description : `Room ${id}`,
    secret: text('secret'),
    pin: text('pin'),
    isPrivate: isTrue(values.is_private),
    rate,
    spatial: isTrue(values.spatial_audio),
    audiolevelExt: values.audiolevel_ext === undefined ? true : isTrue(values.audiolevel_ext),
    audiolevelEvent: isTrue(values.audiolevel_event),
    audioActivePackets: num('audio_active_packets', 100) || 100,
    audioLevelAverage: num('audio_level_average', 25) || 25,
    defaultPrebuffering: prebuffering,
    defaultExpectedLoss: expectedLoss,
    defaultBitrate: num('default_bitrate', 0),
    record: isTrue(values.record),
    recordFile: text('record_file'),
    recordDir: text('record_dir'),
    mjrs: isTrue(values.mjrs),
    mjrsDir: text('mjrs_dir'),
    allowRtpParticipants: isTrue(values.allow_rtp_participants),
    signedTokens: isTrue(values.signed_tokens),
    groups,
    forwarder: staticForwarder(values, num, text),
  };
}

function groupsOf(value: unknown): readonly string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',').map((g) => g.trim()) : undefined;
  if (!list || !list.every((g) => typeof g === 'string' && g !== '')) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (groups should be an array of strings)');
  if (list.length > MAX_GROUPS) throw new PluginError(E.INVALID_ELEMENT, `Too many groups (at most ${MAX_GROUPS})`);
  if (new Set(list).size !== list.length) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (groups has duplicates)');
  return list as string[];
}

function staticForwarder(values: JsonObject, num: (key: string, fallback: number) => number, text: (key: string) => string | undefined): StaticForwarder | undefined {
  const host = text('rtp_forward_host');
  const port = num('rtp_forward_port', 0);
  if (host === undefined || port === 0) return undefined;
  const codec = text('rtp_forward_codec') ?? 'opus';
  if (!isAudioCodec(codec)) throw new PluginError(E.INVALID_ELEMENT, `Unsupported codec ${codec}`);
  const family = text('rtp_forward_host_family');
  return {
    id: num('rtp_forward_id', 0) || undefined,
    host,
    hostFamily: family === 'ipv4' || family === 'ipv6' ? family : undefined,
    port,
    ssrc: num('rtp_forward_ssrc', 0) || undefined,
    codec,
    ptype: num('rtp_forward_ptype', 0) || undefined,
    group: text('rtp_forward_group'),
    srtpSuite: num('rtp_forward_srtp_suite', 0) || undefined,
    srtpCrypto: text('rtp_forward_srtp_crypto'),
    alwaysOn: isTrue(values.rtp_forward_always_on),
  };
}

/** A group of the plugin's configuration that describes a room. */
export function isRoomGroup(name: string, group: unknown): group is JsonObject {
  return name.startsWith('room-') && name.length > 'room-'.length && isJsonObject(group);
}

/** What is saved of a permanent room (as Janus writes its configuration). */
export function settingsToGroup(s: RoomSettings): JsonObject {
  const g: JsonObject = { description: s.description, sampling_rate: s.rate };
  if (s.isPrivate) g.is_private = true;
  if (s.secret !== undefined) g.secret = s.secret;
  if (s.pin !== undefined) g.pin = s.pin;
  if (s.spatial) g.spatial_audio = true;
  if (!s.audiolevelExt) g.audiolevel_ext = false;
  if (s.audiolevelEvent) {
    g.audiolevel_event = true;
    g.audio_active_packets = s.audioActivePackets;
    g.audio_level_average = s.audioLevelAverage;
  }
  if (s.defaultPrebuffering !== DEFAULT_PREBUFFERING) g.default_prebuffering = s.defaultPrebuffering;
  if (s.defaultExpectedLoss > 0) g.default_expectedloss = s.defaultExpectedLoss;
  if (s.defaultBitrate > 0) g.default_bitrate = s.defaultBitrate;
  if (s.record) g.record = true;
  if (s.recordFile !== undefined) g.record_file = s.recordFile;
  if (s.recordDir !== undefined) g.record_dir = s.recordDir;
  if (s.mjrs) g.mjrs = true;
  if (s.mjrsDir !== undefined) g.mjrs_dir = s.mjrsDir;
  if (s.allowRtpParticipants) g.allow_rtp_participants = true;
  if (s.signedTokens) g.signed_tokens = true;
  if (s.groups.length > 0) g.groups = [...s.groups];
  return g;
}

// Janus API fuzzing of the plugins, in process: random and mutated `message` bodies for every request name of
// EchoTest, Streaming and VideoRoom go through the gateway as a transport would hand them over. Every answer must be
// a Janus success/ack/event or a Janus error, no exception may escape, no error text may be a JavaScript exception's,
// no call may take over HANG_MS, and the server must keep answering. The suite's short run (plugin-requests.test.ts)
// and `npm run fuzz` use the same plugin targets.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { EventSink } from '../../src/core/event-sink.js';
import type { JsonObject } from '../../src/core/validate.js';
import { REQUEST_NAMES as VIDEOROOM_REQUESTS } from '../../src/plugins/videoroom/request-table.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { HANG_MS } from './engine.js';
import { errorDetail, errorText } from '../../src/logging/error-text.js';
import { installLoopbackGuard } from './loopback-guard.js';
import { describeInput } from './mutate.js';

/** Text a JavaScript exception leaves in a message: its class, V8's phrases, a stack frame. */
export const EXCEPTION_TEXT =
  /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError|AggregateError)\b|Cannot (read|set) propert|is not a function|is not iterable|is not a constructor|is not defined|Maximum call stack|Invalid array length|Invalid string length|\bat \S+ \(|\.[cm]?js:\d+/;

export interface ApiTarget {
  readonly name: string;
  readonly plugin: string;
  readonly requests: readonly string[];
  /** Valid bodies: the seeds mutated. */
  readonly samples: readonly JsonObject[];
}

const S = 'janus.plugin.streaming';
const V = 'janus.plugin.videoroom';
const E = 'janus.plugin.echotest';

export const API_TARGETS: readonly ApiTarget[] = [
  {
    name: 'echotest-api',
    plugin: E,
    // The EchoTest has no request names: a body is a set of settings.
    requests: [''],
    samples: [
      { audio: true, video: true, bitrate: 128000 },
      { record: true, filename: 'fuzz-echo' },
      { substream: 1, temporal: 2, fallback: 500 },
      { svc: true, spatial_layer: 1, temporal_layer: 0 },
      { keyframe: true, min_delay: 0, max_delay: 10 },
      { audiocodec: 'opus', videocodec: 'vp8', videoprofile: '42e01f', opusred: false },
    ],
  },
  {
    name: 'audiobridge-api',
    plugin: 'janus.plugin.audiobridge',
    requests: [
      'create',
      'edit',
      'destroy',
      'exists',
      'list',
      'listparticipants',
      'allowed',
      'kick',
      'kick_all',
      'mute',
      'unmute',
      'mute_room',
      'unmute_room',
      'suspend',
      'resume',
      'enable_recording',
      'enable_mjrs',
      'rtp_forward',
      'stop_rtp_forward',
      'listforwarders',
      'play_file',
      'is_playing',
      'stop_file',
      'stop_all_files',
      'listannouncements',
      'resetdecoder',
      'join',
      'configure',
      'changeroom',
      'leave',
      'hangup',
    ],
    samples: [
      { request: 'create', room: 9001, sampling_rate: 48000, spatial_audio: true, secret: 's', pin: 'p', groups: ['a', 'b'], allow_rtp_participants: true, audiolevel_event: true },
      { request: 'join', room: 1234, display: 'fuzz', muted: false, codec: 'opus', quality: 4, volume: 120, spatial_position: 30, expected_loss: 5 },
      { request: 'join', room: 1234, rtp: { ip: '127.0.0.1', port: 5000, payload_type: 111, audiolevel_ext: 1, fec: true } },
      { request: 'configure', muted: true, display: 'x', bitrate: 24000, quality: 5, record: false, generate_offer: false },
      { request: 'changeroom', room: 1234, id: 5, display: 'y' },
      {
        request: 'rtp_forward',
        room: 1234,
        secret: 'adminpwd',
        host: '127.0.0.1',
        port: 5002,
        codec: 'pcmu',
        ssrc: 5,
        always_on: true,
        srtp_suite: 80,
        srtp_crypto: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk',
      },
      { request: 'play_file', room: 1234, secret: 'adminpwd', filename: 'missing.opus', file_id: 'f', loop: true },
      { request: 'suspend', room: 1234, secret: 'adminpwd', id: 5, pause_events: true },
      { request: 'enable_recording', room: 1234, secret: 'adminpwd', record: true, record_file: 'fuzz.wav' },
      { request: 'allowed', room: 1234, secret: 'adminpwd', action: 'add', allowed: ['t'] },
    ],
  },
  {
    name: 'nosip-api',
    plugin: 'janus.plugin.nosip',
    requests: ['generate', 'process', 'hangup', 'recording', 'keyframe', 'rtp_forward', 'stop_rtp_forward', 'listforwarders'],
    samples: [
      { request: 'generate', srtp: 'sdes_optional', srtp_profile: 'AES_CM_128_HMAC_SHA1_32', info: 'x', update: false },
      {
        request: 'process',
        type: 'offer',
        sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/SAVP 0 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\nm=video 5002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n',
        srtp: 'sdes_mandatory',
      },
      { request: 'process', type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n', update: true },
      { request: 'recording', action: 'start', audio: true, video: true, peer_audio: true, peer_video: true, filename: 'fuzz-nosip' },
      { request: 'recording', action: 'stop', audio: true, peer_video: true },
      { request: 'keyframe', user: true, peer: true },
      {
        request: 'rtp_forward',
        streams: [{ type: 'peer_audio', host: '127.0.0.1', host_family: 'ipv4', port: 5004, ssrc: 1, pt: 111, srtp_suite: 80, srtp_crypto: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk' }],
      },
      { request: 'stop_rtp_forward', stream_id: 1 },
      { request: 'listforwarders' },
      { request: 'hangup' },
    ],
  },
  {
    name: 'streaming-api',
    plugin: S,
    requests: ['list', 'info', 'create', 'edit', 'destroy', 'enable', 'disable', 'kick_all', 'recording', 'watch', 'start', 'pause', 'configure', 'switch', 'stop'],
    samples: [
      {
        request: 'create',
        type: 'rtp',
        id: 7001,
        description: 'fuzz',
        media: [
          { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
          { type: 'video', mid: 'v', port: 0, pt: 96, codec: 'vp8', simulcast: true },
          { type: 'data', mid: 'd', port: 0 },
        ],
      },
      {
        request: 'create',
        type: 'rtp',
        id: 7002,
        audio: true,
        audioport: 0,
        audiopt: 0,
        audiortpmap: 'PCMU/8000',
        video: true,
        videoport: 0,
        videopt: 100,
        videortpmap: 'VP8/90000',
        videobufferkf: true,
      },
      { request: 'create', type: 'live', id: 7003, filename: 'missing.opus', audio: true },
      { request: 'create', type: 'rtsp', id: 7004, url: 'rtsp://127.0.0.1:1/cam', rtsp_user: 'u', rtsp_pwd: 'p', video: true },
      { request: 'info', id: 7001 },
      { request: 'edit', id: 7001, new_description: 'x', new_secret: 's', new_pin: 'p', new_metadata: { a: [1, 2] } },
      { request: 'recording', action: 'start', id: 7001, audio: 'fuzz-rec-a', video: 'fuzz-rec-v', data: 'fuzz-rec-d' },
      { request: 'recording', action: 'stop', id: 7001, audio: true, video: true },
      { request: 'watch', id: 7001, media: ['a', 'v'], offer_audio: true, offer_video: true, offer_data: true },
      { request: 'configure', substream: 1, temporal: 0, fallback: 500, spatial_layer: 1, temporal_layer: 0, audio: true, video: true, data: false, streams: [{ mid: 'a', send: false }] },
      { request: 'switch', id: 7002 },
      { request: 'enable', id: 7001 },
      { request: 'kick_all', id: 7001 },
      { request: 'destroy', id: 7002, permanent: false },
      { request: 'list' },
    ],
  },
  {
    name: 'videoroom-api',
    plugin: V,
    requests: VIDEOROOM_REQUESTS,
    samples: [
      {
        request: 'create',
        room: 8001,
        description: 'fuzz',
        publishers: 3,
        bitrate: 128000,
        fir_freq: 10,
        audiocodec: 'opus',
        videocodec: 'vp8,h264',
        record: false,
        rec_dir: 'fuzz-rooms',
        allowed: ['t1'],
        metadata: { a: 1 },
      },
      { request: 'edit', room: 8001, new_description: 'y', new_publishers: 4, new_bitrate: 256000, new_rec_dir: 'fuzz-rooms-2', new_lock_record: true },
      { request: 'join', ptype: 'publisher', room: 8001, id: 55, display: 'fuzz', metadata: { x: 'y' } },
      { request: 'joinandconfigure', ptype: 'publisher', room: 8001, audio: true, video: true, bitrate: 64000, record: true, filename: 'fuzz-pub' },
      { request: 'join', ptype: 'subscriber', room: 8001, streams: [{ feed: 55, mid: '0' }, { feed: 55 }], use_msid: true, private_id: 1 },
      { request: 'configure', audio: true, video: false, streams: [{ mid: '0', send: true, substream: 2, temporal: 1 }], descriptions: [{ mid: '0', description: 'cam' }] },
      { request: 'subscribe', streams: [{ feed: 55, mid: '1' }] },
      { request: 'unsubscribe', streams: [{ feed: 55 }] },
      { request: 'switch', streams: [{ feed: 56, mid: '0', sub_mid: '0' }] },
      { request: 'rtp_forward', room: 8001, publisher_id: 55, host: '127.0.0.1', host_family: 'ipv4', streams: [{ mid: '0', port: 5004, ssrc: 1, pt: 111 }] },
      { request: 'stop_rtp_forward', room: 8001, publisher_id: 55, stream_id: 1 },
      { request: 'kick', room: 8001, id: 55 },
      { request: 'moderate', room: 8001, id: 55, mid: '0', mute: true },
      { request: 'allowed', room: 8001, action: 'add', allowed: ['a', 'b'] },
      { request: 'enable_recording', room: 8001, record: true },
      { request: 'publish_remotely', room: 8001, publisher_id: 55, remote_id: 'r1', host: '127.0.0.1', audio_port: 6000, video_port: 6002, data_port: 6004 },
      { request: 'add_remote_publisher', room: 8001, id: 77, display: 'remote', streams: [{ type: 'audio', mid: '0', codec: 'opus' }] },
      { request: 'listparticipants', room: 8001 },
      { request: 'destroy', room: 8001, permanent: false },
      { request: 'exists', room: 1234 },
      { request: 'leave' },
    ],
  },
];

// Names any plugin reads; a random body draws its fields from these, with values from `value` below.
const FIELDS = [
  'request',
  'room',
  'id',
  'feed',
  'feeds',
  'publisher_id',
  'private_id',
  'stream_id',
  'remote_id',
  'mid',
  'sub_mid',
  'mindex',
  'streams',
  'media',
  'descriptions',
  'description',
  'display',
  'metadata',
  'secret',
  'pin',
  'token',
  'admin_key',
  'allowed',
  'action',
  'permanent',
  'is_private',
  'ptype',
  'type',
  'audio',
  'video',
  'data',
  'bitrate',
  'record',
  'filename',
  'rec_dir',
  'new_rec_dir',
  'publishers',
  'new_publishers',
  'fir_freq',
  'audiocodec',
  'videocodec',
  'substream',
  'temporal',
  'fallback',
  'spatial_layer',
  'temporal_layer',
  'keyframe',
  'svc',
  'host',
  'host_family',
  'port',
  'audio_port',
  'video_port',
  'data_port',
  'audioport',
  'videoport',
  'dataport',
  'rtcp_port',
  'pt',
  'ssrc',
  'codec',
  'fmtp',
  'rtpmap',
  'mcast',
  'iface',
  'url',
  'rtsp_user',
  'rtsp_pwd',
  'simulcast',
  'srtpsuite',
  'srtpcrypto',
  'offer_audio',
  'offer_video',
  'offer_data',
  'send',
  'mute',
  'new_description',
  'new_secret',
  'new_pin',
  'new_metadata',
  'new_bitrate',
  'new_is_private',
  'new_lock_record',
  'lock_record',
  'audiolevel_event',
  'require_pvtid',
  'notify_joining',
  'collision',
  'threads',
  'min_delay',
  'max_delay',
  'opusred',
  'videoprofile',
  'e2ee',
  'dummy_publisher',
  'dummy_streams',
  'restart',
  'update',
  'close_pc',
  'use_msid',
  'autoupdate',
  'playoutdelay_ext',
] as const;

const PORT_FIELDS = new Set(['port', 'audio_port', 'video_port', 'data_port', 'audioport', 'videoport', 'dataport', 'rtcp_port']);

/** No '/' or '\': a name a plugin turns into a file stays in the fuzz folder (the process's working folder). */
const safeText = fc.string({ maxLength: 24, unit: fc.constantFrom(...'abcxyzABC019 -_.:@#%*,;=?!~\'"{}[]()<>é€\u0000\u200b\ud800'.split('')) });

const NASTY: readonly unknown[] = [
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  'toString',
  '0',
  '-1',
  '1e999',
  '0x10',
  '..',
  '.',
  'rtsp://127.0.0.1:1/x',
  'rtsp://',
  'rtp://127.0.0.1:1',
  '127.0.0.1',
  '::1',
  '[::1]',
  '232.1.2.3',
  'ff05::1',
  '255.255.255.255',
  '0.0.0.0',
  '::',
  'lo',
  'eth0',
  'x'.repeat(70_000),
  'vp8,vp8,vp8,h264,av1,h265,vp9',
  'opus,pcmu,pcma,g722,isac16,isac32,multiopus',
  0,
  -1,
  1,
  2,
  3,
  1234,
  65535,
  65536,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  -1e308,
  0.5,
  -0.0,
  1e-300,
  true,
  false,
  null,
  [],
  {},
  [[]],
  [{}],
  [null],
  [1, 2, 3],
  { mid: null },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  Array.from({ length: 5000 }, (_, i) => i),
  Array.from({ length: 200 }, () => ({ feed: 1, mid: '0' })),
  (() => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) deep = [deep];
    return deep;
  })(),
  (() => {
    let deep: unknown = {};
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    return deep;
  })(),
];

const scalar = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), safeText);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalar, weight: 4 },
  { arbitrary: fc.constantFrom(...NASTY), weight: 3 },
  { arbitrary: fc.array(fc.oneof(scalar, fc.dictionary(fc.constantFrom(...FIELDS), scalar, { maxKeys: 5 })), { maxLength: 5 }), weight: 2 },
  { arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), scalar, { maxKeys: 6 }), weight: 1 },
);
const portValue = fc.constantFrom<unknown>(0, -1, 65536, 70000, 2 ** 31, 1.5, '0', 'abc', null, true, [], {});

function fieldValue(name: string): fc.Arbitrary<unknown> {
  return PORT_FIELDS.has(name) ? portValue : value;
}

/** Some fields, with random values (ports only from values that bind nothing on this host's fixed ports). */
const randomFields: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.constantFrom(...FIELDS), { maxLength: 8 })
  .chain((names) => fc.tuple(...names.map((n) => fieldValue(n))).map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]]))));

type BodyMutation = (b: Record<string, unknown>) => Record<string, unknown>;
const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.tuple(fc.nat(), value).map(([i, v]): BodyMutation => (b) => {
    const keys = Object.keys(b);
    if (keys.length === 0 || keys[i % keys.length] === 'request') return b;
    return { ...b, [keys[i % keys.length]]: PORT_FIELDS.has(keys[i % keys.length]) ? 0 : v };
  }),
  fc.nat().map((i): BodyMutation => (b) => {
    const keys = Object.keys(b);
    if (keys.length === 0) return b;
    const { [keys[i % keys.length]]: _gone, ...rest } = b;
    return rest;
  }),
  randomFields.map((extra): BodyMutation => (b) => ({ ...extra, ...b, request: b.request })),
  fc.tuple(fc.nat(), fc.constantFrom<unknown>(...NASTY)).map(([i, v]): BodyMutation => (b) => {
    // A nested value (a stream or media entry) replaced.
    const keys = Object.keys(b).filter((k) => Array.isArray(b[k]));
    if (keys.length === 0) return b;
    const k = keys[i % keys.length];
    const list = [...(b[k] as unknown[])];
    if (list.length > 0) list[i % list.length] = v;
    return { ...b, [k]: list };
  }),
);

/** Bodies for one plugin: named requests with random fields, mutated samples, and bodies that are no object at all. */
export function bodies(t: ApiTarget): fc.Arbitrary<unknown> {
  const named = fc.tuple(fc.constantFrom(...t.requests), randomFields).map(([request, fields]) => (request === '' ? fields : { ...fields, request }));
  const mutated = fc.tuple(fc.constantFrom(...t.samples), fc.array(bodyMutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => ms.reduce<Record<string, unknown>>((b, m) => m(b), { ...s }));
  const wrong = fc.oneof(fc.constantFrom<unknown>(null, 42, 'create', [], [{ request: 'list' }], true), fc.jsonValue({ maxDepth: 3 }));
  return fc.oneof({ arbitrary: named, weight: 4 }, { arbitrary: mutated, weight: 5 }, { arbitrary: fc.constantFrom(...t.samples), weight: 1 }, { arbitrary: wrong, weight: 1 });
}

/**
 * Findings in code this fuzzing does not own, each with the body that shows it: until they are fixed, inputs that
 * match are answered and counted but not held to the checks (every other input still is). Remove an entry once fixed.
 */
export interface KnownFinding {
  readonly target: string;
  readonly what: string;
  readonly reproduction: JsonObject;
  readonly matches: (body: unknown) => boolean;
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [];

/** What the client saw: replies and events a transport would have sent. */
class CollectingSink implements EventSink {
  readonly transport = 'janus.transport.fuzz';
  readonly peer = 'fuzz';
  readonly events: JsonObject[] = [];
  deliver(_sessionId: number, message: JsonObject): void {
    this.events.push(message);
  }
}

/** A message the client got is a Janus answer, and no error text in it is an exception's. */
export function checkMessage(m: JsonObject, context: string): void {
  const janus = m.janus;
  assert.ok(
    typeof janus === 'string' && ['success', 'ack', 'error', 'event', 'hangup', 'detached', 'webrtcup', 'media', 'slowlink', 'timeout', 'trickle'].includes(janus),
    `${context}: not a Janus answer: ${describeInput(m, 300)}`,
  );
  const text = JSON.stringify(m);
  if (janus === 'error') {
    const e = m.error as { code?: unknown; reason?: unknown } | undefined;
    assert.ok(e && typeof e.code === 'number' && typeof e.reason === 'string', `${context}: error without code and reason: ${text.slice(0, 300)}`);
    assert.doesNotMatch(e.reason, EXCEPTION_TEXT, `${context}: exception text in the error reason`);
  }
  const data = (m.plugindata as { data?: Record<string, unknown> } | undefined)?.data;
  if (data && data.error !== undefined) {
    assert.equal(typeof data.error, 'string', `${context}: plugin error is no string: ${text.slice(0, 300)}`);
    assert.equal(typeof data.error_code, 'number', `${context}: plugin error without error_code: ${text.slice(0, 300)}`);
    assert.doesNotMatch(data.error as string, EXCEPTION_TEXT, `${context}: exception text in the plugin error`);
  }
}

export interface ApiFuzzReport {
  readonly name: string;
  readonly runs: number;
  readonly seconds: number;
  readonly inputsPerSecond: number;
  readonly slowestMs: number;
  readonly slowestInput: string;
  /** How the answers came: "success", "ack", "error 456", "event 429"... with their counts. */
  readonly answers: Readonly<Record<string, number>>;
  /** Inputs that matched a KNOWN_FINDINGS entry. */
  readonly knownHits: number;
  readonly failure?: string;
}

/** "success", "error 454", "event 426": a reply or event by its kind and error code. */
function answerKind(m: JsonObject): string {
  const data = (m.plugindata as { data?: Record<string, unknown> } | undefined)?.data;
  if (m.janus === 'error') return `error ${String((m.error as { code?: unknown } | undefined)?.code)}`;
  if (data && data.error_code !== undefined) return `${String(m.janus)} plugin error ${JSON.stringify(data.error_code)}`;
  return String(m.janus);
}

/** The fuzz folder: the process works in it, so a file a request names lands there. */
export function enterFuzzFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-apifuzz-'));
  process.chdir(dir);
  return dir;
}

/** An in-process server with the loopback guard on, for API fuzzing. */
export async function startFuzzServer(): Promise<StartedServer> {
  installLoopbackGuard();
  return startInProcess([
    ['general.log_level', '0'],
    ['general.recordings_dir', process.cwd()],
  ]);
}

/** Feeds `runs` bodies to one plugin through the gateway (a fresh handle every 40 inputs). */
export async function fuzzPluginApi(srv: StartedServer, t: ApiTarget, runs: number, seed?: number): Promise<ApiFuzzReport> {
  const gateway = srv.server.gateway;
  const sink = new CollectingSink();
  let tx = 0;
  const call = (request: JsonObject): Promise<JsonObject> => new Promise((resolve) => void gateway.handle(sink, { ...request, transaction: `f${++tx}` }, resolve));
  const session = ((await call({ janus: 'create' })).data as { id: number }).id;
  let handle = 0;
  let used = 0;
  const attach = async (): Promise<void> => {
    if (handle) await call({ janus: 'detach', session_id: session, handle_id: handle });
    const r = await call({ janus: 'attach', session_id: session, plugin: t.plugin });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    handle = (r.data as { id: number }).id;
    used = 0;
  };
  await attach();
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => void escaped.push(err);
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  // A client's number that reaches a timer unchecked: Node clamps it to 1 ms and says so.
  const overflows: string[] = [];
  const onWarning = (w: Error): void => void (w.name === 'TimeoutOverflowWarning' && overflows.push(w.message));
  process.on('warning', onWarning);
  let slowestMs = 0;
  let slowest: unknown;
  let checked = 0;
  let knownHits = 0;
  const answers: Record<string, number> = {};
  const count = (m: JsonObject): void => void (answers[answerKind(m)] = (answers[answerKind(m)] ?? 0) + 1);
  const started = performance.now();
  try {
    const result = await fc.check(
      fc.asyncProperty(bodies(t), fc.boolean(), async (body, withJsep) => {
        const known = KNOWN_FINDINGS.find((k) => k.target === t.name && k.matches(body));
        if (++used > 40) {
          await attach();
          sink.events.splice(0, checked);
          checked = 0;
        }
        const request: JsonObject = { janus: 'message', session_id: session, handle_id: handle, body };
        // Now and then a broken SDP offer rides along (the plugin hands it to the media layer, which refuses it).
        if (withJsep && typeof body === 'object' && body !== null && used % 7 === 0)
          request.jsep = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' };
        const t0 = performance.now();
        const reply = await call(request);
        let ms = performance.now() - t0;
        // A slow answer is asked again: a GC pause or a busy machine is not the body's doing.
        if (ms > HANG_MS) {
          const t1 = performance.now();
          await call(request);
          ms = Math.min(ms, performance.now() - t1);
        }
        // Warnings are emitted on the next tick: let them come before judging this body.
        await new Promise((r) => setImmediate(r));
        if (known) {
          knownHits++;
          checked = sink.events.length;
          overflows.length = 0;
          return;
        }
        assert.deepEqual(overflows.splice(0), [], 'a value from the body reached a timer unchecked (TimeoutOverflowWarning)');
        if (ms > slowestMs) {
          slowestMs = ms;
          slowest = body;
        }
        checkMessage(reply, `reply to ${describeInput(body, 300)}`);
        count(reply);
        // Let the plugin's asynchronous answer (after an ack) arrive, then check what came.
        // Events that come later are checked with the next input's.
        for (; checked < sink.events.length; checked++) {
          checkMessage(sink.events[checked], `event after ${describeInput(body, 300)} (or the body before it)`);
          count(sink.events[checked]);
        }
        assert.equal(escaped.length, 0, `an exception escaped: ${escaped.map((e) => errorDetail(e)).join('\n')}`);
        assert.ok(ms <= HANG_MS, `answered in ${ms.toFixed(1)} ms (limit ${HANG_MS} ms)`);
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    for (; checked < sink.events.length; checked++) checkMessage(sink.events[checked], 'an event after the last body');
    // Still serving: a ping, and a valid request to the plugin.
    assert.equal((await call({ janus: 'ping' })).janus, 'pong');
    await attach();
    const list = await call({ janus: 'message', session_id: session, handle_id: handle, body: t.requests[0] === '' ? { audio: true } : { request: 'list' } });
    assert.ok(list.janus === 'success' || list.janus === 'ack', `the plugin still answers: ${JSON.stringify(list).slice(0, 300)}`);
    const seconds = (performance.now() - started) / 1000;
    const failure = result.failed
      ? `${errorText(result.errorInstance)}\n  body: ${describeInput(result.counterexample?.[0])}\n  replay: seed ${result.seed}, path "${result.counterexamplePath}"`
      : undefined;
    return {
      name: t.name,
      runs: result.numRuns,
      seconds,
      inputsPerSecond: result.numRuns / seconds,
      slowestMs,
      slowestInput: describeInput(slowest, 200),
      answers,
      knownHits,
      ...(failure ? { failure } : {}),
    };
  } finally {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    process.off('warning', onWarning);
    await call({ janus: 'destroy', session_id: session });
  }
}

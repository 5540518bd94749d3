// The VideoRoom against hostile requests, driven straight through the plugin interface with stand-in handles (no
// PeerConnection: the handle "negotiates" Opus + VP8 at once): stored values are bounded, client-named files
// stay inside the recordings folder, every guarded request is guarded, numbers keep Janus's ranges, and
// shutdown writes every recording out. Forwarders and remote publishers use real sockets on 127.0.0.1; the
// whole file runs again in a process that cannot create IPv6 sockets.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Logger } from '../../../src/logging/logger.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network } from '../../../src/net/network.js';
import type { Jsep, JsonObject, NegotiatedMedia, PluginHandle } from '../../../src/plugins/plugin.js';
import { VideoRoomPlugin } from '../../../src/plugins/videoroom/videoroom.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { runNestedTests } from '../../helpers/nested-test-run.js';
import { sleep } from '../../../support/wait.js';
import { rtpPacket } from '../../../support/rtp-packets.js';
import { PlainRelayGroup } from '../../../src/core/plain-relay-group.js';

const NESTED_NO_IPV6 = process.env.VIDEOROOM_HARDENING_NO_IPV6 === '1';

const quietLog = Logger.create({
  level: process.env.VR_DEBUG ? 7 : 0,
  sink: {
    write: (l) => {
      if (process.env.VR_DEBUG) console.error(l);
    },
  },
});

/** What a stand-in handle says its PeerConnection negotiated. */
const AUDIO_VIDEO: NegotiatedMedia[] = [
  { mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
  { mid: '1', kind: 'video', index: 1, codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
];
const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };

let nextHandleId = 1;

/** A handle without media: it records what the plugin sends it. */
class FakeHandle implements PluginHandle {
  readonly id = nextHandleId++;
  readonly sessionId = 1;
  readonly log = quietLog;
  readonly events: { transaction: string | undefined; data: JsonObject; jsep?: Jsep }[] = [];
  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: Jsep): void {
    this.events.push({ transaction, data, jsep });
  }
  notifyEvent(): void {}
  answerOffer(): Promise<Jsep> {
    return Promise.resolve({ type: 'answer', sdp: 'v=0\r\n' });
  }
  createOffer(): Promise<Jsep> {
    return Promise.resolve({ type: 'offer', sdp: 'v=0\r\n' });
  }
  restartIce(): Promise<Jsep> {
    return this.createOffer();
  }
  negotiatedMedia(): readonly NegotiatedMedia[] {
    return AUDIO_VIDEO;
  }
  relayRtp(): void {}
  relayRtcp(): void {}
  restartRtp(): void {}
  skipRtp(): void {}
  relayData(): void {}
  requestKeyframe(): void {}
  sendRemb(): void {}
  closePc(): void {}
  end(): void {}
}

let network: Network;
let scratch: string;
const plugins: VideoRoomPlugin[] = [];

before(async () => {
  network = new HostNetwork(await discoverNetworkHost());
  if (NESTED_NO_IPV6) assert.equal(network.ipv6Available, false, 'the shim hides IPv6');
  scratch = mkdtempSync(join(tmpdir(), 'videoroom-hardening-'));
});

after(async () => {
  for (const p of plugins) p.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

let nextFolder = 0;

/** A plugin started with `config`, recording inside a new folder of its own. */
async function startPlugin(config: JsonObject = {}): Promise<{ plugin: VideoRoomPlugin; recordings: string; base: string }> {
  const base = join(scratch, `run-${nextFolder++}`);
  const recordings = join(base, 'recordings');
  mkdirSync(recordings, { recursive: true });
  const plugin = new VideoRoomPlugin();
  await plugin.init({ log: quietLog, network, config, recordingsDir: recordings, relayGroup: () => new PlainRelayGroup() });
  plugins.push(plugin);
  return { plugin, recordings, base };
}

let nextTransaction = 0;

/** A request on `h`: the synchronous answer, or the event that answers an asynchronous one. */
async function send(plugin: VideoRoomPlugin, h: FakeHandle, body: JsonObject, jsep?: Jsep): Promise<JsonObject> {
  const transaction = `tx${nextTransaction++}`;
  const r = await plugin.handleMessage(h, { transaction, body, ...(jsep ? { jsep } : {}) });
  if (r.kind === 'ok') return r.data;
  assert.equal(r.kind, 'ack', JSON.stringify(r));
  for (let i = 0; i < 500; i++) {
    const e = h.events.find((x) => x.transaction === transaction);
    if (e) return e.data;
    await sleep(2);
  }
  throw new Error(`no answer to ${String(body.request)}`);
}

function handle(plugin: VideoRoomPlugin): FakeHandle {
  const h = new FakeHandle();
  plugin.createSession(h);
  return h;
}

const codeOf = (d: JsonObject): number | undefined => (typeof d.error_code === 'number' ? d.error_code : undefined);
const show = (v: unknown): string => JSON.stringify(v).slice(0, 300);

/** A participant that published Opus + VP8 (the media "came up" at once). */
async function publisher(plugin: VideoRoomPlugin, room: number, extra: JsonObject = {}, configure: JsonObject = {}): Promise<{ h: FakeHandle; id: number }> {
  const h = handle(plugin);
  const joined = await send(plugin, h, { request: 'join', ptype: 'publisher', room, ...extra });
  assert.equal(joined.videoroom, 'joined', show(joined));
  const configured = await send(plugin, h, { request: 'configure', ...configure }, OFFER);
  assert.equal(configured.configured, 'ok', show(configured));
  plugin.setupMedia(h);
  return { h, id: joined.id as number };
}

/** A JSON object nested `depth` levels deep. */
function deep(depth: number): JsonObject {
  let v: JsonObject = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

async function udpSink(): Promise<{ socket: dgram.Socket; port: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port };
}

/** Every file below `dir` (paths relative to it), links left out. */
function filesBelow(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  // Links are not followed: what went through one shows up where it points.
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isSymbolicLink() ? [] : e.isDirectory() ? filesBelow(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** An RTP packet as a publisher would send it. */
function rtp(seq: number, pt: number, ssrc: number): Buffer {
  return rtpPacket({ payloadType: pt, sequenceNumber: seq, timestamp: seq * 960, ssrc, payload: Buffer.alloc(20) });
}

/** The frames of a .mjr file after its header, or throws on a torn one. */
function mjrFrames(path: string): number {
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 8).toString('latin1'), 'MJR00002', `${path} starts with the magic`);
  let at = 8;
  if (at === b.length) return 0;
  at += 2 + b.readUInt16BE(at);
  let frames = 0;
  while (at < b.length) {
    assert.equal(b.subarray(at, at + 4).toString('latin1'), 'MEET', `frame ${frames} of ${path}`);
    const len = b.readUInt16BE(at + 8);
    assert.ok(at + 10 + len <= b.length, `frame ${frames} of ${path} is whole`);
    at += 10 + len;
    frames++;
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------------------------

test('stored values are bounded: deep metadata, long strings and huge lists are refused with 430, and the room keeps serving', async () => {
  const { plugin } = await startPlugin();
  const admin = handle(plugin);
  const room = 2001;
  assert.equal((await send(plugin, admin, { request: 'create', room })).videoroom, 'created');

  const long = 'x'.repeat(70_000);
  const joinWith = async (extra: JsonObject): Promise<JsonObject> => send(plugin, handle(plugin), { request: 'join', ptype: 'publisher', room, ...extra });
  assert.equal(codeOf(await joinWith({ metadata: deep(6000) })), 430, 'metadata 6000 levels deep');
  assert.equal(codeOf(await joinWith({ metadata: deep(40) })), 430, 'metadata deeper than 32 levels');
  assert.equal(codeOf(await joinWith({ metadata: { list: Array.from({ length: 20_000 }, (_, i) => i) } })), 430, 'metadata of 20,000 values');
  assert.equal(codeOf(await joinWith({ display: long })), 430, 'a 70,000-character display name');

  const { h: pub } = await publisher(plugin, room, { display: 'fine', metadata: deep(10) });
  assert.equal(codeOf(await send(plugin, pub, { request: 'configure', metadata: deep(6000) })), 430, 'configure with deep metadata');
  assert.equal(codeOf(await send(plugin, pub, { request: 'configure', display: long })), 430);
  assert.equal(codeOf(await send(plugin, pub, { request: 'configure', descriptions: [{ mid: '0', description: long }] })), 430);
  const many = Array.from({ length: 100 }, (_, i) => ({ mid: `m${i}`, description: 'd' }));
  assert.equal(codeOf(await send(plugin, pub, { request: 'configure', descriptions: many })), 430, 'descriptions for 100 streams that do not exist');

  assert.equal(codeOf(await send(plugin, admin, { request: 'create', description: long })), 430, 'a long room description');
  assert.equal(codeOf(await send(plugin, admin, { request: 'create', allowed: Array.from({ length: 20_000 }, (_, i) => `t${i}`) })), 430, '20,000 allowed tokens');
  assert.equal(codeOf(await send(plugin, admin, { request: 'edit', room, new_description: long })), 430);
  assert.equal(codeOf(await send(plugin, admin, { request: 'allowed', room, action: 'add', allowed: [long] })), 430);
  const remote = { request: 'add_remote_publisher', room, iface: '127.0.0.1', streams: [{ type: 'audio', mid: '0', mindex: 0, codec: 'opus' }] };
  assert.equal(codeOf(await send(plugin, admin, { ...remote, metadata: deep(6000) })), 430, 'a remote publisher with deep metadata');
  assert.equal(codeOf(await send(plugin, admin, { ...remote, display: long })), 430);
  const added = await send(plugin, admin, remote);
  assert.equal(added.videoroom, 'success', show(added));
  assert.equal(codeOf(await send(plugin, admin, { request: 'update_remote_publisher', room, id: added.id, metadata: deep(6000), streams: [] })), 430);

  // Everyone else is still served, and everything the room hands out can be serialised.
  const listed = await send(plugin, admin, { request: 'listparticipants', room });
  assert.equal(listed.videoroom, 'participants', show(listed));
  assert.doesNotThrow(() => JSON.stringify(listed));
  const late = await joinWith({ display: 'late' });
  assert.equal(late.videoroom, 'joined', show(late));
  assert.doesNotThrow(() => JSON.stringify(late));
});

test('client-named files stay inside the recordings folder; the configuration may name any rec_dir', async () => {
  const outside = join(scratch, 'outside-by-operator');
  const { plugin, recordings, base } = await startPlugin({ 'room-4321': { rec_dir: outside, record: 'true' } });
  const admin = handle(plugin);
  const escape = join(base, 'escape');
  mkdirSync(escape);
  symlinkSync(escape, join(recordings, 'link'));
  mkdirSync(join(recordings, 'sub'));
  symlinkSync(escape, join(recordings, 'sub', 'link'));

  for (const rec_dir of ['/tmp', escape, '../escape', 'a/../../escape', 'link', 'link/deeper']) {
    assert.equal(codeOf(await send(plugin, admin, { request: 'create', rec_dir })), 430, `create with rec_dir ${rec_dir}`);
  }
  const room = 2101;
  assert.equal((await send(plugin, admin, { request: 'create', room, rec_dir: 'sub', secret: 's' })).videoroom, 'created');
  for (const new_rec_dir of ['/tmp', '../escape', 'link']) {
    assert.equal(codeOf(await send(plugin, admin, { request: 'edit', room, secret: 's', new_rec_dir })), 430, `edit with new_rec_dir ${new_rec_dir}`);
  }

  const { h } = await publisher(plugin, room);
  for (const filename of ['../../escape/evil', '../evil', join(escape, 'evil'), 'link/evil', 'a/../../../evil']) {
    assert.equal(codeOf(await send(plugin, h, { request: 'configure', record: true, filename })), 430, `configure with filename ${filename}`);
  }
  assert.equal((await send(plugin, h, { request: 'configure', record: true, filename: 'mine/take' })).configured, 'ok');
  plugin.incomingRtp(h, { mid: '0', kind: 'audio' }, rtp(1, 111, 11));

  // The configuration's room records where the operator said.
  const { h: operatorRoom } = await publisher(plugin, 4321);
  plugin.incomingRtp(operatorRoom, { mid: '0', kind: 'audio' }, rtp(1, 111, 12));

  plugin.destroy();
  assert.deepEqual(filesBelow(escape), [], 'nothing was written through the link');
  assert.ok(!filesBelow(scratch).some((f) => f.includes('evil')), 'no file named by a refused request exists');
  assert.deepEqual(filesBelow(join(recordings, 'sub')).sort(), ['mine/take-audio-0.mjr', 'mine/take-video-1.mjr']);
  assert.equal(filesBelow(outside).length, 2, 'the operator room recorded both streams in its folder');
});

test("a saved room's rec_dir is a client's: kept inside the recordings folder unless the configuration gives the same", async () => {
  const elsewhere = join(scratch, 'saved-elsewhere');
  const operators = join(scratch, 'saved-operators');
  const saved: JsonObject = { 'room-77': { rec_dir: elsewhere, record: true }, 'room-78': { rec_dir: 'kept', record: true }, 'room-79': { rec_dir: operators, record: true } };
  const base = join(scratch, `run-${nextFolder++}`);
  const recordings = join(base, 'recordings');
  mkdirSync(recordings, { recursive: true });
  const plugin = new VideoRoomPlugin();
  plugins.push(plugin);
  const state = { location: 'test', load: (): JsonObject => saved, save: (): void => {} };
  await plugin.init({ log: quietLog, network, config: { 'room-79': { rec_dir: operators } }, state, recordingsDir: recordings, relayGroup: () => new PlainRelayGroup() });
  for (const room of [77, 78, 79]) {
    const { h } = await publisher(plugin, room);
    plugin.incomingRtp(h, { mid: '0', kind: 'audio' }, rtp(1, 111, 13));
  }
  plugin.destroy();
  assert.equal(filesBelow(elsewhere).length, 0, 'nothing where the saved room said');
  const inside = filesBelow(recordings);
  assert.equal(inside.filter((f) => f.startsWith('videoroom-77-')).length, 2, inside.join(', '));
  assert.equal(inside.filter((f) => f.startsWith('kept/videoroom-78-')).length, 2, inside.join(', '));
  assert.equal(filesBelow(operators).length, 2, 'the configuration may name any folder');
});

test('every guarded request is guarded: none, a wrong and the right secret, pin or admin key', async () => {
  const { plugin } = await startPlugin({ general: { admin_key: 'adm', lock_rtp_forward: 'true' } });
  const admin = handle(plugin);
  const sink = await udpSink();
  let roomSeq = 3000;
  const newRoom = async (extra: JsonObject = {}): Promise<number> => {
    const room = roomSeq++;
    const r = await send(plugin, admin, { request: 'create', room, secret: 'sec', admin_key: 'adm', ...extra });
    assert.equal(r.videoroom, 'created', show(r));
    return room;
  };
  const remoteStreams = [{ type: 'audio', mid: '0', mindex: 0, codec: 'opus' }];

  /** A guarded request: the credential it needs, and how to build it without that one (on the admin handle unless `on`). */
  type Row = { name: string; key: 'secret' | 'admin_key' | 'pin'; setup: () => Promise<{ body: JsonObject; on?: FakeHandle; jsep?: Jsep }> };
  const withPublisher = async (extra: JsonObject = {}): Promise<{ room: number; id: number; h: FakeHandle }> => {
    const room = await newRoom(extra);
    const { h, id } = await publisher(plugin, room);
    return { room, id, h };
  };
  const rows: Row[] = [
    { name: 'edit', key: 'secret', setup: async () => ({ body: { request: 'edit', room: await newRoom(), new_description: 'd' } }) },
    { name: 'destroy', key: 'secret', setup: async () => ({ body: { request: 'destroy', room: await newRoom() } }) },
    { name: 'allowed', key: 'secret', setup: async () => ({ body: { request: 'allowed', room: await newRoom(), action: 'enable' } }) },
    {
      name: 'kick',
      key: 'secret',
      setup: async () => {
        const p = await withPublisher();
        return { body: { request: 'kick', room: p.room, id: p.id } };
      },
    },
    {
      name: 'moderate',
      key: 'secret',
      setup: async () => {
        const p = await withPublisher();
        return { body: { request: 'moderate', room: p.room, id: p.id, mid: '0', mute: true } };
      },
    },
    { name: 'listforwarders', key: 'secret', setup: async () => ({ body: { request: 'listforwarders', room: await newRoom() } }) },
    { name: 'enable_recording', key: 'secret', setup: async () => ({ body: { request: 'enable_recording', room: await newRoom(), record: false } }) },
    ...(['secret', 'admin_key'] as const).map((key): Row => ({
      name: `rtp_forward (${key})`,
      key,
      setup: async () => {
        const p = await withPublisher();
        return { body: { request: 'rtp_forward', room: p.room, publisher_id: p.id, host: '127.0.0.1', streams: [{ mid: '0', port: sink.port }], secret: 'sec', admin_key: 'adm' } };
      },
    })),
    ...(['secret', 'admin_key'] as const).map((key): Row => ({
      name: `stop_rtp_forward (${key})`,
      key,
      setup: async () => {
        const p = await withPublisher();
        const f = await send(plugin, admin, { request: 'rtp_forward', room: p.room, publisher_id: p.id, host: '127.0.0.1', streams: [{ mid: '0', port: sink.port }], secret: 'sec', admin_key: 'adm' });
        const streamId = ((f.forwarders as JsonObject[] | undefined)?.[0] ?? {}).stream_id;
        assert.equal(typeof streamId, 'number', show(f));
        return { body: { request: 'stop_rtp_forward', room: p.room, publisher_id: p.id, stream_id: streamId, secret: 'sec', admin_key: 'adm' } };
      },
    })),
    ...(['secret', 'admin_key'] as const).map((key): Row => ({
      name: `publish_remotely (${key})`,
      key,
      setup: async () => {
        const p = await withPublisher();
        return { body: { request: 'publish_remotely', room: p.room, publisher_id: p.id, remote_id: 'r', host: '127.0.0.1', port: sink.port, secret: 'sec', admin_key: 'adm' } };
      },
    })),
    {
      name: 'unpublish_remotely',
      key: 'secret',
      setup: async () => {
        const p = await withPublisher();
        assert.equal(
          (await send(plugin, admin, { request: 'publish_remotely', room: p.room, publisher_id: p.id, remote_id: 'r', host: '127.0.0.1', port: sink.port, secret: 'sec', admin_key: 'adm' })).videoroom,
          'success',
        );
        return { body: { request: 'unpublish_remotely', room: p.room, publisher_id: p.id, remote_id: 'r' } };
      },
    },
    {
      name: 'listremotes',
      key: 'secret',
      setup: async () => {
        const p = await withPublisher();
        return { body: { request: 'listremotes', room: p.room, publisher_id: p.id } };
      },
    },
    { name: 'add_remote_publisher', key: 'secret', setup: async () => ({ body: { request: 'add_remote_publisher', room: await newRoom(), iface: '127.0.0.1', streams: remoteStreams } }) },
    ...(['update_remote_publisher', 'remove_remote_publisher'] as const).map((request): Row => ({
      name: request,
      key: 'secret',
      setup: async () => {
        const room = await newRoom();
        const added = await send(plugin, admin, { request: 'add_remote_publisher', room, secret: 'sec', iface: '127.0.0.1', streams: remoteStreams });
        assert.equal(added.videoroom, 'success', show(added));
        return { body: { request, room, id: added.id, ...(request === 'update_remote_publisher' ? { streams: remoteStreams } : {}) } };
      },
    })),
    { name: 'create', key: 'admin_key', setup: async () => ({ body: { request: 'create', room: roomSeq++ } }) },
    { name: 'join (publisher)', key: 'pin', setup: async () => ({ body: { request: 'join', ptype: 'publisher', room: await newRoom({ pin: 'pin' }) }, on: handle(plugin) }) },
    {
      name: 'join (subscriber)',
      key: 'pin',
      setup: async () => {
        const room = await newRoom({ pin: 'pin' });
        const { id } = await publisher(plugin, room, { pin: 'pin' });
        return { body: { request: 'join', ptype: 'subscriber', room, streams: [{ feed: id }] }, on: handle(plugin) };
      },
    },
    { name: 'joinandconfigure', key: 'pin', setup: async () => ({ body: { request: 'joinandconfigure', ptype: 'publisher', room: await newRoom({ pin: 'pin' }) }, on: handle(plugin), jsep: OFFER }) },
    ...([{ record: true }, { filename: 'name' }] as const).map((change): Row => ({
      name: `configure ${Object.keys(change)[0]} with lock_record`,
      key: 'secret',
      setup: async () => {
        const p = await withPublisher({ lock_record: true });
        return { body: { request: 'configure', ...change }, on: p.h };
      },
    })),
    {
      name: 'joinandconfigure record with lock_record',
      key: 'secret',
      setup: async () => ({ body: { request: 'joinandconfigure', ptype: 'publisher', room: await newRoom({ lock_record: true }), record: true }, on: handle(plugin), jsep: OFFER }),
    },
  ];

  const failures: string[] = [];
  for (const row of rows) {
    const { body, on, jsep } = await row.setup();
    // A handle that joins only once: every variant but the right one is refused before joining.
    const target = on ?? admin;
    const without = { ...body };
    delete without[row.key];
    const none = codeOf(await send(plugin, target, without, jsep));
    const wrong = codeOf(await send(plugin, target, { ...body, [row.key]: 'wrong' }, jsep));
    const right = await send(plugin, target, { ...body, [row.key]: row.key === 'secret' ? 'sec' : row.key === 'pin' ? 'pin' : 'adm' }, jsep);
    if (none !== 429) failures.push(`${row.name} without ${row.key}: ${String(none)} (429 expected)`);
    if (wrong !== 433) failures.push(`${row.name} with a wrong ${row.key}: ${String(wrong)} (433 expected)`);
    if (codeOf(right) !== undefined) failures.push(`${row.name} with the right ${row.key}: ${show(right)}`);
  }
  assert.deepEqual(failures, []);

  // list: private rooms only with the right key; a wrong one is refused.
  const hidden = await newRoom({ is_private: true });
  const rooms = (d: JsonObject): unknown[] => ((d.list as JsonObject[] | undefined) ?? []).map((r) => r.room);
  assert.ok(!rooms(await send(plugin, admin, { request: 'list' })).includes(hidden));
  assert.equal(codeOf(await send(plugin, admin, { request: 'list', admin_key: 'wrong' })), 433);
  assert.ok(rooms(await send(plugin, admin, { request: 'list', admin_key: 'adm' })).includes(hidden));
  sink.socket.close();
});

test('with an admin key, rtp_forward needs it by default (and with lock_rtp_forward yes/true); false/no lets the room secret do; no key, no lock', async () => {
  const sink = await udpSink();
  const cases: [JsonObject, boolean][] = [
    [{ admin_key: 'adm' }, true],
    [{ admin_key: 'adm', lock_rtp_forward: 'yes' }, true],
    [{ admin_key: 'adm', lock_rtp_forward: true }, true],
    [{ admin_key: 'adm', lock_rtp_forward: 'false' }, false],
    [{ admin_key: 'adm', lock_rtp_forward: 'no' }, false],
    [{ lock_rtp_forward: 'true' }, false],
  ];
  for (const [general, needsKey] of cases) {
    const { plugin } = await startPlugin({ general });
    const admin = handle(plugin);
    assert.equal((await send(plugin, admin, { request: 'create', room: 3500, admin_key: 'adm' })).videoroom, 'created');
    const { id } = await publisher(plugin, 3500);
    const r = await send(plugin, admin, { request: 'rtp_forward', room: 3500, publisher_id: id, host: '127.0.0.1', streams: [{ mid: '0', port: sink.port }] });
    assert.equal(codeOf(r), needsKey ? 429 : undefined, `${show(general)}: ${show(r)}`);
  }
  sink.socket.close();
});

test("numbers keep Janus's ranges: ports, payload types, SSRCs, 53-bit ids, audio levels, bitrates, FIR frequency", async () => {
  const { plugin } = await startPlugin();
  const admin = handle(plugin);
  const room = 4001;
  assert.equal((await send(plugin, admin, { request: 'create', room })).videoroom, 'created');
  const { h, id } = await publisher(plugin, room);
  const fwd = (stream: JsonObject, extra: JsonObject = {}): Promise<JsonObject> =>
    send(plugin, admin, { request: 'rtp_forward', room, publisher_id: id, host: '127.0.0.1', streams: [{ mid: '1', ...stream }], ...extra });
  const big = 2 ** 60;
  const refused: [string, () => Promise<JsonObject>][] = [
    ['rtp_forward port 70000', () => fwd({ port: 70000 })],
    ['rtp_forward port 0', () => fwd({ port: 0 })],
    ['rtp_forward rtcp_port 70000', () => fwd({ port: 5000, rtcp_port: 70000 })],
    ['rtp_forward pt 128', () => fwd({ port: 5000, pt: 128 })],
    ['rtp_forward ssrc 2^32', () => fwd({ port: 5000, ssrc: 2 ** 32 })],
    ['rtp_forward port_2 65536', () => fwd({ port: 5000, port_2: 65536 })],
    ['legacy rtp_forward video_port 70000', () => send(plugin, admin, { request: 'rtp_forward', room, publisher_id: id, host: '127.0.0.1', video_port: 70000 })],
    ['stop_rtp_forward stream_id 2^32', () => send(plugin, admin, { request: 'stop_rtp_forward', room, publisher_id: id, stream_id: 2 ** 32 })],
    ['publish_remotely port 70000', () => send(plugin, admin, { request: 'publish_remotely', room, publisher_id: id, remote_id: 'x', host: '127.0.0.1', port: 70000 })],
    [
      'add_remote_publisher port 70000',
      () => send(plugin, admin, { request: 'add_remote_publisher', room, iface: '127.0.0.1', port: 70000, streams: [{ type: 'audio', mid: '0', mindex: 0, codec: 'opus' }] }),
    ],
    [
      'add_remote_publisher mindex 2^40',
      () => send(plugin, admin, { request: 'add_remote_publisher', room, iface: '127.0.0.1', streams: [{ type: 'audio', mid: '0', mindex: 2 ** 40, codec: 'opus' }] }),
    ],
    ['create room 2^60', () => send(plugin, admin, { request: 'create', room: big })],
    ['exists room 2^60', () => send(plugin, admin, { request: 'exists', room: big })],
    ['join room 2^60', () => send(plugin, handle(plugin), { request: 'join', ptype: 'publisher', room: big })],
    ['join id 2^60', () => send(plugin, handle(plugin), { request: 'join', ptype: 'publisher', room, id: big })],
    ['subscribe to feed 2^60', () => send(plugin, handle(plugin), { request: 'join', ptype: 'subscriber', room, streams: [{ feed: big }] })],
    ['subscriber private_id 2^32', () => send(plugin, handle(plugin), { request: 'join', ptype: 'subscriber', room, private_id: 2 ** 32, streams: [{ feed: id }] })],
    ['kick id 2^60', () => send(plugin, admin, { request: 'kick', room, id: big })],
    ['create audio_level_average 500', () => send(plugin, admin, { request: 'create', audiolevel_event: true, audio_level_average: 500 })],
    ['create audio_active_packets 2^31', () => send(plugin, admin, { request: 'create', audio_active_packets: 2 ** 31 })],
    ['create fir_freq 70000', () => send(plugin, admin, { request: 'create', fir_freq: 70000 })],
    ['create bitrate 2^32', () => send(plugin, admin, { request: 'create', bitrate: 2 ** 32 })],
    ['create publishers 2^31', () => send(plugin, admin, { request: 'create', publishers: 2 ** 31 })],
    ['edit new_fir_freq 70000', () => send(plugin, admin, { request: 'edit', room, new_fir_freq: 70000 })],
    ['edit new_bitrate 2^32', () => send(plugin, admin, { request: 'edit', room, new_bitrate: 2 ** 32 })],
    ['join audio_level_average 500', () => send(plugin, handle(plugin), { request: 'join', ptype: 'publisher', room, audio_level_average: 500 })],
    ['configure bitrate 2^32', () => send(plugin, h, { request: 'configure', bitrate: 2 ** 32 })],
  ];
  const wrong: string[] = [];
  for (const [what, request] of refused) {
    const code = codeOf(await request());
    if (code !== 430) wrong.push(`${what}: ${String(code)}`);
  }
  assert.deepEqual(wrong, [], 'each is refused with 430');
  // The edges themselves are fine.
  const sink = await udpSink();
  const ok = await fwd({ port: sink.port, pt: 127, ssrc: 2 ** 32 - 1 });
  assert.equal(ok.videoroom, 'rtp_forward', show(ok));
  assert.equal((await send(plugin, admin, { request: 'create', audiolevel_event: true, audio_level_average: 127, fir_freq: 65535, bitrate: 2 ** 32 - 1 })).videoroom, 'created');
  sink.socket.close();
});

test('an internal fault answers 499 without the exception text', async () => {
  const { plugin } = await startPlugin();
  const admin = handle(plugin);
  assert.equal((await send(plugin, admin, { request: 'create', room: 4501, secret: 's' })).videoroom, 'created');
  // A body whose every read throws, as a plugin bug would.
  const target: JsonObject = { request: 'edit', room: 4501 };
  const hostile = new Proxy(target, {
    get(target, key) {
      if (key === 'secret') throw new Error('secret internals /srv/portunus/state');
      return target[key as string];
    },
  });
  const r = await send(plugin, admin, hostile);
  assert.equal(codeOf(r), 499);
  assert.ok(!String(r.error).includes('internals'), show(r));
});

test('destroy() writes every recording out whole before it resolves', async () => {
  const { plugin, recordings } = await startPlugin();
  const admin = handle(plugin);
  const room = 5001;
  assert.equal((await send(plugin, admin, { request: 'create', room, record: true })).videoroom, 'created');
  const pubs = [await publisher(plugin, room), await publisher(plugin, room)];
  const packets = 200;
  for (let i = 0; i < packets; i++) {
    for (const { h } of pubs) {
      plugin.incomingRtp(h, { mid: '0', kind: 'audio' }, rtp(i, 111, 11));
      plugin.incomingRtp(h, { mid: '1', kind: 'video' }, rtp(i, 96, 22));
    }
  }
  plugin.destroy();
  const files = filesBelow(recordings);
  assert.equal(files.length, 4, files.join(', '));
  for (const f of files) assert.equal(mjrFrames(join(recordings, f)), packets, `${f} holds every frame`);
});

test('a stop as the server does it (every handle ended first, then destroy()) leaves every recording whole', async () => {
  const { plugin, recordings } = await startPlugin();
  const admin = handle(plugin);
  const room = 5002;
  assert.equal((await send(plugin, admin, { request: 'create', room, record: true })).videoroom, 'created');
  const pubs = [await publisher(plugin, room), await publisher(plugin, room)];
  const packets = 200;
  for (let i = 0; i < packets; i++) {
    for (const { h } of pubs) {
      plugin.incomingRtp(h, { mid: '0', kind: 'audio' }, rtp(i, 111, 11));
      plugin.incomingRtp(h, { mid: '1', kind: 'video' }, rtp(i, 96, 22));
    }
  }
  for (const { h } of pubs) plugin.destroySession(h);
  plugin.destroy();
  const files = filesBelow(recordings);
  assert.equal(files.length, 4, files.join(', '));
  for (const f of files) assert.equal(mjrFrames(join(recordings, f)), packets, `${f} holds every frame`);
});

test('the same, where IPv6 sockets cannot be created', { skip: NESTED_NO_IPV6 ? 'this is that run' : false, timeout: 90_000 }, async () => {
  // A socket a failing run leaves open must not keep the nested run alive: the leak check names it and ends the run.
  const { code, out } = await runNestedTests([fileURLToPath(import.meta.url)], { ...(await noIpv6Env()), VIDEOROOM_HARDENING_NO_IPV6: '1' }, { leakCheck: true });
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
});

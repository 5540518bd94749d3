// The VideoRoom's request logic on fake handles and a fake network: the kit's checks and the plugin's codes,
// rooms, joining, a publisher's packets reaching a subscriber, an RTP forwarder's datagrams, the Admin API's
// share of the requests, and nothing pushed for a handle that went away. No server, no kernel socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep, NegotiatedMedia } from '../../../../src/plugin-api/media-types.js';
import { PLUGIN_API_VERSION } from '../../../../src/plugin-api/version.js';
import { REQUEST_NAMES } from '../../../../src/plugins/videoroom/request-table.js';
import { VideoRoomPlugin } from '../../../../src/plugins/videoroom/videoroom.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { rtp } from '../../forwarding/rtp-packets.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER: Jsep = { type: 'answer', sdp: 'v=0\r\n' };
const MEDIA: NegotiatedMedia[] = [
  { mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
  { mid: '1', kind: 'video', index: 1, codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
];

let nextHandle = 1;

/** The fake network delivers on a later turn of the event loop. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setImmediate(r));
}

async function started(network = new FakeNetwork()): Promise<{ plugin: VideoRoomPlugin; network: FakeNetwork; attach: () => FakePluginHandle }> {
  const plugin = new VideoRoomPlugin();
  await plugin.init({ log: Logger.create({ level: 0, timestamps: false }), network, config: {}, recordingsDir: 'recordings', relayGroup: () => new PlainRelayGroup() });
  const attach = (): FakePluginHandle => {
    const h = new FakePluginHandle({ id: nextHandle++ });
    plugin.createSession(h);
    return h;
  };
  return { plugin, network, attach };
}

async function data(plugin: VideoRoomPlugin, h: FakePluginHandle, body: JsonObject, jsep?: Jsep): Promise<JsonObject> {
  return (await sendMessage(plugin, h, body, jsep)).data;
}

/** A publisher in `room` whose offer was answered and whose media is up. */
async function publisher(plugin: VideoRoomPlugin, h: FakePluginHandle, room: number, id: number): Promise<void> {
  h.media = MEDIA;
  const joined = await sendMessage(plugin, h, { request: 'joinandconfigure', ptype: 'publisher', room, id }, OFFER);
  assert.equal(joined.data.videoroom, 'joined');
  assert.equal(joined.jsep?.type, 'answer');
  plugin.setupMedia(h);
}

test('the descriptor declares the plugin API version; the fuzzers read every request name of the table', () => {
  assert.equal(new VideoRoomPlugin().descriptor.apiVersion, PLUGIN_API_VERSION);
  for (const name of ['create', 'join', 'configure', 'listremotes', 'list_remotes', 'leave']) assert.ok(REQUEST_NAMES.includes(name), name);
});

test("the kit's checks answer with the VideoRoom's codes: 422, 429, 430, 423", async () => {
  const { plugin, attach } = await started();
  const h = attach();
  assert.deepEqual(await data(plugin, h, 'x' as unknown as JsonObject), { videoroom: 'event', error_code: 422, error: 'JSON error: not an object' });
  assert.deepEqual(await data(plugin, h, {}), { videoroom: 'event', error_code: 429, error: 'Missing mandatory element (request)' });
  assert.deepEqual(await data(plugin, h, { request: 5 }), { videoroom: 'event', error_code: 430, error: 'Invalid element type (request should be a string)' });
  assert.deepEqual(await data(plugin, h, { request: 'fly' }), { videoroom: 'event', error_code: 423, error: "Unknown request 'fly'" });
  assert.equal((await data(plugin, h, { request: 'constructor' })).error_code, 423, 'an Object.prototype name is no request');
  const unknownHandle = new FakePluginHandle({ id: 999_999 });
  assert.deepEqual(await plugin.handleMessage(unknownHandle, { transaction: 't', body: { request: 'list' } }), { kind: 'error', reason: 'No session associated with this handle' });
});

test('rooms: create, exists, list, a second create 427, destroy with a wrong secret 433, then destroyed', async () => {
  const { plugin, attach } = await started();
  const h = attach();
  const created = await sendMessage(plugin, h, { request: 'create', room: 1300, secret: 's', description: 'unit' });
  assert.equal(created.result.kind, 'ok', 'room requests are answered at once');
  assert.equal(created.data.videoroom, 'created');
  assert.equal((await data(plugin, h, { request: 'create', room: 1300 })).error_code, 427);
  assert.deepEqual(await data(plugin, h, { request: 'exists', room: 1300 }), { videoroom: 'success', room: 1300, exists: true });
  const list = (await data(plugin, h, { request: 'list' })).list as JsonObject[];
  assert.ok(list.some((r) => r.room === 1300 && r.description === 'unit'));
  assert.equal((await data(plugin, h, { request: 'destroy', room: 1300, secret: 'x' })).error_code, 433);
  assert.equal((await data(plugin, h, { request: 'destroy', room: 1300, secret: 's' })).videoroom, 'destroyed');
  assert.equal((await data(plugin, h, { request: 'exists', room: 1300 })).exists, false);
});

test("room codecs are the registry's names of the kind, in any case: 'VP8, H264' is vp8,h264; isac and a video name for audio are 430", async () => {
  const { plugin, attach } = await started();
  const h = attach();
  assert.equal((await data(plugin, h, { request: 'create', room: 1400, videocodec: 'VP8, H264', audiocodec: 'OPUS' })).videoroom, 'created');
  const room = ((await data(plugin, h, { request: 'list' })).list as JsonObject[]).find((r) => r.room === 1400);
  assert.equal(room?.videocodec, 'vp8,h264');
  assert.equal(room?.audiocodec, 'opus');
  assert.equal((await data(plugin, h, { request: 'create', room: 1401, audiocodec: 'isac' })).error_code, 430);
  assert.equal((await data(plugin, h, { request: 'create', room: 1402, audiocodec: 'vp8' })).error_code, 430);
  assert.equal((await data(plugin, h, { request: 'create', room: 1403, videocodec: 'vp8/90000' })).error_code, 430);
});

test('joining: 426 for no room, 429/430 for ptype, 424 before joining, 425 for a second join', async () => {
  const { plugin, attach } = await started();
  const admin = attach();
  await data(plugin, admin, { request: 'create', room: 10 });
  const h = attach();
  const joinNowhere = await sendMessage(plugin, h, { request: 'join', ptype: 'publisher', room: 11 });
  assert.equal(joinNowhere.result.kind, 'ack', 'joining is queued on the handle');
  assert.equal(joinNowhere.data.error_code, 426);
  assert.equal((await data(plugin, h, { request: 'join', room: 10 })).error_code, 429);
  assert.equal((await data(plugin, h, { request: 'join', room: 10, ptype: 'viewer' })).error_code, 430);
  assert.equal((await data(plugin, h, { request: 'configure', audio: true })).error_code, 424);
  const joined = await data(plugin, h, { request: 'join', ptype: 'publisher', room: 10, id: 5, display: 'me' });
  assert.equal(joined.videoroom, 'joined');
  assert.equal(joined.id, 5);
  assert.equal((await data(plugin, h, { request: 'join', ptype: 'publisher', room: 10 })).error_code, 425);
  assert.equal((await data(plugin, h, { request: 'start' })).error_code, 423, 'a request of the other role');
});

test("a publisher's packets reach a started subscriber, keyframes are asked for once per interval", async () => {
  const { plugin, attach } = await started();
  const admin = attach();
  await data(plugin, admin, { request: 'create', room: 20 });
  const pub = attach();
  await publisher(plugin, pub, 20, 7);
  assert.deepEqual(pub.keyframeRequests, ['1'], 'the announced publication starts at a keyframe');

  const sub = attach();
  const attached = await sendMessage(plugin, sub, { request: 'join', ptype: 'subscriber', room: 20, streams: [{ feed: 7 }] });
  assert.equal(attached.data.videoroom, 'attached');
  assert.equal(attached.jsep?.type, 'offer');
  const mids = (attached.data.streams as JsonObject[]).map((s) => [s.type, s.mid]);
  assert.deepEqual(mids, [
    ['audio', '0'],
    ['video', '1'],
  ]);

  plugin.incomingRtp(pub, { mid: '1', kind: 'video', codec: 'vp8' }, rtp(Buffer.from([0x10, 0, 0, 0]), { pt: 96, seq: 1 }));
  assert.equal(sub.rtp.length, 0, 'nothing before start');
  assert.equal((await data(plugin, sub, { request: 'start' }, ANSWER)).started, 'ok');
  plugin.incomingRtp(pub, { mid: '1', kind: 'video', codec: 'vp8' }, rtp(Buffer.from([0x10, 0, 0, 0]), { pt: 96, seq: 2 }));
  plugin.incomingRtp(pub, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(Buffer.from([1, 2, 3]), { pt: 111, seq: 9 }));
  assert.deepEqual(
    sub.rtp.map((r) => [r.mid, r.packet.readUInt16BE(2)]),
    [
      ['1', 2],
      ['0', 9],
    ],
  );

  // The subscriber's own asks go through the stream's throttle: forced ones (join, start) always, others not within 500 ms.
  const before = pub.keyframeRequests.length;
  const pli = Buffer.from([0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
  plugin.incomingRtcp(sub, { mid: '1', kind: 'video' }, pli);
  plugin.incomingRtcp(sub, { mid: '1', kind: 'video' }, pli);
  assert.equal(pub.keyframeRequests.length, before, 'within the interval of the last forced ask');

  // `send: false` stops a stream for this subscriber only.
  assert.equal((await data(plugin, sub, { request: 'configure', streams: [{ mid: '1', send: false }] })).configured, 'ok');
  sub.rtp.length = 0;
  plugin.incomingRtp(pub, { mid: '1', kind: 'video', codec: 'vp8' }, rtp(Buffer.from([0x10, 0, 0, 0]), { pt: 96, seq: 3 }));
  assert.equal(sub.rtp.length, 0);
});

test('rtp_forward sends over the network given (a name through its resolver); an unknown name is 430', async () => {
  const network = new FakeNetwork({ names: { 'media.example': ['127.0.0.1'], 'nowhere.example': new Error('not found') } });
  const { plugin, attach } = await started(network);
  const admin = attach();
  await data(plugin, admin, { request: 'create', room: 30 });
  const pub = attach();
  await publisher(plugin, pub, 30, 8);
  const receiver = await network.openUdp({ what: 'receiver', bind: '127.0.0.1' });
  const got: Buffer[] = [];
  receiver.onMessage((m) => got.push(Buffer.from(m)));

  const refused = await data(plugin, admin, { request: 'rtp_forward', room: 30, publisher_id: 8, host: 'nowhere.example', streams: [{ mid: '1', port: receiver.port }] });
  assert.deepEqual(refused, { videoroom: 'event', error_code: 430, error: 'Could not resolve address (nowhere.example)...' });
  const forwarded = await data(plugin, admin, { request: 'rtp_forward', room: 30, publisher_id: 8, host: 'media.example', streams: [{ mid: '1', port: receiver.port, ssrc: 4242, pt: 100 }] });
  assert.equal(forwarded.videoroom, 'rtp_forward', JSON.stringify(forwarded));
  assert.ok(network.lookups.includes('media.example'));

  plugin.incomingRtp(pub, { mid: '1', kind: 'video', codec: 'vp8' }, rtp(Buffer.from([0x10, 0, 0, 0]), { pt: 96, seq: 5, ssrc: 1 }));
  await until(() => got.length > 0);
  assert.equal(got.length, 1);
  assert.equal(got[0][1] & 0x7f, 100, 'the payload type asked');
  assert.equal(got[0].readUInt32BE(8), 4242, 'the SSRC asked');

  const listed = await data(plugin, admin, { request: 'listforwarders', room: 30 });
  assert.equal(((listed.publishers as JsonObject[])[0].forwarders as JsonObject[]).length, 1);
  plugin.destroy();
});

test('the Admin API gets the requests answered at once, not the queued ones', async () => {
  const { plugin } = await started();
  assert.equal((await plugin.handleAdminMessage({ request: 'create', room: 40 })).videoroom, 'created');
  assert.equal((await plugin.handleAdminMessage({ request: 'exists', room: 40 })).exists, true);
  assert.deepEqual(await plugin.handleAdminMessage({ request: 'join', room: 40, ptype: 'publisher' }), { videoroom: 'event', error_code: 423, error: "Unknown request 'join'" });
  assert.equal((await plugin.handleAdminMessage({ request: 'destroy', room: 41 })).error_code, 426);
});

test('a handle that went away gets nothing more: its queued requests are dropped', async () => {
  const { plugin, attach } = await started();
  const admin = attach();
  await data(plugin, admin, { request: 'create', room: 50 });
  const h = attach();
  let release = (): void => {};
  h.answer = () => new Promise<Jsep>((r) => (release = () => r({ type: 'answer', sdp: 'v=0\r\n' })));
  assert.equal((plugin.handleMessage(h, { transaction: 'a', body: { request: 'joinandconfigure', ptype: 'publisher', room: 50 }, jsep: OFFER }) as { kind: string }).kind, 'ack');
  assert.equal((plugin.handleMessage(h, { transaction: 'b', body: { request: 'configure', bitrate: 1000 } }) as { kind: string }).kind, 'ack');
  await new Promise((r) => setImmediate(r));
  plugin.destroySession(h);
  release();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(h.events, []);
  const list = await data(plugin, admin, { request: 'listparticipants', room: 50 });
  assert.deepEqual(list.participants, []);
});

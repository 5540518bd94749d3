// The Streaming plugin's request logic on a fake handle and the fake network: its answers and error codes, the
// Admin API path, a viewer's requests in arrival order, setup_media after the start that led to it, and RTP from
// a source's endpoint to the viewer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingPlugin } from '../../../../src/plugins/streaming/streaming.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { JsonObject } from '../../../../src/plugin-api/index.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';

const quiet = (): Logger => Logger.create({ level: 0, timestamps: false, sink: { write: () => {} } });

async function started(): Promise<{ plugin: StreamingPlugin; network: FakeNetwork; handle: FakePluginHandle }> {
  const plugin = new StreamingPlugin();
  const network = new FakeNetwork();
  await plugin.init({ log: quiet(), network, config: {}, recordingsDir: '', relayGroup: () => new PlainRelayGroup() });
  const handle = new FakePluginHandle({ id: 7 });
  plugin.createSession(handle);
  return { plugin, network, handle };
}

const AUDIO_MOUNTPOINT: JsonObject = { request: 'create', type: 'rtp', id: 5, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] };

/** A minimal RTP packet: version 2, the payload type, a sequence number, SSRC 0x1234. */
function rtp(pt: number, seq: number, payload: Buffer = Buffer.from([1, 2, 3])): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80;
  head[1] = pt;
  head.writeUInt16BE(seq, 2);
  head.writeUInt32BE(seq * 960, 4);
  head.writeUInt32BE(0x1234, 8);
  return Buffer.concat([head, payload]);
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('the kit checks `request`: missing or not a string 453, unknown 452, any case', async () => {
  const { plugin, handle } = await started();
  assert.deepEqual((await sendMessage(plugin, handle, {})).data, { streaming: 'event', error_code: 453, error: 'Missing mandatory element (request)' });
  assert.deepEqual((await sendMessage(plugin, handle, { request: 42 })).data, { streaming: 'event', error_code: 453, error: 'Missing mandatory element (request)' });
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'fly' })).data, { streaming: 'event', error_code: 452, error: "Unknown request 'fly'" });
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'LIST' })).data, { streaming: 'list', list: [] });
  assert.equal((await sendMessage(plugin, handle, { request: 'constructor' })).data.error_code, 452);
});

test('create, list, info and destroy are answered at once; a bad id is 454, an unknown one 455', async () => {
  const { plugin, network, handle } = await started();
  const created = await sendMessage(plugin, handle, AUDIO_MOUNTPOINT);
  assert.equal(created.result.kind, 'ok');
  assert.equal(created.data.streaming, 'created');
  assert.equal(network.open.length, 1, 'one endpoint for the audio stream');
  const list = (await sendMessage(plugin, handle, { request: 'list' })).data.list as JsonObject[];
  assert.deepEqual(
    list.map((m) => m.id),
    [5],
  );
  assert.equal(((await sendMessage(plugin, handle, { request: 'info', id: 5 })).data.info as JsonObject).id, 5);
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'info', id: 'x' })).data, { streaming: 'event', error_code: 454, error: 'Invalid element type (id should be a positive integer)' });
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'info', id: 9 })).data, { streaming: 'event', error_code: 455, error: 'No such mountpoint/stream 9' });
  assert.equal((await sendMessage(plugin, handle, { request: 'destroy', id: 5 })).data.streaming, 'destroyed');
  await tick();
  assert.equal(network.open.length, 0, 'its endpoint is closed');
});

test('the Admin API runs the management requests, and knows no viewer request', async () => {
  const { plugin, handle } = await started();
  await sendMessage(plugin, handle, AUDIO_MOUNTPOINT);
  const list = (await plugin.handleAdminMessage({ request: 'list' })).list as JsonObject[];
  assert.deepEqual(
    list.map((m) => m.id),
    [5],
  );
  assert.deepEqual(await plugin.handleAdminMessage({ request: 'watch', id: 5 }), { streaming: 'event', error_code: 452, error: "Unknown request 'watch'" });
  assert.deepEqual(await plugin.handleAdminMessage({}), { streaming: 'event', error_code: 452, error: "Unknown request 'undefined'" });
  assert.equal((await plugin.handleAdminMessage({ request: 'info', id: 9 })).error_code, 455);
});

test('viewer requests are acknowledged and answered by events: watch offers, start starts; errors are events', async () => {
  const { plugin, handle } = await started();
  await sendMessage(plugin, handle, AUDIO_MOUNTPOINT);
  const missing = await sendMessage(plugin, handle, { request: 'watch', id: 9 });
  assert.deepEqual(missing.result, { kind: 'ack' });
  assert.deepEqual(missing.data, { streaming: 'event', error_code: 455, error: 'No such mountpoint/stream 9' });
  assert.equal((await sendMessage(plugin, handle, { request: 'start' })).data.error_code, 455);
  const watch = await sendMessage(plugin, handle, { request: 'watch', id: 5 });
  assert.deepEqual(watch.data, { streaming: 'event', result: { status: 'preparing' } });
  assert.equal(watch.jsep?.type, 'offer');
  assert.deepEqual(
    handle.offered[0].map((t) => [t.kind, t.mid, t.codec]),
    [['audio', 'a', 'opus']],
  );
  assert.equal((await sendMessage(plugin, handle, { request: 'watch', id: 5 })).data.error_code, 460);
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'configure', temporal: 5 })).data, { streaming: 'event', error_code: 454, error: 'Invalid element (temporal should be 0, 1 or 2)' });
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'start' })).data, { streaming: 'event', result: { status: 'starting' } });
});

test('setup_media right behind the start that carried the answer: the start is answered first, "starting"', async () => {
  const { plugin, handle } = await started();
  await sendMessage(plugin, handle, AUDIO_MOUNTPOINT);
  await sendMessage(plugin, handle, { request: 'watch', id: 5 });
  const before = handle.events.length;
  assert.equal((await plugin.handleMessage(handle, { transaction: 'start', body: { request: 'start' }, jsep: { type: 'answer', sdp: 'v=0\r\n' } })).kind, 'ack');
  plugin.setupMedia(handle);
  await handle.eventFor('start');
  await tick();
  const statuses = handle.events.slice(before).map((e) => (e.data.result as JsonObject | undefined)?.status);
  assert.deepEqual(statuses, ['starting', 'started']);
});

test('RTP sent to the mountpoint reaches a started viewer; a stopped one gets nothing more', async () => {
  const { plugin, network, handle } = await started();
  const created = await sendMessage(plugin, handle, AUDIO_MOUNTPOINT);
  const port = ((created.data.stream as JsonObject).ports as Array<{ port: number }>)[0].port;
  await sendMessage(plugin, handle, { request: 'watch', id: 5 });
  await sendMessage(plugin, handle, { request: 'start' });
  plugin.setupMedia(handle);
  await tick();
  const sender = await network.openUdp({ what: 'test source', port: 0 });
  sender.send(rtp(111, 1), port, '127.0.0.1');
  await tick();
  assert.equal(handle.rtp.length, 1);
  assert.equal(handle.rtp[0].mid, 'a');
  assert.deepEqual(handle.rtp[0].packet, rtp(111, 1));
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'stop' })).data, { streaming: 'event', result: { status: 'stopping' } });
  sender.send(rtp(111, 2), port, '127.0.0.1');
  await tick();
  assert.equal(handle.rtp.length, 1);
});

test('a handle destroyed with requests waiting: nothing is pushed for it', async () => {
  const { plugin, handle } = await started();
  await sendMessage(plugin, handle, AUDIO_MOUNTPOINT);
  void plugin.handleMessage(handle, { transaction: 'w', body: { request: 'watch', id: 5 } });
  void plugin.handleMessage(handle, { transaction: 's', body: { request: 'start' } });
  plugin.destroySession(handle);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(handle.events, []);
  assert.equal(handle.offered.length, 0);
});

/** A VP8 packet starting a frame: 15-bit picture id and the temporal layer in the payload descriptor. */
function vp8(seq: number, pictureId: number, tid: number): Buffer {
  return rtp(100, seq, Buffer.from([0x90, 0xa0, 0x80 | (pictureId >> 8), pictureId & 0xff, tid << 6, 0x01, 0, 0]));
}

test('configure temporal 0 on a VP8 stream: higher layers skipped, pictures renumbered, the change told', async () => {
  const { plugin, network, handle } = await started();
  const created = await sendMessage(plugin, handle, { request: 'create', type: 'rtp', id: 6, media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' }] });
  const port = ((created.data.stream as JsonObject).ports as Array<{ port: number }>)[0].port;
  await sendMessage(plugin, handle, { request: 'watch', id: 6 });
  await sendMessage(plugin, handle, { request: 'start' });
  plugin.setupMedia(handle);
  await tick();
  assert.deepEqual((await sendMessage(plugin, handle, { request: 'configure', temporal: 0 })).data, { streaming: 'event', result: { event: 'configured' } });
  const sender = await network.openUdp({ what: 'test source', port: 0 });
  for (const [seq, pid, tid] of [
    [1, 10, 0],
    [2, 11, 1],
    [3, 12, 0],
  ])
    sender.send(vp8(seq, pid, tid), port, '127.0.0.1');
  await tick();
  const pictureIds = handle.rtp.map((r) => r.packet.readUInt16BE(14) & 0x7fff);
  assert.deepEqual(pictureIds, [10, 11]);
  assert.deepEqual(handle.skips, ['v']);
  assert.ok(handle.events.some((e) => JSON.stringify(e.data.result) === JSON.stringify({ mid: 'v', temporal: 0 })));
});

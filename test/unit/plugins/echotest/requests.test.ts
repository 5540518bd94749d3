// The EchoTest's request logic on a fake handle: field checks and their codes, the offer/answer, a handle's
// requests in arrival order, nothing pushed for a handle that went away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EchoTestPlugin } from '../../../../src/plugins/echotest/echotest.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };

function attached(): { plugin: EchoTestPlugin; handle: FakePluginHandle } {
  const plugin = new EchoTestPlugin();
  const handle = new FakePluginHandle();
  plugin.createSession(handle);
  return { plugin, handle };
}

test('every message is acknowledged with the hint, then answered by an event', async () => {
  const { plugin, handle } = attached();
  const { result, data } = await sendMessage(plugin, handle, { audio: false });
  assert.deepEqual(result, { kind: 'ack', hint: "I'm taking my time!" });
  assert.deepEqual(data, { echotest: 'event', result: 'ok' });
});

test('field errors: wrong type, layer out of range, nothing known: 413', async () => {
  const { plugin, handle } = attached();
  assert.deepEqual((await sendMessage(plugin, handle, { audio: 'yes' })).data, { echotest: 'event', error_code: 413, error: 'Invalid element type (audio should be a boolean)' });
  assert.deepEqual((await sendMessage(plugin, handle, { temporal: 3 })).data, { echotest: 'event', error_code: 413, error: 'Invalid element (temporal should be 0, 1 or 2)' });
  assert.deepEqual((await sendMessage(plugin, handle, { foo: 1 })).data, { echotest: 'event', error_code: 413, error: 'Message error: no supported attributes found' });
  assert.equal((await sendMessage(plugin, handle, { record: true, filename: '../out' })).data.error_code, 413);
});

test('an offer is answered sendrecv with the codecs asked; e2ee is kept; an answer or a failed offer is 414', async () => {
  const { plugin, handle } = attached();
  const r = await sendMessage(plugin, handle, { videocodec: 'vp9' }, { ...OFFER, e2ee: true });
  assert.deepEqual(r.data, { echotest: 'event', result: 'ok' });
  assert.equal(r.jsep?.type, 'answer');
  assert.equal(r.jsep?.e2ee, true);
  assert.equal(handle.answered[0].options.direction, 'sendrecv');
  assert.equal(handle.answered[0].options.videoCodec, 'vp9');
  assert.equal((await sendMessage(plugin, handle, {}, { type: 'answer', sdp: 'v=0\r\n' })).data.error_code, 414);
  handle.answer = () => Promise.reject(new Error('no codec in common'));
  assert.deepEqual((await sendMessage(plugin, handle, {}, OFFER)).data, { echotest: 'event', error_code: 414, error: 'Error parsing offer: no codec in common' });
});

test('bitrate caps the sender (0 lifts the cap); keyframe asks on every video mid', async () => {
  const { plugin, handle } = attached();
  await sendMessage(plugin, handle, { bitrate: 256000 });
  await sendMessage(plugin, handle, { bitrate: 0 });
  assert.deepEqual(handle.rembs, [256000, 10_000_000]);
  await sendMessage(plugin, handle, { keyframe: true });
  assert.deepEqual(handle.keyframeRequests, ['*']);
});

test("a handle's requests run in arrival order: a bitrate sent during the negotiation waits for it", async () => {
  const { plugin, handle } = attached();
  let release = (): void => {};
  handle.answer = () => new Promise<Jsep>((r) => (release = () => r({ type: 'answer', sdp: 'v=0\r\n' })));
  assert.equal(plugin.handleMessage(handle, { transaction: 'offer', body: {}, jsep: OFFER }).kind, 'ack');
  assert.equal(plugin.handleMessage(handle, { transaction: 'cap', body: { bitrate: 1000 } }).kind, 'ack');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(handle.rembs, [], 'the second request waits for the first');
  release();
  await handle.eventFor('cap');
  assert.deepEqual(
    handle.events.map((e) => e.transaction),
    ['offer', 'cap'],
  );
});

test('a handle destroyed while its offer is answered: no event, and its waiting requests are dropped', async () => {
  const { plugin, handle } = attached();
  let release = (): void => {};
  handle.answer = () => new Promise<Jsep>((r) => (release = () => r({ type: 'answer', sdp: 'v=0\r\n' })));
  plugin.handleMessage(handle, { transaction: 'offer', body: {}, jsep: OFFER });
  plugin.handleMessage(handle, { transaction: 'cap', body: { bitrate: 1000 } });
  await new Promise((r) => setImmediate(r));
  plugin.destroySession(handle);
  release();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(handle.events, []);
  assert.deepEqual(handle.rembs, []);
  assert.equal(plugin.handleMessage(handle, { transaction: 'late', body: { audio: true } }).kind, 'error');
});

test('hangup resets the call and says done; data is echoed with the prefix', async () => {
  const { plugin, handle } = attached();
  await sendMessage(plugin, handle, { audio: false });
  plugin.hangupMedia(handle);
  assert.deepEqual(handle.events.at(-1), { transaction: undefined, data: { echotest: 'event', result: 'done' } });
  assert.equal(plugin.querySession(handle).audio_active, true);
  plugin.incomingData(handle, 'chat', 'hi');
  assert.deepEqual(handle.data, [{ data: 'Janus EchoTest here! You wrote: hi', label: 'chat' }]);
});

// The VideoCall's request logic on fake handles: register, list, call/accept/hangup across two handles, set,
// media relayed between the peers, every error path with Janus's codes, clean-up when a handle goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoCallPlugin } from '../../../../src/plugins/videocall/videocall.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { buildPli } from '../../../../src/rtp/rtcp.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER: Jsep = { type: 'answer', sdp: 'v=0\r\n' };

function setup(): { plugin: VideoCallPlugin; a: FakePluginHandle; b: FakePluginHandle } {
  const plugin = new VideoCallPlugin();
  const a = new FakePluginHandle({ id: 1 });
  const b = new FakePluginHandle({ id: 2 });
  a.media = [
    { mid: '0', kind: 'audio', codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
    { mid: '1', kind: 'video', codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
    { mid: '2', kind: 'data' },
  ];
  plugin.createSession(a);
  plugin.createSession(b);
  return { plugin, a, b };
}

async function inCall(): Promise<ReturnType<typeof setup>> {
  const s = setup();
  await sendMessage(s.plugin, s.a, { request: 'register', username: 'alice' });
  await sendMessage(s.plugin, s.b, { request: 'register', username: 'bob' });
  assert.deepEqual((await sendMessage(s.plugin, s.a, { request: 'call', username: 'bob' }, OFFER)).data, { videocall: 'event', result: { event: 'calling' } });
  assert.deepEqual((await sendMessage(s.plugin, s.b, { request: 'accept' }, ANSWER)).data, { videocall: 'event', result: { event: 'accepted' } });
  return s;
}

function rtp(pt: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(1234, 8);
  return b;
}

test('register, list, and the kit errors: 471 475 474 472', async () => {
  const { plugin, a, b } = setup();
  assert.deepEqual((await sendMessage(plugin, a, { request: 'register', username: 'alice' })).data, { videocall: 'event', result: { event: 'registered', username: 'alice' } });
  assert.deepEqual((await sendMessage(plugin, b, { request: 'list' })).data, { videocall: 'event', result: { list: ['alice'] } });
  assert.deepEqual((await sendMessage(plugin, b, { request: 'register' })).data, { videocall: 'event', error_code: 475, error: 'Missing mandatory element (username)' });
  assert.deepEqual((await sendMessage(plugin, b, { request: 'register', username: 5 })).data, { videocall: 'event', error_code: 474, error: 'Invalid element type (username should be a string)' });
  assert.deepEqual((await sendMessage(plugin, b, { request: 'dance' })).data, { videocall: 'event', error_code: 472, error: "Unknown request 'dance'" });
  assert.equal((await sendMessage(plugin, b, {})).data.error_code, 475);
  assert.equal((await sendMessage(plugin, b, { request: 7 })).data.error_code, 474);
  assert.deepEqual((await sendMessage(plugin, b, { request: 'REGISTER', username: 'alice' })).data, { videocall: 'event', error_code: 476, error: "Username 'alice' already taken" });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'register', username: 'again' })).data, { videocall: 'event', error_code: 477, error: 'Already registered (alice)' });
});

test('call errors: not registered 473, self 479, no such user 478, no jsep 482, wrong jsep 483', async () => {
  const { plugin, a, b } = setup();
  assert.deepEqual((await sendMessage(plugin, a, { request: 'call', username: 'bob' }, OFFER)).data, { videocall: 'event', error_code: 473, error: 'Register a username first' });
  await sendMessage(plugin, a, { request: 'register', username: 'alice' });
  assert.equal((await sendMessage(plugin, a, { request: 'call' }, OFFER)).data.error_code, 475);
  assert.equal((await sendMessage(plugin, a, { request: 'call', username: 1 }, OFFER)).data.error_code, 474);
  assert.equal((await sendMessage(plugin, a, { request: 'call', username: 'alice' }, OFFER)).data.error_code, 479);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'call', username: 'bob' }, OFFER)).data, { videocall: 'event', error_code: 478, error: "Username 'bob' doesn't exist" });
  await sendMessage(plugin, b, { request: 'register', username: 'bob' });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'call', username: 'bob' })).data, { videocall: 'event', error_code: 482, error: 'Missing SDP' });
  assert.equal((await sendMessage(plugin, a, { request: 'call', username: 'bob' }, ANSWER)).data.error_code, 483);
  a.answer = async () => {
    throw new Error('no m-line');
  };
  assert.deepEqual((await sendMessage(plugin, a, { request: 'call', username: 'bob' }, OFFER)).data, { videocall: 'event', error_code: 483, error: 'Error parsing offer: no m-line' });
  // A failed call leaves both free.
  assert.equal(plugin.querySession(a).state, 'idle');
  assert.equal(plugin.querySession(b).state, 'idle');
});

test('a call: the callee gets our offer with the caller codecs, the caller gets its answer on accept', async () => {
  const { plugin, a, b } = await inCall();
  assert.deepEqual(b.offered[0], [
    { kind: 'audio', mid: '0', direction: 'sendrecv', codec: 'opus', pt: 111, fmtp: undefined, clockRate: 48000, channels: 2 },
    { kind: 'video', mid: '1', direction: 'sendrecv', codec: 'vp8', pt: 96, fmtp: undefined, clockRate: 90000, channels: undefined },
    { kind: 'data', mid: '2' },
  ]);
  const incoming = b.events.find((e) => e.transaction === undefined);
  assert.deepEqual(incoming?.data, { videocall: 'event', result: { event: 'incomingcall', username: 'alice' } });
  assert.equal(incoming?.jsep?.type, 'offer');
  const accepted = a.events.find((e) => e.transaction === undefined);
  assert.deepEqual(accepted?.data, { videocall: 'event', result: { event: 'accepted', username: 'bob' } });
  assert.equal(accepted?.jsep?.type, 'answer');
  assert.equal(plugin.querySession(a).peer, 'bob');
});

test('busy callee: hangup "User busy"; already in a call 480; accept without a call 481, without jsep 482', async () => {
  const { plugin, a, b } = await inCall();
  const c = new FakePluginHandle({ id: 3 });
  plugin.createSession(c);
  assert.deepEqual((await sendMessage(plugin, c, { request: 'accept' }, ANSWER)).data, { videocall: 'event', error_code: 481, error: 'No incoming call to accept' });
  await sendMessage(plugin, c, { request: 'register', username: 'carol' });
  assert.deepEqual((await sendMessage(plugin, c, { request: 'call', username: 'bob' }, OFFER)).data, { videocall: 'event', result: { event: 'hangup', username: 'carol', reason: 'User busy' } });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'call', username: 'carol' }, OFFER)).data, { videocall: 'event', error_code: 480, error: 'Already in a call' });
  assert.equal((await sendMessage(plugin, b, { request: 'accept' }, ANSWER)).data.error_code, 481);
  await sendMessage(plugin, a, { request: 'hangup' });
  await sendMessage(plugin, c, { request: 'call', username: 'bob' }, OFFER);
  assert.deepEqual((await sendMessage(plugin, b, { request: 'accept' })).data, { videocall: 'event', error_code: 482, error: 'Missing SDP' });
  assert.equal((await sendMessage(plugin, b, { request: 'accept' }, OFFER)).data.error_code, 483);
});

test('media, keyframe requests and data go to the peer; audio/video off stop them', async () => {
  const { plugin, a, b } = await inCall();
  plugin.incomingRtp(a, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(111));
  plugin.incomingRtp(a, { mid: '1', kind: 'video', codec: 'vp8' }, rtp(96));
  plugin.incomingRtp(b, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(111));
  assert.deepEqual(
    b.rtp.map((r) => r.mid),
    ['0', '1'],
  );
  assert.deepEqual(
    a.rtp.map((r) => r.mid),
    ['0'],
  );
  a.keyframeRequests.length = 0;
  plugin.incomingRtcp(b, { mid: '1', kind: 'video' }, buildPli(1, 2));
  assert.deepEqual(a.keyframeRequests, ['*']);
  plugin.incomingData(a, 'chat', 'hi');
  assert.deepEqual(b.data, [{ data: 'hi', label: 'chat' }]);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'set', audio: false, video: false })).data, { videocall: 'event', result: { event: 'set' } });
  plugin.incomingRtp(a, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(111));
  plugin.incomingRtp(a, { mid: '1', kind: 'video', codec: 'vp8' }, rtp(96));
  assert.equal(b.rtp.length, 2);
});

test('set: bitrate REMB, layer range 474, bad types 474, layer switch asks a keyframe, record path outside refused', async () => {
  const { plugin, a, b } = await inCall();
  await sendMessage(plugin, a, { request: 'set', bitrate: 128000 });
  assert.deepEqual(a.rembs, [128000]);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'set', substream: 3 })).data, { videocall: 'event', error_code: 474, error: 'Invalid value (substream should be 0, 1 or 2)' });
  assert.equal((await sendMessage(plugin, a, { request: 'set', temporal: -1 })).data.error_code, 474);
  assert.equal((await sendMessage(plugin, a, { request: 'set', bitrate: 'fast' })).data.error_code, 474);
  assert.equal((await sendMessage(plugin, a, { request: 'set', audio: 'yes' })).data.error_code, 474);
  assert.equal((await sendMessage(plugin, a, { request: 'set', record: true, filename: '../../escape' })).data.error_code, 474);
  // A layer not received yet: the peer is asked for a keyframe to switch on.
  const before = b.keyframeRequests.length;
  assert.deepEqual((await sendMessage(plugin, a, { request: 'set', substream: 1, temporal: 1, fallback: 250000 })).data, { videocall: 'event', result: { event: 'set' } });
  assert.ok(b.keyframeRequests.length > before);
});

test('hangup: both told, both PeerConnections closed; a hangup with no call is answered too', async () => {
  const { plugin, a, b } = await inCall();
  assert.deepEqual((await sendMessage(plugin, a, { request: 'hangup' })).data, { videocall: 'event', result: { event: 'hangup', username: 'alice', reason: 'Explicit hangup' } });
  assert.deepEqual(b.events.at(-1)?.data, { videocall: 'event', result: { event: 'hangup', username: 'alice', reason: 'Remote hangup' } });
  assert.equal(a.pcClosed, 1);
  assert.equal(b.pcClosed, 1);
  assert.equal((await sendMessage(plugin, a, { request: 'set', bitrate: -5 })).data.error_code, 474);
  assert.equal(((await sendMessage(plugin, b, { request: 'hangup' })).data.result as { event: string }).event, 'hangup');
});

test('a handle that goes ends its call and frees its username', async () => {
  const { plugin, a, b } = await inCall();
  plugin.destroySession(a);
  assert.deepEqual(b.events.at(-1)?.data, { videocall: 'event', result: { event: 'hangup', username: 'alice', reason: 'Remote hangup' } });
  assert.equal(plugin.querySession(b).state, 'idle');
  assert.deepEqual((await sendMessage(plugin, b, { request: 'list' })).data, { videocall: 'event', result: { list: ['bob'] } });
  const again = new FakePluginHandle({ id: 9 });
  plugin.createSession(again);
  assert.equal(((await sendMessage(plugin, again, { request: 'register', username: 'alice' })).data.result as { event: string }).event, 'registered');
  // The PeerConnection of one side going away ends the call too.
  await sendMessage(plugin, again, { request: 'call', username: 'bob' }, OFFER);
  await sendMessage(plugin, b, { request: 'accept' }, ANSWER);
  plugin.hangupMedia(b);
  assert.deepEqual(again.events.at(-1)?.data, { videocall: 'event', result: { event: 'hangup', username: 'bob', reason: 'Remote WebRTC hangup' } });
  plugin.destroy();
});

test('set restart: an ICE-restart offer in an update event, for either side; outside a call it is ignored', async () => {
  const { plugin, a, b } = await inCall();
  for (const h of [b, a]) {
    const from = h.events.length;
    assert.deepEqual((await sendMessage(plugin, h, { request: 'set', restart: true })).data, { videocall: 'event', result: { event: 'set' } });
    const update = h.events.slice(from).find((e) => e.transaction === undefined);
    assert.deepEqual(update?.data, { videocall: 'event', result: { event: 'update' } });
    assert.equal(update?.jsep?.type, 'offer');
  }
  b.offer = async () => {
    throw new Error('no PeerConnection');
  };
  assert.equal((await sendMessage(plugin, b, { request: 'set', restart: true })).data.error_code, 474);
  await sendMessage(plugin, a, { request: 'hangup' });
  const from = a.events.length;
  assert.deepEqual((await sendMessage(plugin, a, { request: 'set', restart: true })).data, { videocall: 'event', result: { event: 'set' } });
  assert.equal(a.events.slice(from).filter((e) => e.transaction === undefined).length, 0, 'nothing offered outside a call');
});

test('set with an offer: answered in an update after the set; the peer renegotiates only when what it gets changes', async () => {
  const { plugin, a, b } = await inCall();
  const updates = (h: FakePluginHandle, from: number) => h.events.slice(from).filter((e) => e.transaction === undefined && JSON.stringify(e.data).includes('"update"'));
  // The same media again (an ICE restart): the user gets its answer, the peer nothing.
  let fromA = a.events.length;
  const same = await sendMessage(plugin, a, { request: 'set' }, OFFER);
  assert.deepEqual(same.data, { videocall: 'event', result: { event: 'set' } });
  assert.equal(same.jsep, undefined, 'the set carries no jsep');
  const answered = updates(a, fromA);
  assert.equal(answered.length, 1);
  assert.equal(answered[0].jsep?.type, 'answer');
  assert.ok(a.events.indexOf(answered[0]) > a.events.findIndex((e, i) => i >= fromA && e.transaction !== undefined), 'the update comes after the set');
  assert.equal(b.offered.length, 1, 'no new offer for the peer');
  // Alice stops receiving video (recvonly would be the other way round): Bob gets a new offer with the server
  // sending him her video and taking none of his.
  a.media = a.media.map((m) => (m.kind === 'video' ? { ...m, direction: 'sendonly' as const } : m));
  fromA = a.events.length;
  const fromB = b.events.length;
  await sendMessage(plugin, a, { request: 'set' }, OFFER);
  assert.equal(updates(a, fromA)[0]?.jsep?.type, 'answer');
  assert.equal(b.offered.length, 2);
  assert.deepEqual(
    b.offered[1].map((t) => [t.mid, t.kind, t.active === false ? 'inactive' : t.direction]),
    [
      ['0', 'audio', 'sendrecv'],
      ['1', 'video', 'sendonly'],
      ['2', 'data', undefined],
    ],
  );
  const toBob = updates(b, fromB);
  assert.deepEqual(toBob[0]?.data, { videocall: 'event', result: { event: 'update' } });
  assert.equal(toBob[0]?.jsep?.type, 'offer');
  // Bob answers it with set + jsep (the core applied the answer): a set, nothing more.
  assert.deepEqual((await sendMessage(plugin, b, { request: 'set' }, ANSWER)).data, { videocall: 'event', result: { event: 'set' } });
  // Alice drops video altogether (port 0): Bob's video m-line goes.
  a.media = a.media.filter((m) => m.kind !== 'video');
  await sendMessage(plugin, a, { request: 'set' }, OFFER);
  assert.deepEqual(
    b.offered[2].map((t) => t.mid),
    ['0', '2'],
  );
  // A bad offer: 483, the peer untouched.
  a.answer = async () => {
    throw new Error('no m-line');
  };
  assert.deepEqual((await sendMessage(plugin, a, { request: 'set' }, OFFER)).data, { videocall: 'event', error_code: 483, error: 'Error parsing offer: no m-line' });
  assert.equal(b.offered.length, 3);
  // No call, no renegotiation: 481.
  await sendMessage(plugin, a, { request: 'hangup' });
  assert.deepEqual((await sendMessage(plugin, b, { request: 'set', audio: false }, OFFER)).data, { videocall: 'event', error_code: 481, error: 'No call to renegotiate' });
  assert.equal(plugin.querySession(b).audio_active, true, 'a refused set changes nothing');
});

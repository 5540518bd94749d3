import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attach, createSession, errorCode, makeGateway, RecordingSink } from './fixtures.js';
import type { Plugin } from '../../../src/plugin-api/plugin.js';

test('info and ping need no session and answer with server_info / pong', async () => {
  const t = makeGateway();
  assert.equal((await t.call({ janus: 'info', transaction: 'x' })).janus, 'server_info');
  assert.deepEqual(await t.call({ janus: 'ping', transaction: 'y' }), { janus: 'pong', transaction: 'y' });
});

test('create replies with data.id and no session_id; attach replies with both', async () => {
  const t = makeGateway();
  const created = await t.call({ janus: 'create', transaction: 't1' });
  assert.equal(created.janus, 'success');
  assert.equal(created.transaction, 't1');
  assert.equal(created.session_id, undefined);
  const id = (created.data as { id: number }).id;
  assert.ok(Number.isSafeInteger(id) && id > 0);
  const attached = await t.call({ janus: 'attach', transaction: 't2', session_id: id, plugin: 'janus.plugin.echotest' });
  assert.equal(attached.janus, 'success');
  assert.equal(attached.session_id, id);
  assert.ok((attached.data as { id: number }).id > 0);
});

test('create with a requested id uses it, and a taken id gets 468', async () => {
  const t = makeGateway();
  const r = await t.call({ janus: 'create', transaction: 'a', id: 1234 });
  assert.equal((r.data as { id: number }).id, 1234);
  assert.equal(errorCode(await t.call({ janus: 'create', transaction: 'b', id: 1234 })), 468);
});

test('every validation error carries the Janus code', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = await attach(t, s);
  const cases: Array<[unknown, number]> = [
    [[1, 2], 455],
    ['text', 455],
    [{ janus: 'info' }, 456],
    [{ transaction: 'x' }, 456],
    [{ janus: 5, transaction: 'x' }, 467],
    [{ janus: 'info', transaction: 7 }, 467],
    [{ janus: 'create', transaction: 'x', id: -1 }, 467],
    [{ janus: 'attach', transaction: 'x' }, 457],
    [{ janus: 'bogus', transaction: 'x', session_id: s }, 453],
    [{ janus: 'keepalive', transaction: 'x', session_id: 99 }, 458],
    [{ janus: 'keepalive', transaction: 'x', session_id: 's' }, 467],
    [{ janus: 'keepalive', transaction: 'x', handle_id: h }, 458],
    [{ janus: 'detach', transaction: 'x', session_id: s, handle_id: 42 }, 459],
    [{ janus: 'attach', transaction: 'x', session_id: s }, 456],
    [{ janus: 'attach', transaction: 'x', session_id: s, plugin: 5 }, 467],
    [{ janus: 'attach', transaction: 'x', session_id: s, plugin: 'janus.plugin.nope' }, 460],
    [{ janus: 'attach', transaction: 'x', session_id: s, handle_id: h, plugin: 'janus.plugin.echotest' }, 457],
    [{ janus: 'destroy', transaction: 'x', session_id: s, handle_id: h }, 457],
    [{ janus: 'message', transaction: 'x', session_id: s }, 457],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h }, 456],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h, body: [] }, 467],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h, body: {}, jsep: 'no' }, 455],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h, body: {}, jsep: { type: 'offer' } }, 456],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h, body: {}, jsep: { type: 'pranswer', sdp: 'v=0' } }, 464],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h, body: {}, jsep: { type: 'offer', sdp: 'garbage' } }, 465],
    [{ janus: 'message', transaction: 'x', session_id: s, handle_id: h, body: {}, jsep: { type: 'answer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' } }, 469],
    [{ janus: 'trickle', transaction: 'x', session_id: s, handle_id: h }, 456],
    [{ janus: 'trickle', transaction: 'x', session_id: s, handle_id: h, candidate: 'x' }, 467],
    [{ janus: 'trickle', transaction: 'x', session_id: s, handle_id: h, candidates: {} }, 467],
    [{ janus: 'trickle', transaction: 'x', session_id: s, handle_id: h, candidate: { sdpMid: '0' } }, 456],
  ];
  for (const [req, code] of cases) {
    const reply = await t.call(req);
    assert.equal(errorCode(reply), code, `${JSON.stringify(req)} → ${JSON.stringify(reply)}`);
    assert.equal(typeof (reply.error as { reason: string }).reason, 'string');
  }
});

test('error replies echo transaction and session_id when known', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const r = await t.call({ janus: 'detach', transaction: 'tx', session_id: s, handle_id: 5 });
  assert.equal(r.transaction, 'tx');
  assert.equal(r.session_id, s);
  assert.deepEqual(r.error, { code: 459, reason: `No such handle 5 in session ${s}` });
});

test('verbs are case-insensitive and null ids count as absent', async () => {
  const t = makeGateway();
  assert.equal((await t.call({ janus: 'PING', transaction: 'x', session_id: null })).janus, 'pong');
});

test('message to echotest: ack (with hint) first, then the event with the same transaction', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = await attach(t, s);
  const reply = await t.call({ janus: 'message', transaction: 'm1', session_id: s, handle_id: h, body: { audio: true } });
  assert.equal(reply.janus, 'ack');
  assert.equal(reply.hint, "I'm taking my time!");
  await new Promise((r) => setImmediate(r));
  const ev = t.sink.events.find((e) => e.janus === 'event');
  assert.ok(ev);
  assert.equal(ev.transaction, 'm1');
  assert.equal(ev.sender, h);
  assert.equal(ev.session_id, s);
  assert.deepEqual(ev.plugindata, { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } });
});

test('echotest validates its body with its own error codes', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = await attach(t, s);
  await t.call({ janus: 'message', transaction: 'm', session_id: s, handle_id: h, body: { audio: 'yes' } });
  await t.call({ janus: 'message', transaction: 'n', session_id: s, handle_id: h, body: { foo: 1 } });
  await t.call({ janus: 'message', transaction: 'o', session_id: s, handle_id: h, body: { substream: 3 } });
  await new Promise((r) => setImmediate(r));
  const codes = t.sink.events.filter((e) => e.janus === 'event').map((e) => (e.plugindata as { data: { error_code: number } }).data.error_code);
  assert.deepEqual(codes, [413, 413, 413]);
});

test('keepalive acks; detach succeeds then emits detached; destroy frees handles', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = await attach(t, s);
  assert.equal((await t.call({ janus: 'keepalive', transaction: 'k', session_id: s })).janus, 'ack');
  assert.equal((await t.call({ janus: 'detach', transaction: 'd', session_id: s, handle_id: h })).janus, 'success');
  assert.deepEqual(t.sink.events.at(-1), { janus: 'detached', session_id: s, sender: h });
  assert.equal(errorCode(await t.call({ janus: 'detach', transaction: 'd', session_id: s, handle_id: h })), 459);
  const h2 = await attach(t, s);
  assert.equal((await t.call({ janus: 'destroy', transaction: 'x', session_id: s })).janus, 'success');
  assert.ok(t.sink.events.some((e) => e.janus === 'detached' && e.sender === h2));
  assert.deepEqual(t.sink.over.at(-1), [s, 'destroyed']);
  assert.equal(t.gateway.sessions.size, 0);
  assert.equal(errorCode(await t.call({ janus: 'keepalive', transaction: 'k', session_id: s })), 458);
});

test('hangup without a PeerConnection succeeds quietly', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = await attach(t, s);
  assert.equal((await t.call({ janus: 'hangup', transaction: 'h', session_id: s, handle_id: h })).janus, 'success');
  assert.equal(t.sink.events.filter((e) => e.janus === 'hangup').length, 0);
});

test('trickle before any offer is kept (ack) and dropped after candidates_timeout', async () => {
  const t = makeGateway({ candidatesTimeout: 3 });
  const s = await createSession(t);
  const h = await attach(t, s);
  const r = await t.call({
    janus: 'trickle',
    transaction: 't',
    session_id: s,
    handle_id: h,
    candidates: [{ sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' }, { completed: true }],
  });
  assert.equal(r.janus, 'ack');
  const handle = t.gateway.sessions.get(s)!.handles.get(h)!;
  assert.equal(handle.pendingTrickles.length, 2);
  t.clock.advance(4000);
  assert.equal(handle.pendingTrickles.length, 0);
});

test('a session times out after session_timeout without activity, with a timeout event', async () => {
  const t = makeGateway({ sessionTimeout: 10 });
  const s = await createSession(t);
  const h = await attach(t, s);
  t.clock.advance(8000);
  await t.call({ janus: 'keepalive', transaction: 'k', session_id: s });
  t.clock.advance(8000);
  assert.ok(t.gateway.sessions.has(s), 'keepalive refreshed the session');
  t.clock.advance(4000);
  assert.ok(!t.gateway.sessions.has(s));
  assert.ok(t.sink.events.some((e) => e.janus === 'detached' && e.sender === h));
  assert.deepEqual(t.sink.events.at(-1), { janus: 'timeout', session_id: s });
  assert.deepEqual(t.sink.over.at(-1), [s, 'timeout']);
});

test('session_timeout 0 never expires; a per-session override wins', async () => {
  const t = makeGateway({ sessionTimeout: 0 });
  const s = await createSession(t);
  t.clock.advance(3_600_000);
  assert.ok(t.gateway.sessions.has(s));
  t.gateway.sessions.get(s)!.timeoutOverride = 5;
  t.clock.advance(6000);
  assert.ok(!t.gateway.sessions.has(s));
});

test('transport gone: destroyed at once without reclaim, claimable with reclaim_session_timeout', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  t.gateway.transportGone(t.sink);
  assert.ok(!t.gateway.sessions.has(s));

  const r = makeGateway({ reclaimSessionTimeout: 5 });
  const s2 = await createSession(r);
  r.gateway.transportGone(r.sink);
  assert.ok(r.gateway.sessions.has(s2));
  const other = new RecordingSink();
  assert.equal((await r.call({ janus: 'claim', transaction: 'c', session_id: s2 }, other)).janus, 'success');
  assert.deepEqual(r.sink.over.at(-1), [s2, 'claimed']);
  r.clock.advance(10_000);
  assert.ok(r.gateway.sessions.has(s2), 'claimed session survives the reclaim window');

  const s3 = await createSession(r);
  r.gateway.transportGone(r.sink);
  r.clock.advance(6000);
  assert.ok(!r.gateway.sessions.has(s3), 'unclaimed session is destroyed after the reclaim window');
});

test('events of a claimed session go to the new transport', async () => {
  const t = makeGateway({ reclaimSessionTimeout: 30 });
  const s = await createSession(t);
  const h = await attach(t, s);
  const other = new RecordingSink();
  await t.call({ janus: 'claim', transaction: 'c', session_id: s }, other);
  await t.call({ janus: 'message', transaction: 'm', session_id: s, handle_id: h, body: { video: true } }, other);
  await new Promise((r) => setImmediate(r));
  assert.ok(other.events.some((e) => e.janus === 'event' && e.transaction === 'm'));
});

test('not accepting new sessions gives 472', async () => {
  const t = makeGateway({ acceptNewSessions: false });
  assert.equal(errorCode(await t.call({ janus: 'create', transaction: 'x' })), 472);
});

test('opaque_id is kept and only echoed in events when opaqueid_in_api is on', async () => {
  const t = makeGateway({ opaqueIdInApi: true });
  const s = await createSession(t);
  const r = await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest', opaque_id: 'me' });
  const h = (r.data as { id: number }).id;
  await t.call({ janus: 'message', transaction: 'm', session_id: s, handle_id: h, body: { audio: false } });
  await new Promise((res) => setImmediate(res));
  assert.equal(t.sink.events.find((e) => e.janus === 'event')?.opaque_id, 'me');
});

test('stop() destroys every session', async () => {
  const t = makeGateway();
  await createSession(t);
  await createSession(t);
  t.gateway.stop();
  assert.equal(t.gateway.sessions.size, 0);
});

test("a handle's messages reach the plugin in arrival order, a jsep to apply first included", async () => {
  const seen: string[] = [];
  const plugin: Plugin = {
    descriptor: { package: 'janus.plugin.order', name: 'order', author: 'test', description: 'records message order', version: 1, versionString: '0.0.1' },
    createSession: () => undefined,
    destroySession: () => undefined,
    handleMessage: (_h, m) => {
      seen.push(m.transaction);
      return { kind: 'ack' };
    },
  };
  const t = makeGateway({}, [plugin]);
  const s = await createSession(t);
  const h = await attach(t, s, 'janus.plugin.order');
  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n' };
  const replies = await Promise.all([
    t.call({ janus: 'message', transaction: 'first-with-jsep', session_id: s, handle_id: h, body: { request: 'a' }, jsep: offer }),
    t.call({ janus: 'message', transaction: 'second', session_id: s, handle_id: h, body: { request: 'b' } }),
    t.call({ janus: 'message', transaction: 'third', session_id: s, handle_id: h, body: { request: 'c' } }),
  ]);
  assert.deepEqual(
    replies.map((r) => r.janus),
    ['ack', 'ack', 'ack'],
  );
  assert.deepEqual(seen, ['first-with-jsep', 'second', 'third']);
});

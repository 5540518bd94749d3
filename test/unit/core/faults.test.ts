// The gateway's answer to faults of ours and to ids and strings beyond bounds, on a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plugin, PluginHandle, PluginResult } from '../../../src/plugins/plugin.js';
import { attach, createSession, errorCode, makeGateway } from './fixtures.js';

class Broken implements Plugin {
  readonly descriptor = { package: 'janus.plugin.broken', name: 'Broken', author: 'test', description: 'throws', version: 1, versionString: '1' };
  failAttach = false;
  createSession(_h: PluginHandle): void {
    if (this.failAttach) throw new TypeError("Cannot read properties of undefined (reading 'x')");
  }
  destroySession(): void {}
  handleMessage(): PluginResult {
    throw new RangeError('Maximum call stack size exceeded');
  }
}

test('an exception in a plugin is answered 490 "Internal error" (counted), an attach failure 461 without its text', async () => {
  const broken = new Broken();
  const t = makeGateway({}, [broken]);
  const s = await createSession(t);
  const h = await attach(t, s, 'janus.plugin.broken');
  const r = await t.call({ janus: 'message', transaction: 'm', session_id: s, handle_id: h, body: {} });
  assert.deepEqual(r, { janus: 'error', session_id: s, transaction: 'm', error: { code: 490, reason: 'Internal error' } });
  assert.equal(t.gateway.stats.internalFaults, 1);
  broken.failAttach = true;
  const a = await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.broken' });
  assert.equal(errorCode(a), 461);
  assert.doesNotMatch(JSON.stringify(a), /Cannot read|undefined/);
  assert.equal(t.gateway.stats.internalFaults, 2);
});

test('ids beyond 53 bits are 458/459 and not echoed; over-long envelope strings are 467 and not echoed', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const big = 2 ** 60;
  const rs = await t.call({ janus: 'keepalive', transaction: 'k', session_id: big });
  assert.equal(errorCode(rs), 458);
  assert.equal(rs.session_id, undefined);
  const rh = await t.call({ janus: 'detach', transaction: 'd', session_id: s, handle_id: big });
  assert.equal(errorCode(rh), 459);
  assert.equal((rh.error as { reason: string }).reason, `No such handle 1152921504606846976 in session ${s}`);
  const long = await t.call({ janus: 'ping', transaction: 't'.repeat(2000) });
  assert.equal(errorCode(long), 467);
  assert.equal(long.transaction, undefined);
  assert.equal(errorCode(await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest', opaque_id: 'o'.repeat(2000) })), 467);
  assert.equal(errorCode(await t.call({ janus: 'keepalive', transaction: 'k', session_id: s, apisecret: 's'.repeat(5000) })), 467);
});

test('early candidates (before any PeerConnection) are kept up to a bound; the rest are dropped, still acked', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = await attach(t, s);
  const candidates = Array.from({ length: 1500 }, (_, i) => ({ candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${10000 + i} typ host`, sdpMLineIndex: 0 }));
  for (let i = 0; i < 3; i++) assert.equal((await t.call({ janus: 'trickle', transaction: `t${i}`, session_id: s, handle_id: h, candidates })).janus, 'ack');
  const handle = t.gateway.sessions.get(s)?.handles.get(h);
  assert.equal(handle?.pendingTrickles.length, 1000);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminApi } from '../../../src/core/admin.js';
import { TokenStore } from '../../../src/core/tokens.js';
import { attach, createSession, errorCode, makeGateway, quietLogger } from './fixtures.js';

function setup(tokenAuth = false) {
  const t = makeGateway({}, undefined, new TokenStore({ enabled: tokenAuth }));
  const admin = new AdminApi(t.gateway, { adminSecret: 'overlord', noMediaTimer: 1, slowlinkThreshold: 0, minNackQueue: 200, nackOptimizations: false }, quietLogger());
  const call = (r: Record<string, unknown>) => admin.handle({ transaction: 'x', admin_secret: 'overlord', ...r });
  return { t, admin, call };
}

test('admin info/ping need no secret; other requests do (403)', async () => {
  const { admin } = setup();
  assert.equal((await admin.handle({ janus: 'info', transaction: 'i' })).janus, 'server_info');
  assert.equal((await admin.handle({ janus: 'ping', transaction: 'p' })).janus, 'pong');
  assert.equal(errorCode(await admin.handle({ janus: 'list_sessions', transaction: 'l' })), 403);
  assert.equal(errorCode(await admin.handle({ janus: 'list_sessions', transaction: 'l', admin_secret: 'no' })), 403);
});

test('list_sessions, list_handles, handle_info, detach_handle, destroy_session', async () => {
  const { t, call } = setup();
  const s = await createSession(t);
  const h = await attach(t, s);
  assert.deepEqual((await call({ janus: 'list_sessions' })).sessions, [s]);
  assert.deepEqual((await call({ janus: 'list_handles', session_id: s })).handles, [h]);
  const info = await call({ janus: 'handle_info', session_id: s, handle_id: h });
  assert.equal(info.janus, 'success');
  const i = info.info as Record<string, unknown>;
  assert.equal(i.plugin, 'janus.plugin.echotest');
  assert.equal(i.session_id, s);
  assert.equal(typeof i.plugin_specific, 'object');
  assert.equal(errorCode(await call({ janus: 'handle_info', session_id: s, handle_id: 1 })), 459);
  assert.equal((await call({ janus: 'detach_handle', session_id: s, handle_id: h })).janus, 'success');
  assert.deepEqual((await call({ janus: 'list_handles', session_id: s })).handles, []);
  assert.equal((await call({ janus: 'destroy_session', session_id: s })).janus, 'success');
  assert.deepEqual((await call({ janus: 'list_sessions' })).sessions, []);
  assert.equal(errorCode(await call({ janus: 'list_handles', session_id: s })), 458);
});

test('set_session_timeout globally and per session; set_log_level validates range', async () => {
  const { t, call } = setup();
  assert.equal((await call({ janus: 'set_session_timeout', timeout: 5 })).timeout, 5);
  assert.equal(t.gateway.settings.sessionTimeout, 5);
  const s = await createSession(t);
  assert.equal((await call({ janus: 'set_session_timeout', session_id: s, timeout: 0 })).timeout, 0);
  t.clock.advance(10_000);
  assert.ok(t.gateway.sessions.has(s));
  assert.equal(errorCode(await call({ janus: 'set_session_timeout', timeout: 'x' })), 467);
  assert.equal((await call({ janus: 'set_log_level', level: 7 })).level, 7);
  assert.equal(errorCode(await call({ janus: 'set_log_level', level: 8 })), 467);
  assert.equal(errorCode(await call({ janus: 'set_log_level' })), 456);
  const status = (await call({ janus: 'get_status' })).status as Record<string, unknown>;
  assert.equal(status.session_timeout, 5);
  assert.equal(errorCode(await call({ janus: 'no_such_thing' })), 457);
});

test('token management needs stored-token mode', async () => {
  const off = setup(false);
  assert.equal(errorCode(await off.call({ janus: 'add_token', token: 'a' })), 490);
  const { call } = setup(true);
  assert.deepEqual((await call({ janus: 'add_token', token: 'a', plugins: ['janus.plugin.echotest'] })).data, { plugins: ['janus.plugin.echotest'] });
  assert.deepEqual((await call({ janus: 'list_tokens' })).data, { tokens: [{ token: 'a', allowed_plugins: ['janus.plugin.echotest'] }] });
  assert.deepEqual((await call({ janus: 'disallow_token', token: 'a', plugins: ['janus.plugin.echotest'] })).data, { plugins: [] });
  assert.deepEqual((await call({ janus: 'allow_token', token: 'a', plugins: ['janus.plugin.echotest'] })).data, { plugins: ['janus.plugin.echotest'] });
  assert.equal(errorCode(await call({ janus: 'allow_token', token: 'zz', plugins: ['janus.plugin.echotest'] })), 470);
  assert.equal(errorCode(await call({ janus: 'allow_token', token: 'a', plugins: ['janus.plugin.nope'] })), 467);
  assert.equal((await call({ janus: 'remove_token', token: 'a' })).janus, 'success');
  assert.equal(errorCode(await call({ janus: 'remove_token', token: 'a' })), 470);
});

test('message_plugin reaches the plugin admin handler', async () => {
  const { call } = setup();
  const r = await call({ janus: 'message_plugin', plugin: 'janus.plugin.echotest', request: { hello: 1 } });
  assert.deepEqual(r.response, { hello: 1 });
  assert.equal(errorCode(await call({ janus: 'message_plugin', plugin: 'x', request: {} })), 460);
});

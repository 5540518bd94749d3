import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signToken, TokenStore } from '../../../src/core/tokens.js';
import { errorCode, makeGateway } from './fixtures.js';

test('api_secret: info/ping pass without it, everything else needs it', async () => {
  const t = makeGateway({ apiSecret: 'sesame' });
  assert.equal((await t.call({ janus: 'info', transaction: 'i' })).janus, 'server_info');
  assert.equal((await t.call({ janus: 'ping', transaction: 'p' })).janus, 'pong');
  assert.equal(errorCode(await t.call({ janus: 'create', transaction: 'c' })), 403);
  assert.equal(errorCode(await t.call({ janus: 'create', transaction: 'c', apisecret: 'wrong' })), 403);
  const r = await t.call({ janus: 'create', transaction: 'c', apisecret: 'sesame' });
  const s = (r.data as { id: number }).id;
  assert.equal(errorCode(await t.call({ janus: 'keepalive', transaction: 'k', session_id: s })), 403);
  assert.equal((await t.call({ janus: 'keepalive', transaction: 'k', session_id: s, apisecret: 'sesame' })).janus, 'ack');
});

test('stored tokens: valid token passes; attach checks the plugin list (405)', async () => {
  const tokens = new TokenStore({ enabled: true });
  tokens.add('good', ['janus.plugin.echotest']);
  tokens.add('limited', []);
  const t = makeGateway({}, undefined, tokens);
  assert.equal(errorCode(await t.call({ janus: 'create', transaction: 'c' })), 403);
  const r = await t.call({ janus: 'create', transaction: 'c', token: 'good' });
  const s = (r.data as { id: number }).id;
  assert.equal((await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest', token: 'good' })).janus, 'success');
  assert.equal(errorCode(await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest', token: 'limited' })), 405);
  assert.equal(errorCode(await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest', token: 'nope' })), 403);
});

test('signed tokens: HMAC checked, realm janus, expiry enforced, plugins from the token', () => {
  let now = 1_000_000_000_000;
  const store = new TokenStore({ enabled: true, secret: 'k' }, () => now);
  const tok = signToken('k', now / 1000 + 60, ['janus.plugin.echotest']);
  assert.ok(store.isValid(tok));
  assert.ok(store.allowsPlugin(tok, 'janus.plugin.echotest'));
  assert.ok(!store.allowsPlugin(tok, 'janus.plugin.streaming'));
  assert.ok(!store.isValid(signToken('other', now / 1000 + 60, [])));
  assert.ok(!store.isValid(tok.replace('janus', 'jenus')));
  assert.ok(!store.isValid('garbage'));
  now += 120_000;
  assert.ok(!store.isValid(tok), 'expired');
});

test('the session id must be positive before auth is even checked', async () => {
  const t = makeGateway({ apiSecret: 'x' });
  assert.equal(errorCode(await t.call({ janus: 'keepalive', transaction: 'k', session_id: 0 })), 458);
});

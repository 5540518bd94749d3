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

test("a plugin's signed tokens: its package as realm, the descriptor among the data, HMAC and expiry as for the core's", () => {
  let now = 1_000_000_000_000;
  const store = new TokenStore({ enabled: true, secret: 'k' }, () => now);
  const later = now / 1000 + 60;
  const room = signToken('k', later, ['room=1234'], 'janus.plugin.videoroom');
  assert.ok(store.signatureContains(room, 'janus.plugin.videoroom', 'room=1234'));
  assert.ok(!store.signatureContains(room, 'janus.plugin.videoroom', 'room=12345'), 'another room');
  assert.ok(!store.signatureContains(room, 'janus.plugin.audiobridge', 'room=1234'), 'another plugin');
  assert.ok(!store.signatureContains(signToken('k', later, ['janus.plugin.videoroom']), 'janus.plugin.videoroom', 'room=1234'), "the core's token");
  assert.ok(!store.signatureContains(signToken('other', later, ['room=1234'], 'janus.plugin.videoroom'), 'janus.plugin.videoroom', 'room=1234'), 'forged');
  assert.ok(!store.signatureContains(undefined, 'janus.plugin.videoroom', 'room=1234'));
  assert.ok(!store.signatureContains('no:good', 'janus.plugin.videoroom', 'room=1234'));
  assert.ok(!store.isValid(room), 'not a token of the core (realm janus)');
  now += 120_000;
  assert.ok(!store.signatureContains(room, 'janus.plugin.videoroom', 'room=1234'), 'expired');
  for (const off of [new TokenStore({ enabled: false }), new TokenStore({ enabled: true })])
    assert.ok(off.signatureContains(undefined, 'janus.plugin.videoroom', 'room=1'), 'no signing: not checked, as Janus');
});

test('the session id must be positive before auth is even checked', async () => {
  const t = makeGateway({ apiSecret: 'x' });
  assert.equal(errorCode(await t.call({ janus: 'keepalive', transaction: 'k', session_id: 0 })), 458);
});

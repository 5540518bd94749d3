// Reclaiming a session from a new connection, api_secret on every transport path, and the Admin API over REST.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInProcess } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { sleep } from '../../../support/wait.js';

const code = (m: Msg): number | undefined => (m.error as { code?: number } | undefined)?.code;

test('reclaim_session_timeout: a new WebSocket claims the session and gets its events', { timeout: 20_000 }, async () => {
  const srv = await startInProcess([['general.reclaim_session_timeout', '10']]);
  try {
    const a = await JanusWs.open(srv.wsUrl);
    const s = ((await a.request({ janus: 'create' })).data as { id: number }).id;
    const h = ((await a.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
    a.close();
    await sleep(200);
    assert.ok(srv.server.gateway.sessions.has(s), 'kept for reclaiming');
    const b = await JanusWs.open(srv.wsUrl);
    assert.equal((await b.request({ janus: 'claim', session_id: s })).janus, 'success');
    const tx = b.send({ janus: 'message', session_id: s, handle_id: h, body: { audio: true } });
    await b.wait((m) => m.janus === 'event' && m.transaction === tx);
    b.close();
  } finally {
    await srv.stop();
  }
});

test('api_secret: REST, long poll and WS refuse without it; info and ping need none', async () => {
  const srv = await startInProcess([['general.api_secret', 'sesame']]);
  try {
    const post = async (path: string, body: object): Promise<Msg> => (await (await fetch(srv.restUrl + path, { method: 'POST', body: JSON.stringify(body) })).json()) as Msg;
    assert.equal((await post('', { janus: 'info', transaction: 'i' })).janus, 'server_info');
    assert.equal(code(await post('', { janus: 'create', transaction: 'c' })), 403);
    const s = ((await post('', { janus: 'create', transaction: 'c', apisecret: 'sesame' })).data as { id: number }).id;
    assert.equal((await fetch(`${srv.restUrl}/${s}`)).status, 403);
    const poll = fetch(`${srv.restUrl}/${s}?apisecret=sesame`);
    await post(`/${s}`, { janus: 'destroy', transaction: 'd', apisecret: 'sesame' });
    assert.equal((await poll).status, 200);
    const ws = await JanusWs.open(srv.wsUrl);
    assert.equal(code(await ws.request({ janus: 'create' })), 403);
    assert.equal((await ws.request({ janus: 'ping' })).janus, 'pong');
    ws.close();
  } finally {
    await srv.stop();
  }
});

test('Admin API over REST: secret required, sessions listed, token management', async () => {
  const srv = await startInProcess([
    ['http.admin_http', 'true'],
    ['http.admin_ip', '127.0.0.1'],
    ['http.admin_port', '0'],
    ['general.admin_secret', 'overlord'],
    ['general.token_auth', 'true'],
  ]);
  try {
    const admin = srv.server.listeners.find((l) => l.name.startsWith('Admin API'))!;
    const base = `http://127.0.0.1:${admin.port}/admin`;
    const call = async (body: object, path = ''): Promise<Msg> => (await (await fetch(base + path, { method: 'POST', body: JSON.stringify({ transaction: 't', ...body }) })).json()) as Msg;
    assert.equal(((await (await fetch(`${base}/info`)).json()) as Msg).janus, 'server_info');
    assert.equal(code(await call({ janus: 'list_sessions' })), 403);
    assert.deepEqual((await call({ janus: 'add_token', token: 'tok', plugins: ['janus.plugin.echotest'], admin_secret: 'overlord' })).data, { plugins: ['janus.plugin.echotest'] });
    const post = async (path: string, body: object): Promise<Msg> => (await (await fetch(srv.restUrl + path, { method: 'POST', body: JSON.stringify(body) })).json()) as Msg;
    assert.equal(code(await post('', { janus: 'create', transaction: 'c' })), 403);
    const s = ((await post('', { janus: 'create', transaction: 'c', token: 'tok' })).data as { id: number }).id;
    assert.equal((await post(`/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest', token: 'tok' })).janus, 'success');
    await call({ janus: 'disallow_token', token: 'tok', plugins: ['janus.plugin.echotest'], admin_secret: 'overlord' });
    assert.equal(code(await post(`/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest', token: 'tok' })), 405);
    assert.deepEqual((await call({ janus: 'list_sessions', admin_secret: 'overlord' })).sessions, [s]);
    assert.equal((await call({ janus: 'list_handles', admin_secret: 'overlord' }, `/${s}`)).handles instanceof Array, true);
    assert.equal((await call({ janus: 'destroy_session', admin_secret: 'overlord' }, `/${s}`)).janus, 'success');
    assert.deepEqual((await call({ janus: 'list_sessions', admin_secret: 'overlord' })).sessions, []);
    assert.equal(code(await call({ janus: 'set_log_level', level: 99, admin_secret: 'overlord' })), 467);
  } finally {
    await srv.stop();
  }
});

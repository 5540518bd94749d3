// The REST and WebSocket transports: Janus semantics, bad input, and that the server keeps serving.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { sleep, waitUntil } from '../../../support/wait.js';

let srv: StartedServer;
before(async () => {
  srv = await startInProcess([
    ['general.session_timeout', '2'],
    ['general.reclaim_session_timeout', '0'],
    ['http.max_body_size', '4096'],
    ['websockets.max_message_size', '4096'],
  ]);
});
after(async () => {
  await srv.stop();
});

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  const url = new URL(srv.restUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const post = async (path: string, body: unknown): Promise<Msg> => JSON.parse((await http('POST', path, typeof body === 'string' ? body : JSON.stringify(body))).body) as Msg;
const code = (m: Msg): number | undefined => (m.error as { code?: number } | undefined)?.code;

async function stillServing(): Promise<void> {
  const info = await http('GET', '/janus/info');
  assert.equal((JSON.parse(info.body) as Msg).janus, 'server_info');
}

test('REST: bad input gets Janus errors and the server keeps serving', async () => {
  assert.equal(code(await post('/janus', '{"janus":')), 454);
  assert.match(((await post('/janus', '{"janus":')).error as { reason: string }).reason, /^JSON error: /);
  assert.equal(code(await post('/janus', '[1,2]')), 455);
  assert.equal(code(await post('/janus', { janus: 'create' })), 456);
  assert.equal(code(await post('/janus', { janus: 42, transaction: 'x' })), 467);
  assert.equal(code(await post('/janus', { janus: 'attach', transaction: 'x' })), 457);
  assert.equal(code(await post('/janus/1234', { janus: 'keepalive', transaction: 'x' })), 458);
  const s = ((await post('/janus', { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  assert.equal(code(await post(`/janus/${s}`, { janus: 'frobnicate', transaction: 'x' })), 453);
  assert.equal(code(await post(`/janus/${s}/99`, { janus: 'detach', transaction: 'x' })), 459);
  assert.equal(code(await post(`/janus/${s}`, { janus: 'attach', transaction: 'x', plugin: 'janus.plugin.nope' })), 460);
  assert.equal(code(await post(`/janus/${s}`, { janus: 'keepalive', transaction: 'x', session_id: s + 1 })), 457);
  const big = await http('POST', '/janus', JSON.stringify({ janus: 'ping', transaction: 'x', pad: 'x'.repeat(10_000) }));
  assert.equal(big.status, 413);
  assert.equal(code(JSON.parse(big.body) as Msg), 450);
  const put = await http('PUT', '/janus', '{}');
  assert.equal(code(JSON.parse(put.body) as Msg), 450);
  assert.equal((await http('GET', '/janus/1/2/3')).status, 404);
  assert.equal((await http('GET', '/elsewhere')).status, 404);
  assert.equal((await http('GET', '/janus/notanumber')).status, 404);
  assert.equal((await http('POST', '/janus/info', '{}')).status, 400);
  await stillServing();
});

test('REST: CORS preflight, long poll with maxev, GET on a handle path redirects', async () => {
  const pre = await http('OPTIONS', '/janus', undefined, { Origin: 'http://a.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], '*');
  assert.equal(pre.headers['access-control-allow-methods'], 'POST');
  assert.equal(pre.headers['access-control-allow-headers'], 'content-type');
  const s = ((await post('/janus', { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  const h = ((await post(`/janus/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  for (let i = 0; i < 3; i++) assert.equal((await post(`/janus/${s}/${h}`, { janus: 'message', transaction: `m${i}`, body: { audio: true } })).janus, 'ack');
  await sleep(50);
  const one = JSON.parse((await http('GET', `/janus/${s}?rid=1`)).body) as Msg;
  assert.equal(one.janus, 'event');
  assert.equal(one.transaction, 'm0');
  const many = JSON.parse((await http('GET', `/janus/${s}?maxev=5`)).body) as Msg[];
  assert.ok(Array.isArray(many));
  assert.deepEqual(
    many.map((m) => m.transaction),
    ['m1', 'm2'],
  );
  const redirect = await http('GET', `/janus/${s}/${h}`);
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.location, `/janus/${s}`);
  assert.equal((await http('GET', '/janus/987654321')).status, 404);
  await post(`/janus/${s}`, { janus: 'destroy', transaction: 'd' });
  assert.equal((await http('GET', `/janus/${s}`)).status, 404);
});

test('REST: a client that leaves mid long poll leaves nothing behind; the next poll still works', async () => {
  const s = ((await post('/janus', { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  const url = new URL(srv.restUrl);
  await new Promise<void>((resolve) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: `/janus/${s}` });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 200);
  });
  const h = ((await post(`/janus/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'after', body: { video: true } });
  const ev = JSON.parse((await http('GET', `/janus/${s}`)).body) as Msg;
  assert.equal(ev.transaction, 'after', 'the event was not swallowed by the abandoned poll');
  await post(`/janus/${s}`, { janus: 'destroy', transaction: 'd' });
  await stillServing();
});

test('WS: malformed frames, several requests in one frame, oversized frame, missing subprotocol', async () => {
  const c = await JanusWs.open(srv.wsUrl);
  const raw = (c as unknown as { ws: WebSocket }).ws;
  raw.send('{"janus":"ping"');
  await c.wait((m) => code(m) === 454, 5000, '454');
  raw.send('{"janus":"ping","transaction":"a"} {"janus":"ping","transaction":"b"}\n{"janus":"info","transaction":"c"}');
  await c.wait((m) => m.transaction === 'a' && m.janus === 'pong');
  await c.wait((m) => m.transaction === 'b' && m.janus === 'pong');
  await c.wait((m) => m.transaction === 'c' && m.janus === 'server_info');
  raw.send('"just a string"');
  await c.wait((m) => code(m) === 455, 5000, '455');
  assert.equal(code(await c.request({ janus: 'keepalive', session_id: 'x' })), 467);
  const closed = new Promise<number>((resolve) => raw.once('close', (codeNum) => resolve(codeNum)));
  raw.send(JSON.stringify({ janus: 'ping', transaction: 'big', pad: 'x'.repeat(10_000) }));
  assert.equal(await closed, 1009, 'oversized message closes with "message too big"');
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(srv.wsUrl);
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('open', () => resolve('opened'));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
  assert.match(refused, /HTTP 400|error/);
  const again = await JanusWs.open(srv.wsUrl);
  assert.equal((await again.request({ janus: 'ping' })).janus, 'pong');
  again.close();
});

test('WS: closing the connection destroys its sessions; the session timeout sends "timeout"', { timeout: 20_000 }, async () => {
  const c = await JanusWs.open(srv.wsUrl);
  const s = ((await c.request({ janus: 'create' })).data as { id: number }).id;
  assert.ok(srv.server.gateway.sessions.has(s));
  c.close();
  await waitUntil(() => !srv.server.gateway.sessions.has(s), { timeout: 3000, interval: 20 });
  assert.ok(!srv.server.gateway.sessions.has(s), 'session destroyed when its WebSocket closed');

  const t = await JanusWs.open(srv.wsUrl);
  const s2 = ((await t.request({ janus: 'create' })).data as { id: number }).id;
  const ev = await t.wait((m) => m.janus === 'timeout', 8000, 'timeout event');
  assert.equal(ev.session_id, s2);
  assert.ok(!srv.server.gateway.sessions.has(s2));
  t.close();
});

test('WS: events of an async request arrive after its ack, with the same transaction and sender', async () => {
  const c = await JanusWs.open(srv.wsUrl);
  const s = ((await c.request({ janus: 'create' })).data as { id: number }).id;
  const h = ((await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  const tx = c.send({ janus: 'message', session_id: s, handle_id: h, body: { audio: true } });
  await c.wait((m) => m.janus === 'event' && m.transaction === tx);
  const mine = c.events.filter((m) => m.transaction === tx).map((m) => m.janus);
  assert.deepEqual(mine, ['ack', 'event']);
  const ev = c.events.find((m) => m.janus === 'event')!;
  assert.equal(ev.sender, h);
  assert.equal(ev.session_id, s);
  await c.request({ janus: 'destroy', session_id: s });
  c.close();
});

// Memory a client can make the server hold is bounded: a REST session nobody polls keeps only its newest events
// (the rest dropped, counted and logged once), and a WebSocket client that stops reading is disconnected while
// its sessions stay claimable.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { rawWebSocket, readFrames, textFrame } from '../../helpers/raw-socket.js';
import { sleep, waitUntil } from '../../../support/wait.js';

const QUEUE_LIMIT = 20;
const UNSENT_LIMIT = 64 * 1024;

let srv: StartedServer;
let adminUrl: string;
before(async () => {
  srv = await startInProcess([
    ['http.max_queued_events', String(QUEUE_LIMIT)],
    ['websockets.max_unsent_bytes', String(UNSENT_LIMIT)],
    ['general.reclaim_session_timeout', '30'],
    ['http.admin_http', 'true'],
    ['http.admin_ip', '127.0.0.1'],
    ['http.admin_port', '0'],
  ]);
  const admin = srv.server.listeners.find((l) => l.name.startsWith('Admin API'));
  adminUrl = `http://127.0.0.1:${admin?.port ?? 0}/admin`;
});
after(async () => {
  await srv.stop();
});

function http(method: string, url: string, body?: unknown): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path: u.pathname + u.search }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
const post = async (url: string, body: unknown): Promise<Msg> => JSON.parse((await http('POST', url, body)).body) as Msg;
const status = async (): Promise<Record<string, unknown>> => (await post(adminUrl, { janus: 'get_status', transaction: 's' })).status as Record<string, unknown>;

test('REST: an unpolled session keeps only its newest events; drops are counted in Admin and logged once', { timeout: 30_000 }, async () => {
  const s = ((await post(srv.restUrl, { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  const h = ((await post(`${srv.restUrl}/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  const sent = 200;
  for (let i = 0; i < sent; i++) await post(`${srv.restUrl}/${s}/${h}`, { janus: 'message', transaction: `m${i}`, body: { audio: true } });
  const before = (await status()).events_dropped as number;
  const got = JSON.parse((await http('GET', `${srv.restUrl}/${s}?maxev=1000`)).body) as Msg[];
  assert.equal(got.length, QUEUE_LIMIT, 'the queue holds at most max_queued_events');
  assert.deepEqual(
    got.map((m) => m.transaction),
    Array.from({ length: QUEUE_LIMIT }, (_, i) => `m${sent - QUEUE_LIMIT + i}`),
    'the oldest were dropped, the newest kept in order',
  );
  assert.ok(before >= sent - QUEUE_LIMIT, `get_status counts the drops (${before})`);
  const info = (await post(`${adminUrl}/${s}/${h}`, { janus: 'handle_info', transaction: 'i' })).info as Record<string, unknown>;
  assert.equal(info.session_events_dropped, sent - QUEUE_LIMIT);
  const warnings = srv.logs.filter((l) => l.includes(`event queue of session ${s} full`));
  assert.equal(warnings.length, 1, 'one warning for a burst of drops (rate-limited)');
  await post(`${srv.restUrl}/${s}`, { janus: 'destroy', transaction: 'd' });
});

test('WS: a client that stops reading is disconnected; its session can be claimed from a new connection', { timeout: 60_000 }, async () => {
  const port = Number(new URL(srv.wsUrl).port);
  const c = await rawWebSocket(port);
  c.socket.write(textFrame(JSON.stringify({ janus: 'create', transaction: 'c' })));
  let session: number | undefined;
  for (let i = 0; i < 200 && session === undefined; i++) {
    await sleep(10);
    const reply = readFrames(c.received(), c.headerLength).find((f) => f.opcode === 0x1);
    if (reply) session = (JSON.parse(reply.payload.toString()) as { data: { id: number } }).data.id;
  }
  assert.ok(session !== undefined, 'session created');
  const closedBefore = (await status()).slow_connections_closed as number;
  // Stop reading, then ask for far more than the kernel's socket buffers and the bound together can hold.
  c.socket.pause();
  const batch = Array.from({ length: 50 }, (_, i) => JSON.stringify({ janus: 'info', transaction: `i${i}` })).join('\n');
  const gone = (): boolean => srv.server.gateway.sessions.get(session)?.transportGone === true;
  for (let i = 0; i < 400 && !gone(); i++) {
    c.socket.write(textFrame(batch));
    await sleep(5);
  }
  await waitUntil(gone, { timeout: 10_000, interval: 20 });
  assert.ok(gone(), 'the connection was dropped and the session waits to be claimed');
  assert.ok(srv.server.gateway.sessions.has(session), 'the session itself survives');
  assert.equal((await status()).slow_connections_closed, closedBefore + 1);
  assert.ok(
    srv.logs.some((l) => /closing connection of .*bytes unread/.test(l)),
    'the close is logged',
  );
  c.socket.destroy();

  const fresh = await JanusWs.open(srv.wsUrl);
  assert.equal((await fresh.request({ janus: 'claim', session_id: session })).janus, 'success');
  assert.equal((await fresh.request({ janus: 'keepalive', session_id: session })).janus, 'ack');
  await fresh.request({ janus: 'destroy', session_id: session });
  fresh.close();
});

test('Admin get_status reports the protection counters and the event-loop lag of the running server', async () => {
  const s = await status();
  for (const key of ['events_dropped', 'slow_connections_closed', 'internal_faults']) assert.equal(typeof s[key], 'number', key);
  const lag = s.event_loop_lag as Record<string, unknown>;
  assert.equal(typeof lag.max_ms, 'number');
  assert.equal(lag.threshold_ms, 250, 'general.event_loop_lag_warn default');
});

test('Admin REST: a path id no session can have is a Janus error (HTTP 200), not a bare 404', async () => {
  for (const path of ['/0', '/abc', '/1152921504606846976']) {
    const r = await http('POST', adminUrl + path, { janus: 'list_handles', transaction: 'l' });
    assert.equal(r.status, 200, path);
    assert.equal((JSON.parse(r.body) as { error: { code: number } }).error.code, 458, path);
  }
});

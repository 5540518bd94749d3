// Half-open connections: half-sent headers, stalled bodies, half-sent WebSocket frames and silent WebSocket
// peers are closed by the server after the configured time-outs; a live client that answers pings stays.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { rawConnect, rawWebSocket, readFrames, textFrame } from '../../helpers/raw-socket.js';
import { wsText } from '../../../src/transports/ws-text.js';
import { sleep } from '../../../support/wait.js';

let srv: StartedServer;
let restPort: number;
let wsPort: number;
before(async () => {
  srv = await startInProcess([
    ['http.headers_timeout', '1'],
    ['http.request_timeout', '2'],
    ['websockets.pingpong_trigger', '1'],
    ['websockets.pingpong_timeout', '3'],
  ]);
  restPort = Number(new URL(srv.restUrl).port);
  wsPort = Number(new URL(srv.wsUrl).port);
});
after(async () => {
  await srv.stop();
});

/** Far above the configured time-outs (1-4 s plus check intervals), far below Node's own defaults (60-300 s). */
const CLOSE_BOUND_MS = 12_000;
/** Before pingpong_trigger (1 s) + pingpong_timeout (3 s) have passed, nobody may have been cut off for silence. */
const BEFORE_PING_DEADLINE_MS = 2500;

test('HTTP: half-sent request headers are answered 408 and closed', { timeout: 20_000 }, async () => {
  const c = await rawConnect(restPort);
  c.socket.write('POST /janus HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl');
  await c.closed(CLOSE_BOUND_MS);
  assert.match(c.received().toString(), /^HTTP\/1\.1 408/);
});

test('HTTP: a stalled request body is cut off; a long poll (a complete request) outlives request_timeout', { timeout: 20_000 }, async () => {
  const c = await rawConnect(restPort);
  c.socket.write('POST /janus HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"janus":"pi');
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> =>
    (await (await fetch(`http://127.0.0.1:${restPort}${path}`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, unknown>;
  const s = ((await post('/janus', { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  const h = ((await post(`/janus/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  const poll = fetch(`http://127.0.0.1:${restPort}/janus/${s}`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  await c.closed(CLOSE_BOUND_MS);
  assert.doesNotMatch(c.received().toString(), /"janus":"pong"/);
  await sleep(1000); // the poll has now waited longer than request_timeout (2 s)
  await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'late', body: { audio: true } });
  const answered = await poll;
  assert.equal(answered.status, 200);
  assert.equal(answered.body.transaction, 'late', 'the parked poll got the event');
  await post(`/janus/${s}`, { janus: 'destroy', transaction: 'd' });
});

test('HTTP: a half-sent WebSocket handshake is closed too', { timeout: 20_000 }, async () => {
  const c = await rawConnect(wsPort);
  c.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
  await c.closed(CLOSE_BOUND_MS);
});

test('WS: a half-sent frame from a peer that answers no PING is closed', { timeout: 20_000 }, async () => {
  const c = await rawWebSocket(wsPort);
  const frame = textFrame(JSON.stringify({ janus: 'ping', transaction: 'half', pad: 'x'.repeat(100) }));
  c.socket.write(frame.subarray(0, 20));
  await sleep(BEFORE_PING_DEADLINE_MS);
  assert.equal(c.isClosed(), false, 'pingpong_timeout is the time a PONG may take');
  await c.closed(CLOSE_BOUND_MS);
  const frames = readFrames(c.received(), c.headerLength);
  assert.ok(
    frames.some((f) => f.opcode === 0x9),
    'the server sent a PING first',
  );
  assert.ok(!frames.some((f) => f.opcode === 0x1), 'the half frame was never answered');
});

test('WS: a silent peer (complete frames, no PONG) is closed after pingpong_trigger + pingpong_timeout', { timeout: 20_000 }, async () => {
  const c = await rawWebSocket(wsPort);
  c.socket.write(textFrame(JSON.stringify({ janus: 'ping', transaction: 'one' })));
  await sleep(BEFORE_PING_DEADLINE_MS);
  assert.equal(c.isClosed(), false, 'pingpong_timeout is the time a PONG may take');
  await c.closed(CLOSE_BOUND_MS);
  const frames = readFrames(c.received(), c.headerLength);
  assert.ok(
    frames.some((f) => f.opcode === 0x1 && f.payload.toString().includes('"pong"')),
    'the complete request was answered',
  );
});

test('WS: PINGs go only to idle connections (pingpong_trigger is idle time); a client that answers them stays', { timeout: 20_000 }, async () => {
  const ws = new WebSocket(srv.wsUrl, 'janus-protocol');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let pings = 0;
  ws.on('ping', () => pings++);
  let closed = false;
  ws.on('close', () => (closed = true));
  let pongs = 0;
  ws.on('message', (d) => {
    if (wsText(d).includes('"pong"')) pongs++;
  });
  // Busy: a request every 100 ms for 3 s, never idle for the 1 s trigger.
  for (let i = 0; i < 30; i++) {
    ws.send(JSON.stringify({ janus: 'ping', transaction: `busy${i}` }));
    await sleep(100);
  }
  assert.equal(pings, 0, 'no PING while the client is talking');
  assert.equal(pongs, 30);
  // Idle: PINGs come, the ws client answers them, the connection stays (well past trigger + timeout).
  await sleep(5500);
  assert.ok(pings >= 1, 'the server pinged the idle connection');
  assert.equal(closed, false, 'a connection that answers with PONGs stays open');
  const pong = await new Promise<string>((resolve) => {
    ws.once('message', (d) => resolve(wsText(d)));
    ws.send(JSON.stringify({ janus: 'ping', transaction: 'still' }));
  });
  assert.match(pong, /"janus":"pong"/);
  ws.close();
});

// The protections of the transports on a host without IPv6 (every AF_INET6 socket fails): the real server, run
// under the LD_PRELOAD shim, cuts off half-sent requests and frames, bounds unpolled event queues and drops
// WebSocket clients that stop reading.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { rawConnect, rawWebSocket, readFrames, textFrame } from '../../helpers/raw-socket.js';
import { sleep, waitUntil } from '../../../support/wait.js';

let srv: ChildServer;
before(async () => {
  srv = await startChildServer(
    [
      '--http.headers_timeout=1',
      '--http.request_timeout=2',
      '--websockets.pingpong_trigger=1',
      '--websockets.pingpong_timeout=1',
      '--http.max_queued_events=10',
      '--websockets.max_unsent_bytes=65536',
      '--general.reclaim_session_timeout=30',
    ],
    await noIpv6Env(),
  );
});
after(async () => {
  await srv.stop();
});

const post = async (url: string, body: unknown): Promise<Msg> => (await (await fetch(url, { method: 'POST', body: JSON.stringify(body) })).json()) as Msg;

test('without IPv6: half-sent headers, a stalled body and a half-sent WebSocket frame are closed', { timeout: 30_000 }, async () => {
  assert.match(srv.log(), /IPv6 is unavailable on this host/);
  const headers = await rawConnect(srv.httpPort);
  headers.socket.write('GET /janus/info HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const body = await rawConnect(srv.httpPort);
  body.socket.write('POST /janus HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{"ja');
  const handshake = await rawConnect(srv.wsPort);
  handshake.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const frame = await rawWebSocket(srv.wsPort);
  frame.socket.write(textFrame(JSON.stringify({ janus: 'ping', transaction: 'half', pad: 'x'.repeat(200) })).subarray(0, 30));
  await Promise.all([headers.closed(8000), body.closed(8000), handshake.closed(8000), frame.closed(8000)]);
  assert.match(headers.received().toString(), /^HTTP\/1\.1 408/);
  assert.equal((await post(`${srv.restUrl}`, { janus: 'ping', transaction: 'p' })).janus, 'pong', 'still serving');
});

test('without IPv6: an unpolled REST session keeps its newest events only', { timeout: 30_000 }, async () => {
  const s = ((await post(srv.restUrl, { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  const h = ((await post(`${srv.restUrl}/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  for (let i = 0; i < 40; i++) await post(`${srv.restUrl}/${s}/${h}`, { janus: 'message', transaction: `m${i}`, body: { audio: true } });
  const events = (await (await fetch(`${srv.restUrl}/${s}?maxev=100`)).json()) as Msg[];
  assert.deepEqual(
    events.map((e) => e.transaction),
    Array.from({ length: 10 }, (_, i) => `m${30 + i}`),
  );
  assert.match(srv.log(), new RegExp(`event queue of session ${s} full`));
});

test('without IPv6: a WebSocket client that stops reading is dropped and its session claimed elsewhere', { timeout: 60_000 }, async () => {
  const c = await rawWebSocket(srv.wsPort);
  c.socket.write(textFrame(JSON.stringify({ janus: 'create', transaction: 'c' })));
  let session: number | undefined;
  for (let i = 0; i < 300 && session === undefined; i++) {
    await sleep(10);
    const reply = readFrames(c.received(), c.headerLength).find((f) => f.opcode === 0x1);
    if (reply) session = (JSON.parse(reply.payload.toString()) as { data: { id: number } }).data.id;
  }
  assert.ok(session !== undefined);
  c.socket.pause();
  const batch = Array.from({ length: 50 }, (_, i) => JSON.stringify({ janus: 'info', transaction: `i${i}` })).join('\n');
  const dropped = (): boolean => /closing connection of .*bytes unread/.test(srv.log());
  for (let i = 0; i < 400 && !dropped(); i++) {
    c.socket.write(textFrame(batch));
    await sleep(5);
  }
  await waitUntil(dropped, { timeout: 10_000, interval: 20 });
  assert.ok(dropped(), 'the slow reader was disconnected');
  c.socket.destroy();
  const fresh = await JanusWs.open(srv.wsUrl);
  assert.equal((await fresh.request({ janus: 'claim', session_id: session })).janus, 'success');
  fresh.close();
});

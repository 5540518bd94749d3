// The wsevh backend's subprotocol, negotiated as libwebsockets does it for Janus: Janus's "janus-event-handlers"
// asked for unless configured otherwise, a server that answers with none taken as agreeing, one that answers with
// another (or with one when none was asked for) refused; a subprotocol that is not a token keeps it from starting.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { SettingValue } from '../../../src/config/setting.js';
import type { EventBackend } from '../../../src/events/event-backend.js';
import { WSEVH } from '../../../src/events/ws-backend.js';
import { Logger, LogLevel } from '../../../src/logging/logger.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { sleep, waitFor } from '../../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Server {
  readonly url: string;
  /** What each connection asked for (undefined: no header) and the messages received. */
  readonly asked: Array<string | undefined>;
  readonly messages: string[];
}

/** A receiver whose choice of subprotocol the test sets: `answer` gets what the client offered. */
async function server(answer: (offered: Set<string>) => string | false): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: answer });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const asked: Array<string | undefined> = [];
  const messages: string[] = [];
  wss.on('connection', (ws, req) => {
    asked.push(req.headers['sec-websocket-protocol']);
    ws.on('message', (d: Buffer) => messages.push(d.toString()));
  });
  cleanups.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, asked, messages };
}

async function backend(url: string, subprotocol?: string): Promise<{ backend: EventBackend; lines: string[] }> {
  const lines: string[] = [];
  const settings: Record<string, SettingValue> = {};
  for (const [k, s] of Object.entries(WSEVH.settings)) settings[k] = s.value;
  settings.backend = url;
  if (subprotocol !== undefined) settings.subprotocol = subprotocol;
  assert.equal(WSEVH.problem(settings), undefined);
  const b = await WSEVH.create({
    settings,
    format: { grouping: true, json: 'compact' },
    network: new HostNetwork(await discoverNetworkHost()),
    log: Logger.create({ level: LogLevel.VERB, sink: { write: (l) => lines.push(l) } }),
  });
  cleanups.push(() => b.close());
  return { backend: b, lines };
}

const connected = (b: EventBackend): boolean => b.status?.().connected === true;

test("Janus's default is asked for; a server that answers with none is taken as agreeing", async () => {
  assert.equal(WSEVH.settings.subprotocol.value, 'janus-event-handlers');
  const s = await server(() => false);
  const { backend: b } = await backend(s.url);
  await waitFor(() => connected(b), { timeout: 5000, what: 'connected' });
  await b.send([{ type: 1 }]);
  await waitFor(() => s.messages.length === 1, { timeout: 5000, what: 'the batch' });
  assert.deepEqual(s.asked, ['janus-event-handlers']);
  assert.deepEqual(JSON.parse(s.messages[0]), [{ type: 1 }]);
});

test('a server that picks the subprotocol asked for', async () => {
  const s = await server((offered) => (offered.has('janus-events') ? 'janus-events' : false));
  const { backend: b } = await backend(s.url, 'janus-events');
  await waitFor(() => connected(b), { timeout: 5000, what: 'connected' });
  await b.send([{ type: 2 }]);
  await waitFor(() => s.messages.length === 1, { timeout: 5000, what: 'the batch' });
  assert.deepEqual(s.asked, ['janus-events']);
});

test('a server that answers with another subprotocol is refused, and tried again later', async () => {
  const s = await server(() => 'something-else');
  const { backend: b, lines } = await backend(s.url, 'janus-events');
  await waitFor(() => lines.some((l) => l.includes("answered with subprotocol 'something-else', not 'janus-events'")), { timeout: 5000, what: 'the refusal' });
  assert.equal(connected(b), false);
  await assert.rejects(b.send([{ type: 1 }]), /not connected/);
  await waitFor(() => s.asked.length >= 2, { timeout: 5000, what: 'another attempt' });
  assert.equal(connected(b), false);
});

test('an empty subprotocol asks for none, and a server that answers with one anyway is refused', async () => {
  const quiet = await server(() => false);
  const { backend: b } = await backend(quiet.url, '');
  await waitFor(() => connected(b), { timeout: 5000, what: 'connected' });
  assert.deepEqual(quiet.asked, [undefined]);
  // ws's server only answers with one of those offered: make one that answers regardless.
  const pushy = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => pushy.once('listening', () => resolve()));
  pushy.on('headers', (headers) => headers.push('Sec-WebSocket-Protocol: imposed'));
  cleanups.push(() => new Promise<void>((resolve) => pushy.close(() => resolve())));
  const { backend: c, lines } = await backend(`ws://127.0.0.1:${(pushy.address() as AddressInfo).port}/`, '');
  await waitFor(() => lines.some((l) => l.includes("answered with subprotocol 'imposed', none was asked for")), { timeout: 5000, what: 'the refusal' });
  await sleep(100);
  assert.equal(connected(c), false);
  for (const ws of pushy.clients) ws.terminate();
});

test('a subprotocol that is not a token keeps the handler from starting', () => {
  const settings: Record<string, SettingValue> = {};
  for (const [k, s] of Object.entries(WSEVH.settings)) settings[k] = s.value;
  settings.backend = 'ws://127.0.0.1:9/';
  for (const bad of ['two words', 'a,b', 'line\r\nX-Injected: 1']) assert.match(WSEVH.problem({ ...settings, subprotocol: bad }) ?? '', /is not a token/, bad);
});

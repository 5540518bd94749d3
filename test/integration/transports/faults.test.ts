// Faults of ours never reach a client as JavaScript exception text, REST always answers a Janus request with a
// Janus error, and what a request may carry is bounded (nesting, size, ids, envelope strings) before anything
// stores or echoes it.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { Logger } from '../../../src/logging/logger.js';
import type { Plugin, PluginHandle, PluginMessage, PluginResult } from '../../../src/plugins/plugin.js';
import { PortunusServer } from '../../../src/server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';

/** A plugin that fails in the ways real code can: a throw, runaway recursion, a reply too deep to serialize. */
class FaultyPlugin implements Plugin {
  readonly descriptor = { package: 'janus.plugin.faulty', name: 'Faulty', author: 'test', description: 'fails on purpose', version: 1, versionString: '1' };
  seen: unknown[] = [];
  createSession(): void {}
  destroySession(): void {}
  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult {
    this.seen.push(message.body);
    switch (message.body.request) {
      case 'throw':
        throw new Error('SECRET-DETAIL at /srv/portunus/internal.ts');
      case 'recurse': {
        const down = (n: number): number => down(n + 1) + 1;
        return { kind: 'ok', data: { n: down(0) } };
      }
      case 'deep': {
        let deep: JsonObject = {};
        for (let i = 0; i < 20_000; i++) deep = { d: deep };
        return { kind: 'ok', data: { deep } };
      }
      case 'deep-event': {
        let deep: JsonObject = {};
        for (let i = 0; i < 20_000; i++) deep = { d: deep };
        handle.pushEvent(message.transaction, { deep });
        handle.pushEvent(message.transaction, { after: true });
        return { kind: 'ack' };
      }
      default:
        return { kind: 'ok', data: { fine: true } };
    }
  }
}

const plugin = new FaultyPlugin();
let server: PortunusServer;
let restUrl: string;
let wsUrl: string;
const logs: string[] = [];
before(async () => {
  const config = loadConfig({
    overrides: [
      ['http.ip', '127.0.0.1'],
      ['http.port', '0'],
      ['websockets.ws_ip', '127.0.0.1'],
      ['websockets.ws_port', '0'],
      ['nat.ice_enforce_list', 'lo'],
      ['general.token_auth', 'false'],
    ],
  });
  server = new PortunusServer({ config, log: Logger.create({ level: 4, sink: { write: (l) => logs.push(l) } }), extraPlugins: [plugin] });
  await server.start();
  restUrl = `http://127.0.0.1:${server.listeners.find((l) => l.name.startsWith('REST'))?.port ?? 0}/janus`;
  wsUrl = `ws://127.0.0.1:${server.listeners.find((l) => l.name.startsWith('WebSocket'))?.port ?? 0}`;
});
after(async () => {
  await server.stop();
});

function http(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(restUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
async function post(path: string, body: unknown): Promise<Msg> {
  const r = await http('POST', path, typeof body === 'string' ? body : JSON.stringify(body));
  assert.equal(r.status, 200, `HTTP 200 for a Janus request (got ${r.status}: ${r.body.slice(0, 80)})`);
  return JSON.parse(r.body) as Msg;
}
const err = (m: Msg): { code: number; reason: string } => m.error as { code: number; reason: string };
const JS_TEXT = /SECRET-DETAIL|call stack|RangeError|TypeError|Error:|\/srv\//;

async function restHandle(): Promise<[number, number]> {
  const s = ((await post('/janus', { janus: 'create', transaction: 'c' })).data as { id: number }).id;
  const h = ((await post(`/janus/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.faulty' })).data as { id: number }).id;
  return [s, h];
}

test('a plugin that throws or recurses: 490 with a neutral reason, logged once with its stack', { timeout: 20_000 }, async () => {
  const [s, h] = await restHandle();
  for (const request of ['throw', 'recurse']) {
    const before = logs.length;
    const r = await post(`/janus/${s}/${h}`, { janus: 'message', transaction: `t-${request}`, body: { request } });
    assert.equal(r.janus, 'error');
    assert.equal(r.transaction, `t-${request}`);
    assert.equal(err(r).code, 490);
    assert.doesNotMatch(JSON.stringify(r), JS_TEXT);
    const lines = logs.slice(before).filter((l) => l.includes('internal fault'));
    assert.equal(lines.length, 1, `logged once: ${lines.join('|')}`);
    assert.match(lines[0], request === 'throw' ? /SECRET-DETAIL[\s\S]*at / : /call stack/);
  }
  const c = await JanusWs.open(wsUrl);
  const ws = ((await c.request({ janus: 'create' })).data as { id: number }).id;
  const wh = ((await c.request({ janus: 'attach', session_id: ws, plugin: 'janus.plugin.faulty' })).data as { id: number }).id;
  const r = await c.request({ janus: 'message', session_id: ws, handle_id: wh, body: { request: 'throw' } });
  assert.equal(err(r).code, 490);
  assert.doesNotMatch(JSON.stringify(r), JS_TEXT);
  c.close();
});

test('a reply too deep to serialize: REST and WS answer 490 for its transaction; an unwritable event is dropped alone', { timeout: 20_000 }, async () => {
  const [s, h] = await restHandle();
  const r = await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'deep', body: { request: 'deep' } });
  assert.equal(r.transaction, 'deep');
  assert.equal(err(r).code, 490);
  assert.doesNotMatch(JSON.stringify(r), JS_TEXT);
  assert.equal((await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'ev', body: { request: 'deep-event' } })).janus, 'ack');
  const polled = await http('GET', `/janus/${s}?maxev=5`);
  assert.equal(polled.status, 200);
  const events = JSON.parse(polled.body) as Msg[];
  assert.deepEqual(
    events.map((e) => (e.plugindata as { data: JsonObject }).data),
    [{ after: true }],
  );

  const c = await JanusWs.open(wsUrl);
  const ws = ((await c.request({ janus: 'create' })).data as { id: number }).id;
  const wh = ((await c.request({ janus: 'attach', session_id: ws, plugin: 'janus.plugin.faulty' })).data as { id: number }).id;
  const wr = await c.request({ janus: 'message', session_id: ws, handle_id: wh, body: { request: 'deep' } });
  assert.equal(err(wr).code, 490);
  assert.equal((await c.request({ janus: 'ping' })).janus, 'pong', 'the connection keeps serving');
  c.close();
});

test('JSON nested too deep is refused with 454 before the plugin sees it; too many values with 455', { timeout: 20_000 }, async () => {
  const [s, h] = await restHandle();
  plugin.seen = [];
  const deep = `{"janus":"message","transaction":"d","body":{"request":"x","metadata":${'['.repeat(6000)}${']'.repeat(6000)}}}`;
  const r = await post(`/janus/${s}/${h}`, deep);
  assert.equal(err(r).code, 454);
  assert.match(err(r).reason, /nested deeper than/);
  const many = JSON.stringify({ janus: 'message', transaction: 'm', body: { request: 'x', list: Array.from({ length: 150_000 }, () => 0) } });
  const big = await http('POST', `/janus/${s}/${h}`, many);
  // Within max_body_size (1 MiB) but over the value bound.
  assert.equal(err(JSON.parse(big.body) as Msg).code, 455);
  assert.equal((JSON.parse(big.body) as Msg).transaction, 'm', 'a request too large still gets its transaction back');
  assert.deepEqual(plugin.seen, [], 'the plugin never saw either');
  const c = await JanusWs.open(wsUrl);
  const raw = (c as unknown as { ws: { send(t: string): void } }).ws;
  raw.send(`{"janus":"ping","transaction":"w","x":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`);
  const e = await c.wait((m) => m.janus === 'error', 5000, '454 on WS');
  assert.equal(err(e).code, 454);
  raw.send(JSON.stringify({ janus: 'ping', transaction: 'wm', list: Array.from({ length: 150_000 }, () => 0) }));
  const tooMany = await c.wait((m) => m.janus === 'error' && m.transaction === 'wm', 5000, '455 with its transaction on WS');
  assert.equal(err(tooMany).code, 455);
  assert.equal((await c.request({ janus: 'ping' })).janus, 'pong');
  c.close();
});

test('ids: a 0, non-numeric or over-53-bit path id is a Janus error (not a bare 404); over-53-bit body ids are refused and not echoed', { timeout: 20_000 }, async () => {
  const [s] = await restHandle();
  const zeroHandle = await post(`/janus/${s}/0`, { janus: 'message', transaction: 'z', body: {} });
  assert.equal(err(zeroHandle).code, 459);
  assert.equal(err(await post('/janus/0', { janus: 'keepalive', transaction: 'z' })).code, 458);
  assert.equal(err(await post('/janus/abc', { janus: 'keepalive', transaction: 'z' })).code, 458);
  assert.equal(err(await post('/janus/1152921504606846976', { janus: 'keepalive', transaction: 'z' })).code, 458);
  const huge = await post('/janus', `{"janus":"keepalive","transaction":"h","session_id":1152921504606846976}`);
  assert.equal(err(huge).code, 458);
  assert.equal(huge.session_id, undefined, 'an id JSON cannot carry exactly is not echoed');
  const hugeHandle = await post(`/janus/${s}`, `{"janus":"detach","transaction":"h","handle_id":1152921504606846976}`);
  assert.equal(err(hugeHandle).code, 459);
  assert.equal((await http('GET', '/janus/0')).status, 404, 'a long poll on no session stays a 404, as in Janus');
});

test('transaction, opaque_id and token strings are bounded (467) and an over-long transaction is not echoed', { timeout: 20_000 }, async () => {
  const [s] = await restHandle();
  const long = 'x'.repeat(5000);
  const t = await post('/janus', { janus: 'ping', transaction: long });
  assert.equal(err(t).code, 467);
  assert.equal(t.transaction, undefined);
  const o = await post(`/janus/${s}`, { janus: 'attach', transaction: 'o', plugin: 'janus.plugin.faulty', opaque_id: long });
  assert.equal(err(o).code, 467);
  const k = await post(`/janus/${s}`, { janus: 'keepalive', transaction: 'k', token: 'y'.repeat(10_000) });
  assert.equal(err(k).code, 467);
  assert.equal((await post('/janus', { janus: 'ping', transaction: 'x'.repeat(1000) })).janus, 'pong', 'long but sane is fine');
});

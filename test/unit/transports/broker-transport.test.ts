// What the broker transports share, over a fake broker: transport events as the connection comes and goes,
// replies and events dropped (with one warning) while it is away, bad input answered with Janus's codes, and a
// refused subscription that makes the transport start over on a new connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventNotifier } from '../../../src/core/event-notifier.js';
import { NO_EVENTS } from '../../../src/core/event-notifier.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { Logger, LogLevel } from '../../../src/logging/logger.js';
import { BrokerTransport, type BrokerApi, type BrokerWire } from '../../../src/transports/broker-transport.js';
import { waitFor } from '../../../support/wait.js';
import { makeGateway } from '../core/fixtures.js';

interface FakeConn {
  id: number;
  lost?: (reason: string) => void;
  incoming?: (api: BrokerApi, body: Uint8Array, reply: string | undefined) => void;
}

function fakeWire(options: { refuseFirstListen?: boolean } = {}): { wire: BrokerWire<FakeConn, string>; conns: FakeConn[]; published: Array<{ api: BrokerApi; body: JsonObject; reply?: string }> } {
  const conns: FakeConn[] = [];
  const published: Array<{ api: BrokerApi; body: JsonObject; reply?: string }> = [];
  let listens = 0;
  const wire: BrokerWire<FakeConn, string> = {
    package: 'janus.transport.fake',
    label: 'Fake transport',
    name: 'fake',
    description: 'fake',
    target: 'fake://broker',
    apis: ['janus'],
    routes: 'in → out',
    hooks: {
      open: () => {
        const c: FakeConn = { id: conns.length + 1 };
        conns.push(c);
        return Promise.resolve(c);
      },
      watch: (c, lost) => (c.lost = lost),
      close: (c) => {
        c.lost?.('closed');
        return Promise.resolve();
      },
    },
    listen: (c, incoming) => {
      listens++;
      if (options.refuseFirstListen && listens === 1) return Promise.reject(new Error('subscription refused'));
      c.incoming = incoming;
      return Promise.resolve();
    },
    publish: (_c, api, text, reply) => {
      published.push({ api, body: JSON.parse(text) as JsonObject, reply });
      return Promise.resolve();
    },
  };
  return { wire, conns, published };
}

function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: Logger.create({ level: LogLevel.VERB, timestamps: false, sink: { write: (l) => lines.push(l) } }), lines };
}

const FAST = { initialMs: 5, maxMs: 20 };

test('requests and replies over the link; transport events as it comes and goes; nothing published while it is away', async () => {
  const notified: JsonObject[] = [];
  const events: EventNotifier = { ...NO_EVENTS, enabled: true, wants: () => true, notify: (_t, _s, body) => void notified.push(body as JsonObject) };
  const t = makeGateway({}, undefined, undefined, events);
  const { wire, conns, published } = fakeWire();
  const { log, lines } = recordingLog();
  const transport = new BrokerTransport(t.gateway, undefined, wire, { json: 'compact', notifyEvents: true }, log, FAST);
  transport.start();
  try {
    await waitFor(() => conns[0]?.incoming !== undefined, { timeout: 2_000, what: 'listening' });
    conns[0].incoming!('janus', Buffer.from(JSON.stringify({ janus: 'create', transaction: 'a' })), 'corr-a');
    await waitFor(() => published.length === 1, { timeout: 2_000, what: 'the reply' });
    assert.equal(published[0].body.janus, 'success');
    assert.equal(published[0].reply, 'corr-a', "the request's reply context comes back with its reply");
    const session = (published[0].body.data as { id: number }).id;
    assert.deepEqual(
      notified.filter((n) => (n as { transport?: string }).transport === 'janus.transport.fake').map((n) => (n.data as { event: string }).event),
      ['connected'],
    );

    conns[0].lost!('broker gone');
    assert.ok(lines.some((l) => l.includes('Fake transport: connection to fake://broker lost: broker gone')));
    // A reply now has nowhere to go: dropped, with a warning.
    conns[0].incoming!('janus', Buffer.from(JSON.stringify({ janus: 'keepalive', session_id: session, transaction: 'b' })), undefined);
    await waitFor(() => lines.some((l) => l.includes('a message was dropped')), { timeout: 2_000, what: 'the dropped warning' });
    assert.equal(published.length, 1);
    await waitFor(() => conns[1]?.incoming !== undefined, { timeout: 2_000, what: 'listening again' });
    assert.deepEqual(
      notified.filter((n) => (n as { transport?: string }).transport === 'janus.transport.fake').map((n) => (n.data as { event: string }).event),
      ['connected', 'reconnecting', 'connected'],
    );
    // The session outlived the lost connection.
    conns[1].incoming!('janus', Buffer.from(JSON.stringify({ janus: 'keepalive', session_id: session, transaction: 'c' })), undefined);
    await waitFor(() => published.length === 2, { timeout: 2_000, what: 'the keep-alive answer' });
    assert.equal(published[1].body.janus, 'ack');
  } finally {
    await transport.close();
    t.gateway.stop();
  }
});

test('bad input gets Janus errors; a refused subscription starts a new connection', async () => {
  const t = makeGateway();
  const { wire, conns, published } = fakeWire({ refuseFirstListen: true });
  const { log, lines } = recordingLog();
  const transport = new BrokerTransport(t.gateway, undefined, wire, { json: 'compact', notifyEvents: false }, log, FAST);
  transport.start();
  try {
    await waitFor(() => conns.some((c) => c.incoming !== undefined), { timeout: 2_000, what: 'listening on a second connection' });
    assert.ok(lines.some((l) => l.includes('cannot take requests on fake://broker: subscription refused; reconnecting')));
    const c = conns.find((x) => x.incoming !== undefined)!;
    c.incoming!('janus', Buffer.from('{"janus": '), undefined);
    c.incoming!('janus', Buffer.from([0xc3, 0x28]), undefined);
    c.incoming!('janus', Buffer.from('   '), undefined);
    c.incoming!('janus', Buffer.from(JSON.stringify({ janus: 'keepalive', session_id: 42, transaction: 'x' })), undefined);
    await waitFor(() => published.length === 4, { timeout: 2_000, what: 'four errors' });
    assert.deepEqual(
      published.map((p) => (p.body.error as { code: number }).code),
      [454, 454, 454, 458],
    );
  } finally {
    await transport.close();
    t.gateway.stop();
  }
});

// The bus and its dispatchers with a backend that records, fails on demand and may be "down": Janus's event
// object, the mask, batches, retries with back-off, drops counted, the tweak, the stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventSubtype, EventType } from '../../../src/core/event-notifier.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { setting } from '../../../src/config/setting.js';
import type { EventBackend, EventHandlerKind } from '../../../src/events/event-backend.js';
import { EventBus } from '../../../src/events/event-bus.js';
import { Logger } from '../../../src/logging/logger.js';
import type { Network } from '../../../src/net/network.js';
import { sleep, waitFor } from '../../../support/wait.js';

class RecordingBackend implements EventBackend {
  readonly name = 'memory://test';
  readonly batches: JsonObject[][] = [];
  readonly attempts: number[] = [];
  failNext = 0;
  up = true;
  closed = false;
  private wake: (() => void) | undefined;
  send(batch: readonly JsonObject[]): Promise<void> {
    this.attempts.push(performance.now());
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('refused'));
    }
    this.batches.push([...batch]);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  }
  whenReady(): Promise<void> {
    if (this.up || this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }
  bringUp(): void {
    this.up = true;
    this.wake?.();
  }
  events(): JsonObject[] {
    return this.batches.flat();
  }
}

function kind(backend: RecordingBackend): EventHandlerKind {
  return {
    package: 'janus.eventhandler.memory',
    section: 'memoryevh',
    name: 'memory',
    description: 'records',
    version: 1,
    versionString: '1',
    settings: { target: setting('', 'where') },
    tweaks: { target: 'string' },
    problem: (s) => (s.target === 'bad' ? 'a bad target' : undefined),
    create: () => Promise.resolve(backend),
  };
}

const quiet = Logger.create({ level: 0, sink: { write: () => undefined } });

async function bus(settings: Record<string, string | number | boolean>, backend = new RecordingBackend(), broadcast = true): Promise<{ bus: EventBus; backend: RecordingBackend }> {
  const b = await EventBus.start({
    stopGraceMs: 300,
    broadcast,
    disabled: new Set(),
    statsPeriod: 1,
    combineMediaStats: false,
    emitter: 'test-server',
    kinds: [kind(backend)],
    settings: { 'janus.eventhandler.memory': { enabled: true, ...settings } },
    network: {} as Network,
    log: quiet,
  });
  return { bus: b, backend };
}

test("Janus's event object: emitter, type, subtype when not 0, timestamp in µs, ids where the type has them", async () => {
  const { bus: b, backend } = await bus({});
  assert.equal(b.enabled, true);
  b.notify(EventType.SESSION, EventSubtype.NONE, { name: 'created' }, { sessionId: 5 });
  b.notify(EventType.WEBRTC, EventSubtype.WEBRTC_STATE, { connection: 'webrtcup' }, { sessionId: 5, handleId: 6, opaqueId: 'o' });
  b.notify(EventType.CORE, EventSubtype.CORE_STARTUP, { status: 'started' }, { sessionId: 5 });
  b.notify(EventType.PLUGIN, EventSubtype.NONE, { plugin: 'p', data: {} });
  await waitFor(() => backend.events().length === 4, { timeout: 2000, what: 'four events' });
  const [session, webrtc, core, plugin] = backend.events();
  assert.deepEqual(Object.keys(session), ['emitter', 'type', 'timestamp', 'session_id', 'event']);
  assert.deepEqual(Object.keys(webrtc), ['emitter', 'type', 'subtype', 'timestamp', 'session_id', 'handle_id', 'opaque_id', 'event']);
  assert.equal(core.session_id, undefined, 'core events have no session');
  assert.equal(plugin.session_id, undefined, 'a plugin event out of any session has none');
  assert.ok(Math.abs((session.timestamp as number) / 1000 - Date.now()) < 5000);
  assert.equal(backend.batches.length, 1, 'the events of one turn went out as one batch');
  await b.stop();
  assert.ok(backend.closed);
});

test('without events.broadcast nothing starts; a handler takes only the types of its mask', async () => {
  const off = await bus({}, undefined, false);
  assert.equal(off.bus.enabled, false);
  assert.equal(off.bus.wants(EventType.SESSION), false);
  const { bus: b, backend } = await bus({ events: 'handles, media' });
  assert.equal(b.wants(EventType.SESSION), false);
  assert.equal(b.wants(EventType.MEDIA), true);
  b.notify(EventType.SESSION, 0, { name: 'created' }, { sessionId: 1 });
  b.notify(EventType.HANDLE, 0, { name: 'attached' }, { sessionId: 1, handleId: 2 });
  await waitFor(() => backend.events().length === 1, { timeout: 2000, what: 'the handle event' });
  await sleep(20);
  assert.deepEqual(
    backend.events().map((e) => e.type),
    [2],
  );
  await b.stop();
});

test('grouping: at most 100 events a batch; off: one a delivery', async () => {
  const grouped = await bus({});
  for (let i = 0; i < 250; i++) grouped.bus.notify(EventType.SESSION, 0, { i }, { sessionId: 1 });
  await waitFor(() => grouped.backend.events().length === 250, { timeout: 2000, what: '250 events' });
  assert.deepEqual(
    grouped.backend.batches.map((x) => x.length),
    [100, 100, 50],
  );
  await grouped.bus.stop();
  const single = await bus({ grouping: false });
  for (let i = 0; i < 5; i++) single.bus.notify(EventType.SESSION, 0, { i }, { sessionId: 1 });
  await waitFor(() => single.backend.events().length === 5, { timeout: 2000, what: 'five events' });
  assert.ok(single.backend.batches.every((x) => x.length === 1));
  await single.bus.stop();
});

test('a failed batch is retried after the back-off, twice as long each time, then dropped and counted', async () => {
  const { bus: b, backend } = await bus({ max_retransmissions: 3, retransmissions_backoff: 20 });
  backend.failNext = 2;
  b.notify(EventType.SESSION, 0, { n: 1 }, { sessionId: 1 });
  await waitFor(() => backend.events().length === 1, { timeout: 2000, what: 'delivered on the third attempt' });
  const gaps = backend.attempts.slice(1).map((t, i) => t - backend.attempts[i]);
  assert.ok(gaps[0] >= 18 && gaps[1] >= 38, `back-off ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
  backend.failNext = 10;
  b.notify(EventType.SESSION, 0, { n: 2 }, { sessionId: 1 });
  b.notify(EventType.SESSION, 0, { n: 3 }, { sessionId: 1 });
  await waitFor(() => (b.status()['janus.eventhandler.memory'] as JsonObject).dropped_undelivered === 2, { timeout: 3000, what: 'the batch given up' });
  const status = b.status()['janus.eventhandler.memory'] as JsonObject;
  assert.equal(status.failures, 2 + 4, 'the first batch failed twice, the second four times (1 + 3 retries)');
  assert.equal(status.sent, 1);
  assert.equal(status.last_error, 'refused');
  await b.stop();
});

test('while the backend is down events wait in the queue (oldest dropped beyond the bound), then go out in order', async () => {
  const backend = new RecordingBackend();
  backend.up = false;
  const { bus: b } = await bus({ max_queued_events: 5 }, backend);
  for (let i = 0; i < 12; i++) b.notify(EventType.SESSION, 0, { i }, { sessionId: 1 });
  await sleep(20);
  assert.equal(backend.attempts.length, 0, 'no delivery tried while down');
  const waiting = b.status()['janus.eventhandler.memory'] as JsonObject;
  assert.equal(waiting.queued, 5);
  assert.equal(waiting.dropped_queue_full, 7);
  backend.bringUp();
  await waitFor(() => backend.events().length === 5, { timeout: 2000, what: 'the five kept' });
  assert.deepEqual(
    backend.events().map((e) => (e.event as JsonObject).i),
    [7, 8, 9, 10, 11],
  );
  await b.stop();
});

test('a stop gives queued events a grace to go out, and never waits on a backend that stays down', async () => {
  const backend = new RecordingBackend();
  const { bus: b } = await bus({}, backend);
  b.notify(EventType.CORE, EventSubtype.CORE_SHUTDOWN, { status: 'shutdown', signum: 15 });
  await b.stop();
  assert.equal(backend.events().length, 1, 'the shutdown event went out before the close');
  const down = new RecordingBackend();
  down.up = false;
  const stuck = await bus({}, down);
  stuck.bus.notify(EventType.SESSION, 0, {}, { sessionId: 1 });
  const t0 = performance.now();
  await stuck.bus.stop();
  assert.ok(performance.now() - t0 < 1000 && down.closed);
});

test("query: tweak as Janus's handlers answer it; describe and status", async () => {
  const { bus: b } = await bus({ target: 'somewhere' });
  assert.equal(b.query('janus.eventhandler.other', { request: 'tweak' }), undefined);
  assert.deepEqual(b.query('janus.eventhandler.memory', 'x'), { error_code: 412, error: 'Missing mandatory element (request)' });
  assert.deepEqual(b.query('janus.eventhandler.memory', { request: 1 }), { error_code: 413, error: 'Invalid element type (request should be a string)' });
  assert.deepEqual(b.query('janus.eventhandler.memory', { request: 'TWEAK', target: 'bad' }), { error_code: 413, error: 'Invalid element (a bad target)' });
  assert.deepEqual(b.query('janus.eventhandler.memory', { request: 'tweak', grouping: 1 }), { error_code: 413, error: 'Invalid element type (grouping should be a boolean)' });
  assert.deepEqual(b.query('janus.eventhandler.memory', { request: 'tweak', events: 'media', target: 'elsewhere', max_queued_events: 7 }), { result: 200 });
  assert.equal(b.wants(EventType.SESSION), false);
  assert.equal(b.wants(EventType.MEDIA), true);
  const status = b.status()['janus.eventhandler.memory'] as JsonObject;
  assert.equal(status.events, 'media');
  assert.equal(status.max_queued_events, 7);
  assert.deepEqual(Object.keys(b.describe()), ['janus.eventhandler.memory']);
  await b.stop();
});

test('a handler whose settings cannot work is not started; the others are', async () => {
  const lines: string[] = [];
  const b = await EventBus.start({
    broadcast: true,
    disabled: new Set(['janus.eventhandler.off']),
    statsPeriod: 0,
    combineMediaStats: false,
    emitter: 'x',
    kinds: [kind(new RecordingBackend()), { ...kind(new RecordingBackend()), package: 'janus.eventhandler.off' }],
    settings: { 'janus.eventhandler.memory': { enabled: true, target: 'bad' }, 'janus.eventhandler.off': { enabled: true } },
    network: {} as Network,
    log: Logger.create({ level: 4, timestamps: false, sink: { write: (l) => lines.push(l) } }),
  });
  assert.equal(b.enabled, false);
  assert.ok(
    lines.some((l) => l.includes('janus.eventhandler.memory not started: a bad target')),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => l.includes('janus.eventhandler.off disabled by events.disable')));
  await b.stop();
});

// The kit's dispatcher: request lookup and field checks with the plugin's codes, `ok` answered at once, `ack`
// requests one at a time in arrival order per handle, a dropped handle's queue forgotten, faults kept from clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginError } from '../../../src/plugin-api/plugin-error.js';
import { PluginRequests } from '../../../src/plugin-api/plugin-requests.js';
import { requestsFor } from '../../../src/plugin-api/request-table.js';
import type { PluginResult } from '../../../src/plugin-api/plugin.js';
import { FakePluginHandle } from '../../../support/fake-plugin-handle.js';

const CODES = { invalidJson: 601, missingElement: 602, invalidElement: 603, unknownRequest: 604, internal: 699 };

interface Session {
  readonly log: string[];
}

/** A promise and the function that settles it: lets a test hold a handler half-way. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function sample(gates: Map<string, Promise<void>> = new Map()): PluginRequests<Session> {
  const on = requestsFor<Session>();
  return new PluginRequests<Session>({
    plugin: 'sample',
    codes: CODES,
    table: {
      info: on.ok({ id: { type: 'integer', required: true }, verbose: 'boolean' }, ({ body }) => ({ data: { sample: 'info', id: body.id, verbose: body.verbose ?? false } })),
      refuse: on.ok({}, () => {
        throw new PluginError(610, 'No such thing');
      }),
      crash: on.ok({}, () => {
        throw new Error('secret detail /home/x');
      }),
      join: on.ack(
        { name: { type: 'string', required: true } },
        async ({ session, body }) => {
          session.log.push(`start ${body.name}`);
          await gates.get(body.name);
          session.log.push(`end ${body.name}`);
          return { data: { sample: 'joined', name: body.name } };
        },
        'hold on',
      ),
      quiet: on.ack({}, () => undefined),
    },
  });
}

const ok = (r: PluginResult | Promise<PluginResult>): Promise<PluginResult> => Promise.resolve(r);

test('a missing, mistyped or unknown request is answered at once with the plugin codes', async () => {
  const requests = sample();
  const h = new FakePluginHandle();
  const s: Session = { log: [] };
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: {} })), { kind: 'ok', data: { sample: 'event', error_code: 602, error: 'Missing mandatory element (request)' } });
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 7 } })), {
    kind: 'ok',
    data: { sample: 'event', error_code: 603, error: 'Invalid element type (request should be a string)' },
  });
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 'toString' } })), {
    kind: 'ok',
    data: { sample: 'event', error_code: 604, error: "Unknown request 'toString'" },
  });
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 'INFO', id: 1 } })), {
    kind: 'ok',
    data: { sample: 'event', error_code: 604, error: "Unknown request 'INFO'" },
  });
});

test('an ok request gets its checked body and answers in the reply; field errors and PluginErrors too', async () => {
  const requests = sample();
  const h = new FakePluginHandle();
  const s: Session = { log: [] };
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 'info', id: 5 } })), { kind: 'ok', data: { sample: 'info', id: 5, verbose: false } });
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 'info' } })), {
    kind: 'ok',
    data: { sample: 'event', error_code: 602, error: 'Missing mandatory element (id)' },
  });
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 'info', id: 1, verbose: 'yes' } })), {
    kind: 'ok',
    data: { sample: 'event', error_code: 603, error: 'Invalid element type (verbose should be a boolean)' },
  });
  assert.deepEqual(await ok(requests.handle(s, h, { transaction: 't', body: { request: 'refuse' } })), { kind: 'ok', data: { sample: 'event', error_code: 610, error: 'No such thing' } });
  assert.equal(h.events.length, 0);
});

test('an internal fault is logged on the handle and the client reads a neutral text', async () => {
  const requests = sample();
  const lines: string[] = [];
  const h = new FakePluginHandle({ logLines: lines });
  const r = await ok(requests.handle({ log: [] }, h, { transaction: 't', body: { request: 'crash' } }));
  assert.deepEqual(r, { kind: 'ok', data: { sample: 'event', error_code: 699, error: 'Internal error' } });
  assert.ok(
    lines.some((l) => l.includes('secret detail')),
    lines.join('\n'),
  );
  assert.ok(!JSON.stringify(r).includes('secret'));
});

test('anyCase matches a request whatever its case', async () => {
  const on = requestsFor<Session>();
  const requests = new PluginRequests<Session>({ plugin: 'sample', codes: CODES, anyCase: true, table: { list: on.ok({}, () => ({ data: { sample: 'list' } })) } });
  assert.deepEqual(await ok(requests.handle({ log: [] }, new FakePluginHandle(), { transaction: 't', body: { request: 'LiSt' } })), { kind: 'ok', data: { sample: 'list' } });
});

test('ack requests: acknowledged at once, run one at a time in arrival order, answered with their transaction', async () => {
  const first = gate();
  const requests = sample(new Map([['a', first.wait]]));
  const h = new FakePluginHandle();
  const s: Session = { log: [] };
  assert.deepEqual(requests.handle(s, h, { transaction: 'ta', body: { request: 'join', name: 'a' } }), { kind: 'ack', hint: 'hold on' });
  assert.deepEqual(requests.handle(s, h, { transaction: 'tb', body: { request: 'join', name: 'b' } }), { kind: 'ack', hint: 'hold on' });
  assert.deepEqual(requests.handle(s, h, { transaction: 'tc', body: { request: 'join' } }), { kind: 'ack', hint: 'hold on' });
  assert.deepEqual(s.log, [], 'nothing runs before the ack is out');
  await turn();
  assert.deepEqual(s.log, ['start a'], 'b waits for a');
  first.open();
  await h.eventFor('tc');
  assert.deepEqual(s.log, ['start a', 'end a', 'start b', 'end b']);
  assert.deepEqual(
    h.events.map((e) => [e.transaction, e.data]),
    [
      ['ta', { sample: 'joined', name: 'a' }],
      ['tb', { sample: 'joined', name: 'b' }],
      ['tc', { sample: 'event', error_code: 602, error: 'Missing mandatory element (name)' }],
    ],
  );
});

test('an ack request returning nothing pushes nothing; handles do not wait for each other', async () => {
  const stuck = gate();
  const requests = sample(new Map([['a', stuck.wait]]));
  const h1 = new FakePluginHandle({ id: 1 });
  const h2 = new FakePluginHandle({ id: 2 });
  void requests.handle({ log: [] }, h1, { transaction: 't1', body: { request: 'join', name: 'a' } });
  void requests.handle({ log: [] }, h2, { transaction: 'q', body: { request: 'quiet' } });
  void requests.handle({ log: [] }, h2, { transaction: 't2', body: { request: 'join', name: 'b' } });
  await h2.eventFor('t2');
  assert.deepEqual(
    h2.events.map((e) => e.transaction),
    ['t2'],
  );
  assert.equal(h1.events.length, 0);
  stuck.open();
  await h1.eventFor('t1');
});

test('dropping a handle forgets its waiting requests and silences the running one', async () => {
  const first = gate();
  const requests = sample(new Map([['a', first.wait]]));
  const h = new FakePluginHandle();
  const s: Session = { log: [] };
  void requests.handle(s, h, { transaction: 'ta', body: { request: 'join', name: 'a' } });
  void requests.handle(s, h, { transaction: 'tb', body: { request: 'join', name: 'b' } });
  await turn();
  requests.drop(h.id);
  first.open();
  await turn();
  await turn();
  assert.deepEqual(s.log, ['start a', 'end a']);
  assert.equal(h.events.length, 0);
});

test('a plugin with one request (`only`): every message is it, answered ack synchronously', async () => {
  const on = requestsFor<Session>();
  const requests = new PluginRequests<Session>({ plugin: 'solo', codes: CODES, only: on.ack({ audio: 'boolean' }, ({ body }) => ({ data: { solo: 'event', audio: body.audio ?? null } })) });
  const h = new FakePluginHandle();
  assert.deepEqual(requests.ack({ log: [] }, h, { transaction: 'x', body: { audio: true } }), { kind: 'ack' });
  assert.deepEqual((await h.eventFor('x')).data, { solo: 'event', audio: true });
  requests.ack({ log: [] }, h, { transaction: 'y', body: { audio: 1 } });
  assert.deepEqual((await h.eventFor('y')).data, { solo: 'event', error_code: 603, error: 'Invalid element type (audio should be a boolean)' });
  assert.throws(() => sample().ack({ log: [] }, h, { transaction: 'z', body: {} }), /one request/);
});

// Admin query_eventhandler (the handler's `tweak`), custom_event and custom_logline as Janus answers them, bad
// input with Janus's codes, and a tweak that takes effect on what is sent next.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { JanusWs } from '../../../support/janus-ws.js';
import { waitFor } from '../../../support/wait.js';
import { ADMIN_REST, adminRequest, handlerStatus } from '../../helpers/admin-rest.js';
import { HttpReceiver } from '../../helpers/event-receivers.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const PKG = 'janus.eventhandler.sampleevh';

async function started(receiver: HttpReceiver, extra: Array<[string, string]> = []): Promise<StartedServer> {
  const s = await startInProcess([['events.broadcast', 'true'], ['sampleevh.enabled', 'true'], ['sampleevh.backend', receiver.url], ['sampleevh.events', 'sessions'], ...ADMIN_REST, ...extra]);
  cleanups.push(() => s.stop());
  return s;
}

const code = (reply: Record<string, unknown>): unknown => (reply.error as { code?: number } | undefined)?.code;

test('bad Admin requests get Janus codes and the server keeps serving', async () => {
  const receiver = await HttpReceiver.start();
  cleanups.push(() => receiver.down());
  const s = await started(receiver);
  const admin = (body: Record<string, unknown>): Promise<Record<string, unknown>> => adminRequest(s, body);
  assert.equal(code(await admin({ janus: 'query_eventhandler' })), 456, 'no handler');
  assert.equal(code(await admin({ janus: 'query_eventhandler', handler: 5 })), 467, 'handler not a string');
  assert.equal(code(await admin({ janus: 'query_eventhandler', handler: 'janus.eventhandler.nope', request: {} })), 460, 'no such handler');
  assert.equal(code(await admin({ janus: 'query_eventhandler', handler: PKG, request: 'tweak' })), 467, 'request not an object');
  assert.equal(code(await admin({ janus: 'custom_event', data: {} })), 456, 'no schema');
  assert.equal(code(await admin({ janus: 'custom_event', schema: 'x', data: [1] })), 467, 'data not an object');
  assert.equal(code(await admin({ janus: 'custom_logline' })), 456, 'no line');
  assert.equal(code(await admin({ janus: 'custom_logline', line: 'x', level: -1 })), 467, 'a negative level');

  // The handler's own answers: 412 missing, 413 invalid, 411 unknown request; the settings stay as they were.
  const query = async (request: unknown): Promise<Record<string, unknown>> => {
    const reply = await admin({ janus: 'query_eventhandler', handler: PKG, request });
    assert.equal(reply.janus, 'success', JSON.stringify(reply));
    return reply.response as Record<string, unknown>;
  };
  assert.equal((await query(undefined)).error_code, 412);
  assert.equal((await query({})).error_code, 412);
  assert.equal((await query({ request: 7 })).error_code, 413);
  assert.deepEqual(await query({ request: 'dance' }), { error_code: 411, error: "Unknown request 'dance'" });
  assert.equal((await query({ request: 'tweak', grouping: 'yes' })).error_code, 413);
  assert.equal((await query({ request: 'tweak', max_retransmissions: -2 })).error_code, 413);
  assert.equal((await query({ request: 'tweak', events: 'sessions,bogus' })).error_code, 413);
  assert.equal((await query({ request: 'tweak', backend: 'ftp://127.0.0.1/x', events: 'all' })).error_code, 413);
  assert.equal((await query({ request: 'tweak', compression: 12 })).error_code, 413);
  const status = await handlerStatus(s, PKG);
  assert.equal(status.events, 'sessions', 'a refused tweak changed nothing');
  assert.equal(status.backend, receiver.url);
  assert.equal(((await admin({ janus: 'info' })) as { janus: string }).janus, 'server_info');
});

test('a tweak changes the mask, the grouping and the backend of what is sent next', async () => {
  const first = await HttpReceiver.start();
  const second = await HttpReceiver.start({ auth: 'u:p' });
  cleanups.push(
    () => first.down(),
    () => second.down(),
  );
  const s = await started(first);
  const c = await JanusWs.open(s.wsUrl);
  cleanups.push(() => Promise.resolve(c.close()));
  const create = async (): Promise<number> => ((await c.request({ janus: 'create' })).data as { id: number }).id;

  await create();
  await waitFor(() => first.events().length === 1, { timeout: 5000, what: 'a session event' });
  const tweak = (request: Record<string, unknown>): Promise<Record<string, unknown>> => adminRequest(s, { janus: 'query_eventhandler', handler: PKG, request: { request: 'tweak', ...request } });
  assert.deepEqual((await tweak({ events: 'none' })).response, { result: 200 });
  await create();
  assert.deepEqual((await adminRequest(s, { janus: 'custom_event', schema: 'nobody.listens', data: {} })).janus, 'success');
  assert.deepEqual((await tweak({ events: 'external,sessions', grouping: false, backend: second.url, backend_user: 'u', backend_pwd: 'p' })).response, { result: 200 });
  assert.equal((await adminRequest(s, { janus: 'custom_event', schema: 'my.schema', data: { n: 1 } })).janus, 'success');
  await create();
  await waitFor(() => second.events().length === 2, { timeout: 5000, what: 'the events after the tweak' });
  assert.equal(first.events().length, 1, 'nothing went out while the mask was none');
  assert.deepEqual(
    second.events().map((e) => e.type),
    [4, 1],
  );
  assert.ok(
    second.posts.every((p) => !Array.isArray(p.body)),
    'grouping off',
  );
  assert.equal(second.unauthorized, 0);
  const status = await handlerStatus(s, PKG);
  assert.equal(status.events, 'sessions,external');
  assert.equal(status.grouping, false);
});

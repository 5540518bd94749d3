// The kit's additions for plugins with Admin API requests and media events (the Streaming plugin first):
// `admin` entries answered without a handle, a non-string `request` answered as missing when asked, and a job
// run in the handle's queue behind the requests already there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginError } from '../../../src/plugin-api/plugin-error.js';
import { PluginRequests } from '../../../src/plugin-api/plugin-requests.js';
import { requestsFor } from '../../../src/plugin-api/request-table.js';
import { Logger } from '../../../src/logging/logger.js';
import { FakePluginHandle, sendMessage } from '../../../support/fake-plugin-handle.js';
import type { Plugin } from '../../../src/plugin-api/plugin.js';

const CODES = { invalidJson: 601, missingElement: 602, invalidElement: 603, unknownRequest: 604, internal: 699 };
const quiet = Logger.create({ level: 0, timestamps: false, sink: { write: () => {} } });

function sample(order: string[] = []): PluginRequests<string> {
  const on = requestsFor<string>();
  return new PluginRequests<string>({
    plugin: 'sample',
    codes: CODES,
    nonStringRequest: 'missing',
    table: {
      count: on.admin({ n: { type: 'integer', required: true } }, ({ session, body }) => ({ sample: 'count', n: body.n, session })),
      refuse: on.admin({}, () => {
        throw new PluginError(610, 'No such thing');
      }),
      join: on.ack({}, () => {
        order.push('join');
        return { data: { sample: 'joined' } };
      }),
    },
  });
}

/** The requests as a plugin answering messages through them. */
function asPlugin(requests: PluginRequests<string>): Plugin {
  return { handleMessage: (handle, message) => requests.handle('s', handle, message) } as Plugin;
}

test('an admin entry answers over a handle (ok) and over the Admin API, with the same checks', async () => {
  const requests = sample();
  const handle = new FakePluginHandle();
  assert.deepEqual((await sendMessage(asPlugin(requests), handle, { request: 'count', n: 3 })).data, { sample: 'count', n: 3, session: 's' });
  assert.deepEqual(await requests.answerAdmin('admin', { request: 'count', n: 4 }, quiet), { sample: 'count', n: 4, session: 'admin' });
  assert.deepEqual(await requests.answerAdmin('admin', { request: 'count' }, quiet), { sample: 'event', error_code: 602, error: 'Missing mandatory element (n)' });
  assert.deepEqual(await requests.answerAdmin('admin', { request: 'refuse' }, quiet), { sample: 'event', error_code: 610, error: 'No such thing' });
});

test('over the Admin API, an ack request, a missing or a non-string request is unknown', async () => {
  const requests = sample();
  assert.deepEqual(await requests.answerAdmin('admin', { request: 'join' }, quiet), { sample: 'event', error_code: 604, error: "Unknown request 'join'" });
  assert.deepEqual(await requests.answerAdmin('admin', {}, quiet), { sample: 'event', error_code: 604, error: "Unknown request 'undefined'" });
  assert.deepEqual(await requests.answerAdmin('admin', { request: 7 }, quiet), { sample: 'event', error_code: 604, error: "Unknown request '7'" });
});

test("nonStringRequest 'missing': a request that is not a string is answered as a missing one", async () => {
  const handle = new FakePluginHandle();
  assert.deepEqual((await sendMessage(asPlugin(sample()), handle, { request: 7 })).data, { sample: 'event', error_code: 602, error: 'Missing mandatory element (request)' });
});

test('inQueue runs a job behind the requests already queued, and not for a dropped handle', async () => {
  const order: string[] = [];
  const requests = sample(order);
  const handle = new FakePluginHandle();
  void requests.handle('s', handle, { transaction: 't', body: { request: 'join' } });
  requests.inQueue(handle, () => void order.push('media'));
  await handle.eventFor('t');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['join', 'media']);
  void requests.handle('s', handle, { transaction: 'u', body: { request: 'join' } });
  requests.inQueue(handle, () => void order.push('late'));
  requests.drop(handle.id);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(order, ['join', 'media']);
});

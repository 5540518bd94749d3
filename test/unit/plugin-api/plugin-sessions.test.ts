// The kit's session table: a handle's state from createSession to destroySession, each ended once (marked
// destroyed, the plugin's clean-up run, the handle's waiting requests dropped), and Janus's error for a handle
// without one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginRequests } from '../../../src/plugin-api/plugin-requests.js';
import { PluginSessions } from '../../../src/plugin-api/plugin-sessions.js';
import { requestsFor } from '../../../src/plugin-api/request-table.js';
import { FakePluginHandle } from '../../../support/fake-plugin-handle.js';

interface Session {
  destroyed: boolean;
  readonly name: string;
}

const CODES = { invalidJson: 601, missingElement: 602, invalidElement: 603, unknownRequest: 604, internal: 699 };

function kit(): { requests: PluginRequests<Session>; sessions: PluginSessions<Session>; release: () => void } {
  const on = requestsFor<Session>();
  let release = (): void => {};
  const held = new Promise<void>((r) => (release = r));
  const requests = new PluginRequests<Session>({
    plugin: 'sample',
    codes: CODES,
    table: {
      who: on.ok({}, ({ session }) => ({ data: { sample: 'who', name: session.name } })),
      slow: on.ack({}, async () => {
        await held;
        return { data: { sample: 'slow' } };
      }),
    },
  });
  return { requests, sessions: new PluginSessions(requests), release };
}

test("a handle's state answers its messages; without one, Janus's error", async () => {
  const { sessions } = kit();
  const h = new FakePluginHandle();
  assert.deepEqual(await sessions.handle(h, { transaction: 't', body: { request: 'who' } }), { kind: 'error', reason: 'No session associated with this handle' });
  sessions.add(h, { destroyed: false, name: 'ann' });
  assert.equal(sessions.size, 1);
  assert.ok(sessions.has(h.id));
  assert.deepEqual(await sessions.handle(h, { transaction: 't', body: { request: 'who' } }), { kind: 'ok', data: { sample: 'who', name: 'ann' } });
});

test('end marks the state destroyed, runs the clean-up once and drops what the handle had waiting', async () => {
  const { sessions, release } = kit();
  const h = new FakePluginHandle();
  const s: Session = { destroyed: false, name: 'bob' };
  sessions.add(h, s);
  await sessions.handle(h, { transaction: 'a', body: { request: 'slow' } });
  await sessions.handle(h, { transaction: 'b', body: { request: 'slow' } });
  const ended: string[] = [];
  sessions.end(h, (x) => ended.push(x.name));
  sessions.end(h, (x) => ended.push(x.name));
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ended, ['bob'], 'once');
  assert.equal(s.destroyed, true);
  assert.equal(sessions.get(h.id), undefined);
  assert.equal(h.events.length, 0, 'nothing pushed for the dropped requests');
});

test('endAll ends every state and leaves none', () => {
  const { sessions } = kit();
  const states = [1, 2, 3].map((i) => ({ destroyed: false, name: `p${i}` }));
  states.forEach((s, i) => sessions.add(new FakePluginHandle({ id: i + 1 }), s));
  const ended: string[] = [];
  sessions.endAll((s) => ended.push(s.name));
  assert.deepEqual(ended.sort(), ['p1', 'p2', 'p3']);
  assert.ok(states.every((s) => s.destroyed));
  assert.equal(sessions.size, 0);
  sessions.endAll(); // nothing left: harmless
});

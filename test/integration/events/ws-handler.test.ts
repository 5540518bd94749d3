// The WebSocket event handler (Janus's wsevh) with a `ws` server on loopback: events as text messages on one
// connection with the subprotocol asked for; the receiver goes away and comes back, and only what
// events_cap_on_reconnect says is lost while the server keeps answering.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { JanusWs } from '../../../support/janus-ws.js';
import { waitFor } from '../../../support/wait.js';
import { ADMIN_REST, handlerStatus } from '../../helpers/admin-rest.js';
import { WsReceiver } from '../../helpers/event-receivers.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const PKG = 'janus.eventhandler.wsevh';

test('events reach a WebSocket receiver; it goes away and comes back, losing only beyond events_cap_on_reconnect', async () => {
  const receiver = await WsReceiver.start();
  cleanups.push(() => receiver.down());
  const s = await startInProcess([
    ['events.broadcast', 'true'],
    ['wsevh.enabled', 'true'],
    ['wsevh.backend', receiver.url],
    ['wsevh.subprotocol', 'janus-event-handlers'],
    ['wsevh.events', 'sessions,transports,core'],
    ['wsevh.events_cap_on_reconnect', '10'],
    ['wsevh.json', 'indented'],
    ...ADMIN_REST,
  ]);
  cleanups.push(() => s.stop());
  await waitFor(() => receiver.events().some((e) => e.type === 256), { timeout: 5000, what: 'the startup event' });
  assert.deepEqual(receiver.protocols, ['janus-event-handlers']);

  const c = await JanusWs.open(s.wsUrl);
  cleanups.push(() => Promise.resolve(c.close()));
  const id = ((await c.request({ janus: 'create' })).data as { id: number }).id;
  await waitFor(() => receiver.events().some((e) => e.type === 1 && e.session_id === id), { timeout: 5000, what: 'session created' });
  for (const e of receiver.events()) assert.deepEqual(janusEventProblems(e), []);
  assert.ok(
    receiver.events().some((e) => e.type === 128),
    'the WebSocket connection was reported',
  );

  await receiver.down();
  await waitFor(async () => (await handlerStatus(s, PKG)).connected === false, { timeout: 5000, what: 'the handler sees the receiver gone' });
  const before = receiver.events().length;
  for (let i = 0; i < 15; i++) {
    const sid = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    assert.equal((await c.request({ janus: 'destroy', session_id: sid })).janus, 'success');
  }
  const waiting = await handlerStatus(s, PKG);
  assert.equal(waiting.queued, 10, JSON.stringify(waiting));
  assert.equal(waiting.dropped_queue_full, 20);
  await receiver.up();
  await waitFor(() => receiver.events().length >= before + 10, { timeout: 15_000, what: 'the queued events after reconnecting' });
  const status = await handlerStatus(s, PKG);
  assert.equal(status.connected, true);
  assert.equal(status.connections, 2);
  assert.equal(status.dropped_undelivered, 0);
  const kept = receiver.events().slice(before);
  assert.equal(kept.length, 10, 'the newest ten, nothing more, nothing less');
  assert.ok(kept.every((e) => e.type === 1));
  assert.equal((kept[9].event as { name: string }).name, 'destroyed');
});

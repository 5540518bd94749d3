// What the core tells event handlers, through a notifier that records: sessions, handles, trickled candidates,
// the periodic core update; and nothing at all (not even a body built) for the types no handler takes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventType, type EventContext, type EventNotifier, type EventTypeValue } from '../../../src/core/event-notifier.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { attach, createSession, makeGateway } from './fixtures.js';

class RecordingNotifier implements EventNotifier {
  readonly enabled = true;
  readonly statsPeriod = 1;
  readonly combineMediaStats = false;
  readonly got: Array<{ type: number; subtype: number; body: unknown; context?: EventContext }> = [];
  constructor(public mask: number) {}
  wants(type: EventTypeValue): boolean {
    return (this.mask & type) !== 0;
  }
  notify(type: EventTypeValue, subtype: number, body: JsonObject | readonly JsonObject[], context?: EventContext): void {
    assert.ok(this.wants(type), `an event of type ${type} was built though no handler takes it`);
    this.got.push({ type, subtype, body, context });
  }
  describe(): JsonObject {
    return {};
  }
  query(): JsonObject | undefined {
    return undefined;
  }
  status(): JsonObject {
    return {};
  }
}

test('sessions created (with the transport), handles attached and detached (opaque_id), sessions timed out', async () => {
  const events = new RecordingNotifier(EventType.SESSION | EventType.HANDLE);
  const t = makeGateway({ sessionTimeout: 10 }, undefined, undefined, events);
  const s = await createSession(t);
  const r = await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest', opaque_id: 'op-1' });
  const h = (r.data as { id: number }).id;
  await t.call({ janus: 'detach', transaction: 'd', session_id: s, handle_id: h });
  t.clock.advance(12_000);
  const [created, attached, detached, timeout] = events.got;
  assert.equal(created.type, 1);
  assert.deepEqual(created.context, { sessionId: s });
  const transport = (created.body as { name: string; transport: { transport: string; id: string } }).transport;
  assert.equal(transport.transport, 'test');
  assert.match(transport.id, /^\d+$/);
  assert.deepEqual(attached, { type: 2, subtype: 0, body: { name: 'attached', plugin: 'janus.plugin.echotest', opaque_id: 'op-1' }, context: { sessionId: s, handleId: h, opaqueId: 'op-1' } });
  assert.equal((detached.body as JsonObject).name, 'detached');
  assert.deepEqual(timeout.body, { name: 'timeout' });
  assert.equal(events.got.length, 4);
  t.gateway.stop();
});

test('a trickled candidate is a remote-candidate event; the core update comes every 15 s', async () => {
  const events = new RecordingNotifier(EventType.WEBRTC | EventType.CORE);
  const t = makeGateway({}, undefined, undefined, events);
  const s = await createSession(t);
  const h = await attach(t, s);
  await t.call({ janus: 'trickle', transaction: 't', session_id: s, handle_id: h, candidate: { candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host', sdpMid: '0' } });
  await t.call({ janus: 'trickle', transaction: 't', session_id: s, handle_id: h, candidate: { completed: true } });
  assert.deepEqual(events.got[0].body, { 'remote-candidate': '1 1 udp 2130706431 127.0.0.1 5000 typ host', stream_id: 1, component_id: 1 });
  assert.equal(events.got.length, 1, 'the end of candidates is no candidate');
  t.clock.advance(15_000);
  assert.deepEqual(events.got[1], { type: 256, subtype: 1, body: { status: 'update', info: { sessions: 1, handles: 1, peerconnections: 0, 'stats-period': 1 } }, context: undefined });
  t.gateway.stop();
});

test('no handler for a type: nothing is built for it', async () => {
  const events = new RecordingNotifier(EventType.EXTERNAL);
  const t = makeGateway({ sessionTimeout: 5 }, undefined, undefined, events);
  const s = await createSession(t);
  const h = await attach(t, s);
  await t.call({ janus: 'trickle', transaction: 't', session_id: s, handle_id: h, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host', sdpMid: '0' } });
  await t.call({ janus: 'message', transaction: 'm', session_id: s, handle_id: h, body: { audio: false } });
  t.clock.advance(20_000);
  assert.deepEqual(events.got, []);
  t.gateway.stop();
});

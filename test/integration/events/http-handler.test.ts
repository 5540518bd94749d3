// The HTTP event handler (Janus's sampleevh) with a real receiver on loopback: an EchoTest call by a werift peer
// produces events of every type, each checked against Janus's schema; basic auth, grouping and gzip as set.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HttpReceiver } from '../../helpers/event-receivers.js';
import { startEchoCall } from '../../helpers/echo-session.js';
import { ADMIN_REST, adminRequest, handlerStatus } from '../../helpers/admin-rest.js';
import { JanusWs } from '../../../support/janus-ws.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { waitFor } from '../../../support/wait.js';

tolerateLeftoverTimers('werift keeps timers of closed peers');

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const admin = adminRequest;

function handlerSettings(receiver: HttpReceiver, extra: Array<[string, string]> = []): Array<[string, string]> {
  return [['events.broadcast', 'true'], ['events.stats_period', '1'], ['sampleevh.enabled', 'true'], ['sampleevh.backend', receiver.url], ...ADMIN_REST, ...extra];
}

test('an EchoTest call produces events of every type, each as Janus sends it, POSTed with basic auth', async () => {
  const receiver = await HttpReceiver.start({ auth: 'evuser:evpass' });
  cleanups.push(() => receiver.down());
  const s = await startInProcess(
    handlerSettings(receiver, [
      ['sampleevh.backend_user', 'evuser'],
      ['sampleevh.backend_pwd', 'evpass'],
    ]),
  );
  let stopped = false;
  cleanups.push(() => (stopped ? Promise.resolve() : s.stop()));

  const call = await startEchoCall(s.wsUrl, 'events-opaque');
  await call.sendFor(2500);
  assert.ok(call.echoed() > 0, 'media flows with the handler on');
  assert.deepEqual(await admin(s, { janus: 'custom_event', schema: 'my.custom.source', data: { whatever: 'youwant' } }), { janus: 'success', transaction: 't' });
  await call.end();
  const info = await admin(s, { janus: 'info' });
  assert.equal(info.event_handlers, true);
  assert.ok((info.events as Record<string, unknown>)['janus.eventhandler.sampleevh'], 'server_info lists the handler');
  await waitFor(() => receiver.events().some((e) => e.type === 128 && (e.event as { data: { event: string } }).data.event === 'disconnected'), {
    timeout: 5000,
    what: 'the WebSocket connection closed',
  });
  await s.server.stop(15);
  stopped = true;

  const events = receiver.events();
  assert.equal(receiver.unauthorized, 0, 'every POST carried the credentials');
  assert.ok(
    receiver.posts.every((p) => Array.isArray(p.body) && !p.gzipped && p.contentType === 'application/json'),
    'grouped, plain JSON',
  );
  assert.ok(receiver.posts.length >= 3, `${receiver.posts.length} POSTs`);
  assert.ok(receiver.connections < receiver.posts.length, `${receiver.connections} connections for ${receiver.posts.length} POSTs: the connection is kept between them`);
  for (const e of events) assert.deepEqual(janusEventProblems(e), [], JSON.stringify(e).slice(0, 400));
  const types = new Set(events.map((e) => e.type));
  for (const t of [1, 2, 4, 8, 16, 32, 64, 128, 256]) assert.ok(types.has(t), `an event of type ${t} (got ${[...types].join(', ')})`);
  const of = (type: number, subtype?: number): Record<string, unknown>[] => events.filter((e) => e.type === type && (subtype === undefined || e.subtype === subtype));
  const body = (e: Record<string, unknown>): Record<string, unknown> => e.event as Record<string, unknown>;

  // Sessions and handles: created, attached (with the opaque_id), detached, destroyed.
  assert.deepEqual(
    of(1)
      .filter((e) => e.session_id === call.session)
      .map((e) => body(e).name),
    ['created', 'destroyed'],
  );
  const handleEvents = of(2).filter((e) => e.handle_id === call.handle);
  assert.deepEqual(
    handleEvents.map((e) => body(e).name),
    ['attached', 'detached'],
  );
  assert.ok(handleEvents.every((e) => e.opaque_id === 'events-opaque' && body(e).plugin === 'janus.plugin.echotest'));
  // The offer came from the client, the answer from us.
  assert.deepEqual(
    of(8).map((e) => [body(e).owner, (body(e).jsep as Record<string, unknown>).type]),
    [
      ['remote', 'offer'],
      ['local', 'answer'],
    ],
  );
  // WebRTC: ICE states, candidates both ways, the selected pair, DTLS, up and hung up.
  for (const sub of [1, 2, 3, 4, 5]) assert.ok(of(16, sub).length > 0, `webrtc subtype ${sub}`);
  assert.deepEqual(
    of(16, 6).map((e) => body(e).connection),
    ['webrtcup', 'hangup'],
  );
  assert.equal(body(of(16, 6)[1]).reason, 'Janus API');
  assert.ok(of(16, 5).some((e) => body(e).dtls === 'connected'));
  // Media: receiving, and statistics with traffic in them.
  assert.ok(of(32, 1).some((e) => body(e).receiving === true));
  const stats = of(32, 3).map(body);
  assert.ok(
    stats.some((x) => x.media === 'audio' && (x['packets-received'] as number) > 0 && (x['packets-sent'] as number) > 0),
    JSON.stringify(stats.slice(-2)),
  );
  assert.ok(stats.some((x) => x.media === 'video' && (x['bytes-received'] as number) > 0));
  // The EchoTest's own event after its request.
  const plugin = of(64).find((e) => e.handle_id === call.handle);
  assert.deepEqual(body(plugin!), { plugin: 'janus.plugin.echotest', data: { audio_active: true, video_active: true, bitrate: 256000 } });
  // The WebSocket connection opened and closed; the Admin's custom event; the core started and shut down.
  assert.deepEqual(
    of(128)
      .map((e) => (body(e).data as Record<string, unknown>).event)
      .slice(0, 2),
    ['connected', 'disconnected'],
  );
  assert.deepEqual(body(of(4)[0]), { schema: 'my.custom.source', data: { whatever: 'youwant' } });
  assert.equal(body(of(256, 1)[0]).status, 'started');
  assert.deepEqual(body(of(256, 2)[0]), { status: 'shutdown', signum: 15 });
  assert.ok(events.every((e) => e.emitter === 'Portunus'));
});

test('grouping off sends one object a POST; compress gzips each body; combined statistics come as one array', async () => {
  const receiver = await HttpReceiver.start();
  cleanups.push(() => receiver.down());
  const s = await startInProcess(
    handlerSettings(receiver, [
      ['sampleevh.grouping', 'false'],
      ['sampleevh.compress', 'true'],
      ['sampleevh.compression', '9'],
      ['sampleevh.events', 'sessions, handles,media'],
      ['events.combine_media_stats', 'true'],
    ]),
  );
  cleanups.push(() => s.stop());
  const call = await startEchoCall(s.wsUrl, 'ungrouped');
  await call.sendFor(2200);
  await call.end();
  await waitFor(() => receiver.events().some((e) => e.type === 1 && (e.event as Record<string, unknown>).name === 'destroyed'), { timeout: 5000, what: 'session destroyed event' });
  assert.ok(receiver.posts.length > 3);
  assert.ok(
    receiver.posts.every((p) => !Array.isArray(p.body) && p.gzipped),
    'one gzipped object a POST',
  );
  const types = new Set(receiver.events().map((e) => e.type));
  assert.deepEqual(
    [...types].sort((a, b) => Number(a) - Number(b)),
    [1, 2, 32],
    'only the types of the mask',
  );
  const combined = receiver.events().filter((e) => e.type === 32 && e.subtype === 3);
  assert.ok(combined.length > 0 && combined.every((e) => Array.isArray(e.event) && (e.event as unknown[]).length >= 2), 'one statistics event with every stream');
  for (const e of receiver.events()) assert.deepEqual(janusEventProblems(e), []);
});

test('the receiver goes away and comes back: only what the queue bound says is lost, and media keeps flowing meanwhile', async () => {
  const receiver = await HttpReceiver.start();
  cleanups.push(() => receiver.down());
  const s = await startInProcess(
    handlerSettings(receiver, [
      ['sampleevh.events', 'sessions'],
      ['sampleevh.max_queued_events', '20'],
      ['sampleevh.max_retransmissions', '20'],
      ['sampleevh.retransmissions_backoff', '50'],
    ]),
  );
  cleanups.push(() => s.stop());
  const call = await startEchoCall(s.wsUrl, 'outage');
  await waitFor(() => receiver.events().length >= 1, { timeout: 5000, what: 'the call session created event' });
  const before = receiver.events().length;
  await receiver.down();

  // While the receiver is away: 60 sessions made and destroyed (120 events), the call's media still echoed.
  const echoedBefore = call.echoed();
  const c = await JanusWs.open(s.wsUrl);
  const started = Date.now();
  for (let i = 0; i < 60; i++) {
    const id = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    assert.equal((await c.request({ janus: 'destroy', session_id: id })).janus, 'success');
  }
  assert.ok(Date.now() - started < 5000, 'requests are answered as fast with the receiver away');
  await call.sendFor(600);
  assert.ok(call.echoed() > echoedBefore + 20, `media flows while the receiver is away (${call.echoed() - echoedBefore} echoed)`);
  const during = await handlerStatus(s, 'janus.eventhandler.sampleevh');
  assert.ok((during.failures as number) > 0 && (during.queued as number) === 20, JSON.stringify(during));

  await receiver.up();
  await waitFor(async () => (await handlerStatus(s, 'janus.eventhandler.sampleevh')).queued === 0, { timeout: 15_000, what: 'the queue drained' });
  const after = await handlerStatus(s, 'janus.eventhandler.sampleevh');
  const got = receiver.events().length - before;
  // One batch was in flight when the receiver went away (kept and retried); the queue kept the newest 20.
  assert.equal(after.dropped_undelivered, 0, JSON.stringify(after));
  assert.equal(got + (after.dropped_queue_full as number), 120, `received ${got}, dropped ${String(after.dropped_queue_full)}`);
  assert.ok(got >= 20 && got <= 20 + 100, `received ${got}`);
  const names = receiver.events().slice(-20);
  assert.ok(
    names.every((e) => e.type === 1),
    'the newest events were kept',
  );
  c.close();
  await call.end();
});

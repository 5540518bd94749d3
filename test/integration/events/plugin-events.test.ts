// Plugin events (type 64) through the HTTP event handler to a real receiver on loopback: an AudioBridge room's
// life (Janus API and Admin API) and a TextRoom's (werift peers over data channels), each event with Janus's
// fields, in the context of the handle Janus puts it in, and every event passing Janus's schema.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ADMIN_REST, adminRequest } from '../../helpers/admin-rest.js';
import { HttpReceiver } from '../../helpers/event-receivers.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { TextRoomClient } from '../../../support/textroom-client.js';
import { waitFor } from '../../../support/wait.js';

tolerateLeftoverTimers('werift keeps timers of closed peers');

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

type Event = Record<string, unknown>;
const body = (e: Event): Event => e.event as Event;
const data = (e: Event): Event => body(e).data as Event;

test('AudioBridge and TextRoom events reach an HTTP event handler as Janus sends them', { timeout: 60_000 }, async () => {
  const receiver = await HttpReceiver.start();
  cleanups.push(() => receiver.down());
  const s = await startInProcess([['events.broadcast', 'true'], ['sampleevh.enabled', 'true'], ['sampleevh.backend', receiver.url], ['sampleevh.events', 'plugins'], ...ADMIN_REST]);
  cleanups.push(() => s.stop());

  // The AudioBridge: a moderator's handle and a participant's, on one session.
  const ws = await JanusWs.open(s.wsUrl);
  cleanups.push(async () => ws.close());
  const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
  const attach = async (opaque: string): Promise<number> =>
    ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.audiobridge', opaque_id: opaque })).data as { id: number }).id;
  const mod = await attach('ab-moderator');
  const alice = await attach('ab-alice');
  const ask = (handle: number, request: Msg): Promise<Msg> => ws.request({ janus: 'message', session_id: session, handle_id: handle, body: request }, true);
  assert.equal((((await ask(mod, { request: 'create', room: 7001, spatial_audio: true })).plugindata as Msg).data as Msg).audiobridge, 'created');
  assert.equal((await adminRequest(s, { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request: { request: 'create', room: 7002 } })).janus, 'success');
  await ask(alice, { request: 'join', room: 7001, id: 11, display: 'Alice' });
  await ask(alice, { request: 'configure', muted: true, quality: 6 });
  await ask(mod, { request: 'unmute', room: 7001, id: 11 });
  await ask(mod, { request: 'mute_room', room: 7001 });
  await ask(alice, { request: 'changeroom', room: 7002, id: 12 });
  await ask(alice, { request: 'leave' });
  await ask(mod, { request: 'destroy', room: 7001 });
  await adminRequest(s, { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request: { request: 'destroy', room: 7002 } });

  // The TextRoom: two werift peers over data channels, the kick and the destroy over the Janus API.
  const a = await TextRoomClient.open(s.wsUrl, s.server.network);
  cleanups.push(() => a.close());
  const b = await TextRoomClient.open(s.wsUrl, s.server.network);
  cleanups.push(() => b.close());
  await a.request({ textroom: 'create', room: 8001, secret: 'k' });
  await a.request({ textroom: 'join', room: 8001, username: 'alice', display: 'Alice' });
  await b.request({ textroom: 'join', room: 8001, username: 'bob' });
  await b.request({ textroom: 'leave', room: 8001 });
  await b.request({ textroom: 'join', room: 8001, username: 'bob' });
  assert.deepEqual(await a.api({ request: 'kick', room: 8001, secret: 'k', username: 'bob' }), { textroom: 'success' });
  assert.equal((await a.api({ request: 'destroy', room: 8001, secret: 'k' })).textroom, 'destroyed');

  const of = (plugin: string): Event[] => receiver.events().filter((e) => e.type === 64 && body(e).plugin === plugin);
  await waitFor(() => of('janus.plugin.textroom').some((e) => data(e).event === 'destroyed'), { timeout: 10_000, what: "the TextRoom's destroyed event" });
  await waitFor(() => of('janus.plugin.audiobridge').filter((e) => data(e).event === 'destroyed').length === 2, { timeout: 10_000, what: "the AudioBridge's destroyed events" });

  for (const e of receiver.events()) assert.deepEqual(janusEventProblems(e), [], JSON.stringify(e).slice(0, 400));
  assert.ok(
    receiver.events().every((e) => e.type === 64),
    'only the types of the mask',
  );

  // Each AudioBridge event with the handle Janus gives it: the asking one, the participant's, or none (Admin API).
  const ab = of('janus.plugin.audiobridge').map((e) => [data(e), e.session_id, e.handle_id, e.opaque_id]);
  assert.deepEqual(ab, [
    [{ event: 'created', room: 7001 }, session, mod, 'ab-moderator'],
    [{ event: 'created', room: 7002 }, undefined, undefined, undefined],
    [{ event: 'joined', room: 7001, id: 11, display: 'Alice', setup: false, muted: false, spatial_position: 50 }, session, alice, 'ab-alice'],
    [{ event: 'configured', room: 7001, id: 11, display: 'Alice', muted: true, quality: 6, spatial_position: 50 }, session, alice, 'ab-alice'],
    [{ event: 'unmute', room: 7001, id: 11 }, session, mod, 'ab-moderator'],
    [{ event: 'mute_room', room: 7001 }, session, mod, 'ab-moderator'],
    [{ event: 'left', room: 7001, id: 11, display: 'Alice' }, session, alice, 'ab-alice'],
    [{ event: 'joined', room: 7002, id: 12, display: 'Alice', muted: false }, session, alice, 'ab-alice'],
    [{ event: 'left', room: 7002, id: 12, display: 'Alice' }, session, alice, 'ab-alice'],
    [{ event: 'destroyed', room: 7001 }, session, mod, 'ab-moderator'],
    [{ event: 'destroyed', room: 7002 }, undefined, undefined, undefined],
  ]);

  // The TextRoom's: join and leave in the participant's handle, kicked in the kicker's, the room's in the asker's.
  const tr = of('janus.plugin.textroom').map((e) => [data(e), e.handle_id]);
  assert.deepEqual(tr, [
    [{ event: 'created', room: 8001 }, a.handle],
    [{ event: 'join', room: 8001, username: 'alice', display: 'Alice' }, a.handle],
    [{ event: 'join', room: 8001, username: 'bob' }, b.handle],
    [{ event: 'leave', room: 8001, username: 'bob' }, b.handle],
    [{ event: 'join', room: 8001, username: 'bob' }, b.handle],
    [{ textroom: 'kicked', room: 8001, username: 'bob' }, a.handle],
    [{ event: 'destroyed', room: 8001 }, a.handle],
  ]);
  assert.ok(
    of('janus.plugin.textroom').every((e) => e.session_id === a.session || e.session_id === b.session),
    'in the sessions of the handles',
  );
  assert.ok(receiver.events().every((e) => e.emitter === 'Portunus'));
});

// What the TextRoom tells event handlers (Janus's notify_event), on fake handles: rooms created, edited and
// destroyed (the asking handle, none over the Admin API), join and leave (the participant's handle), kicked (the
// kicker's, under `textroom`); nothing with events = false or while no handler listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import { TextRoomPlugin } from '../../../../src/plugins/textroom/textroom.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

function started(config: JsonObject = {}, enabled = true): { plugin: TextRoomPlugin; events: FakePluginEvents; attach: (id: number) => FakePluginHandle } {
  const events = new FakePluginEvents(enabled);
  const plugin = new TextRoomPlugin();
  plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: '/tmp', relayGroup: () => ({ setMembers() {}, relay() {}, close() {} }), events });
  const attach = (id: number): FakePluginHandle => {
    const h = new FakePluginHandle({ id });
    plugin.createSession(h);
    return h;
  };
  return { plugin, events, attach };
}

let transactions = 0;
function say(plugin: TextRoomPlugin, h: FakePluginHandle, body: JsonObject): void {
  plugin.incomingData(h, 'JanusDataChannel', JSON.stringify({ ...body, transaction: `t${++transactions}` }));
}

test("a room's life and its participants as Janus's TextRoom tells event handlers", async () => {
  const { plugin, events, attach } = started();
  const a = attach(1);
  const b = attach(2);
  say(plugin, a, { textroom: 'create', room: 42, secret: 's' });
  await plugin.handleAdminMessage({ request: 'create', room: 43 });
  await sendMessage(plugin, a, { request: 'edit', room: 42, secret: 's', new_description: 'Forty-two' });
  say(plugin, a, { textroom: 'join', room: 42, username: 'alice', display: 'Alice' });
  say(plugin, b, { textroom: 'join', room: 42, username: 'bob' });
  say(plugin, b, { textroom: 'join', room: 43, username: 'bob' });
  say(plugin, a, { textroom: 'message', room: 42, text: 'hi' });
  say(plugin, b, { textroom: 'leave', room: 43 });
  await sendMessage(plugin, a, { request: 'kick', room: 42, secret: 's', username: 'bob' });
  plugin.hangupMedia(a);
  say(plugin, b, { textroom: 'destroy', room: 42, secret: 's' });
  await plugin.handleAdminMessage({ request: 'destroy', room: 43 });

  assert.deepEqual(
    events.told.map((t) => [t.data, t.handle]),
    [
      [{ event: 'created', room: 42 }, 1],
      [{ event: 'created', room: 43 }, undefined],
      [{ event: 'edited', room: 42 }, 1],
      [{ event: 'join', room: 42, username: 'alice', display: 'Alice' }, 1],
      [{ event: 'join', room: 42, username: 'bob' }, 2],
      [{ event: 'join', room: 43, username: 'bob' }, 2],
      [{ event: 'leave', room: 43, username: 'bob' }, 2],
      [{ textroom: 'kicked', room: 42, username: 'bob' }, 1],
      [{ event: 'leave', room: 42, username: 'alice' }, 1],
      [{ event: 'destroyed', room: 42 }, 2],
      [{ event: 'destroyed', room: 43 }, undefined],
    ],
  );
  for (const t of events.told) assert.deepEqual(pluginDataProblems('janus.plugin.textroom', t.data), [], JSON.stringify(t.data));
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: 'false' } }, true],
    [{}, false],
  ] as const) {
    const { plugin, events, attach } = started(config, enabled);
    const a = attach(1);
    say(plugin, a, { textroom: 'create', room: 5 });
    say(plugin, a, { textroom: 'join', room: 5, username: 'u' });
    say(plugin, a, { textroom: 'leave', room: 5 });
    say(plugin, a, { textroom: 'destroy', room: 5 });
    assert.deepEqual(events.told, []);
    assert.ok(a.data.length > 0, 'the requests were answered');
  }
});

// What the Streaming plugin tells event handlers (Janus's notify_event), on fake handles: mountpoints created,
// edited, emptied and destroyed (the asking handle, none over the Admin API), a viewer's statuses (its handle);
// nothing with events = false or while no handler listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import { StreamingPlugin } from '../../../../src/plugins/streaming/streaming.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

const mountpoint = (id: number): JsonObject => ({ request: 'create', type: 'rtp', id, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function started(config: JsonObject = {}, enabled = true): Promise<{ plugin: StreamingPlugin; events: FakePluginEvents; handle: FakePluginHandle }> {
  const events = new FakePluginEvents(enabled);
  const plugin = new StreamingPlugin();
  await plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: '', relayGroup: () => new PlainRelayGroup(), events });
  const handle = new FakePluginHandle({ id: 7 });
  plugin.createSession(handle);
  return { plugin, events, handle };
}

test("mountpoints and a viewer as Janus's Streaming plugin tells event handlers", async () => {
  const { plugin, events, handle } = await started();
  try {
    await sendMessage(plugin, handle, mountpoint(5));
    await plugin.handleAdminMessage(mountpoint(6));
    await sendMessage(plugin, handle, { request: 'edit', id: 5, new_description: 'Five' });
    await sendMessage(plugin, handle, { request: 'watch', id: 5 });
    await sendMessage(plugin, handle, { request: 'start' }, { type: 'answer', sdp: 'v=0\r\n' });
    plugin.setupMedia(handle);
    await tick();
    await sendMessage(plugin, handle, { request: 'pause' });
    await sendMessage(plugin, handle, { request: 'start' });
    await sendMessage(plugin, handle, { request: 'switch', id: 6 });
    await sendMessage(plugin, handle, { request: 'stop' });
    await sendMessage(plugin, handle, { request: 'stop' }); // idle now: nothing
    await sendMessage(plugin, handle, { request: 'kick_all', id: 5 });
    await plugin.handleAdminMessage({ request: 'destroy', id: 6 });
    await sendMessage(plugin, handle, { request: 'destroy', id: 5 });
    assert.deepEqual(
      events.told.map((t) => [t.data, t.handle]),
      [
        [{ event: 'created', id: 5, type: 'live' }, 7],
        [{ event: 'created', id: 6, type: 'live' }, undefined],
        [{ event: 'edited', id: 5 }, 7],
        [{ status: 'starting', id: 5 }, 7],
        [{ status: 'started', id: 5 }, 7],
        [{ status: 'pausing', id: 5 }, 7],
        [{ status: 'started', id: 5 }, 7],
        [{ status: 'switching', id: 6 }, 7],
        [{ status: 'stopping', id: 6 }, 7],
        [{ event: 'kicked_all', id: 5 }, 7],
        [{ event: 'destroyed', id: 6 }, undefined],
        [{ event: 'destroyed', id: 5 }, 7],
      ],
    );
    for (const t of events.told) assert.deepEqual(pluginDataProblems('janus.plugin.streaming', t.data), [], JSON.stringify(t.data));
  } finally {
    await plugin.destroy();
  }
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: false } }, true],
    [{}, false],
  ] as const) {
    const { plugin, events, handle } = await started(config, enabled);
    try {
      await sendMessage(plugin, handle, mountpoint(5));
      await sendMessage(plugin, handle, { request: 'watch', id: 5 });
      await sendMessage(plugin, handle, { request: 'start' });
      await sendMessage(plugin, handle, { request: 'destroy', id: 5 });
      assert.deepEqual(events.told, []);
    } finally {
      await plugin.destroy();
    }
  }
});

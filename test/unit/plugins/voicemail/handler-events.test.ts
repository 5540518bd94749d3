// What the VoiceMail tells event handlers (Janus's notify_event), on fake handles: `starting` on record, `done`
// on stop or after ten seconds of media; nothing with events = false or while no handler listens.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import { MAX_MESSAGE_MS, VoiceMailPlugin } from '../../../../src/plugins/voicemail/voicemail.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { rtpPacket } from '../../../../support/rtp-packets.js';
import { waitFor } from '../../../../support/wait.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' } as const;

function started(config: JsonObject = {}, enabled = true): { plugin: VoiceMailPlugin; events: FakePluginEvents; clock: { now: number }; attach: (id: number) => FakePluginHandle; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-vm-events-'));
  const clock = { now: 1000 };
  const events = new FakePluginEvents(enabled);
  const plugin = new VoiceMailPlugin(() => clock.now);
  plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: dir, relayGroup: () => new PlainRelayGroup(), events });
  const attach = (id: number): FakePluginHandle => {
    const h = new FakePluginHandle({ id });
    plugin.createSession(h);
    return h;
  };
  return { plugin, events, clock, attach, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("a message stopped, and one that ran its ten seconds, as Janus's VoiceMail tells event handlers", async () => {
  const { plugin, events, clock, attach, done } = started();
  try {
    const a = attach(1);
    await sendMessage(plugin, a, { request: 'record' }, OFFER);
    await sendMessage(plugin, a, { request: 'stop' });
    const b = attach(2);
    await sendMessage(plugin, b, { request: 'record' }, OFFER);
    plugin.setupMedia(b);
    clock.now += MAX_MESSAGE_MS;
    plugin.incomingRtp(b, { mid: '0', kind: 'audio', codec: 'opus' }, rtpPacket({ payload: 'abc' }));
    await waitFor(() => events.told.length === 4, { timeout: 2000, what: 'the second done' });
    assert.deepEqual(
      events.told.map((t) => [t.data, t.handle]),
      [
        [{ event: 'starting' }, 1],
        [{ event: 'done' }, 1],
        [{ event: 'starting' }, 2],
        [{ event: 'done' }, 2],
      ],
    );
    for (const t of events.told) assert.deepEqual(pluginDataProblems('janus.plugin.voicemail', t.data), [], JSON.stringify(t.data));
  } finally {
    plugin.destroy();
    done();
  }
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: 'no' } }, true],
    [{}, false],
  ] as const) {
    const { plugin, events, attach, done } = started(config, enabled);
    try {
      const h = attach(1);
      await sendMessage(plugin, h, { request: 'record' }, OFFER);
      await sendMessage(plugin, h, { request: 'stop' });
      assert.deepEqual(events.told, []);
    } finally {
      plugin.destroy();
      done();
    }
  }
});

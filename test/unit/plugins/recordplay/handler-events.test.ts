// What the Record&Play tells event handlers (Janus's notify_event), on fake handles: a recording (what it
// records), paused, resumed, stopped; a playout (what it plays), playing, stopped; nothing with events = false or
// while no handler listens.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { RecordPlayPlugin } from '../../../../src/plugins/recordplay/recordplay.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { rtpPacket } from '../../../../support/rtp-packets.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER: Jsep = { type: 'answer', sdp: 'v=0\r\n' };

async function started(config: JsonObject = {}, enabled = true): Promise<{ plugin: RecordPlayPlugin; events: FakePluginEvents; dir: string; attach: (id: number) => FakePluginHandle }> {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-rp-events-'));
  const events = new FakePluginEvents(enabled);
  const plugin = new RecordPlayPlugin();
  await plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: dir, relayGroup: () => new PlainRelayGroup(), events });
  const attach = (id: number): FakePluginHandle => {
    const h = new FakePluginHandle({ id });
    plugin.createSession(h);
    return h;
  };
  return { plugin, events, dir, attach };
}

test("a recording and its playout as Janus's Record&Play tells event handlers", async () => {
  const { plugin, events, dir, attach } = await started();
  try {
    const rec = attach(1);
    rec.media = [{ mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } }];
    await sendMessage(plugin, rec, { request: 'record', name: 'A talk', id: 77 }, OFFER);
    for (let i = 0; i < 5; i++) plugin.incomingRtp(rec, { mid: '0', kind: 'audio', codec: 'opus' }, rtpPacket({ sequenceNumber: i, timestamp: i * 960, payload: 'abc' }));
    await sendMessage(plugin, rec, { request: 'pause' });
    await sendMessage(plugin, rec, { request: 'resume' });
    await sendMessage(plugin, rec, { request: 'stop' });
    const player = attach(2);
    await sendMessage(plugin, player, { request: 'play', id: 77 });
    await sendMessage(plugin, player, { request: 'start' }, ANSWER);
    await sendMessage(plugin, player, { request: 'stop' });
    assert.deepEqual(
      events.told.map((t) => [t.data, t.handle]),
      [
        [{ event: 'recording', id: 77, audio: true, video: false, data: false }, 1],
        [{ event: 'paused', id: 77 }, 1],
        [{ event: 'resumed', id: 77 }, 1],
        [{ event: 'stopped', id: 77 }, 1],
        [{ event: 'playout', id: 77, audio: true, video: false, data: false }, 2],
        [{ event: 'playing', id: 77 }, 2],
        [{ event: 'stopped', id: 77 }, 2],
      ],
    );
    for (const t of events.told) assert.deepEqual(pluginDataProblems('janus.plugin.recordplay', t.data), [], JSON.stringify(t.data));
  } finally {
    plugin.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: false } }, true],
    [{}, false],
  ] as const) {
    const { plugin, events, dir, attach } = await started(config, enabled);
    try {
      const h = attach(1);
      h.media = [{ mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } }];
      await sendMessage(plugin, h, { request: 'record', name: 'x', id: 5 }, OFFER);
      await sendMessage(plugin, h, { request: 'stop' });
      assert.deepEqual(events.told, []);
    } finally {
      plugin.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

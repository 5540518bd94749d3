// What the VideoCall tells event handlers (Janus's notify_event), on fake handles: registered, calling,
// accepted, configured, and hangup with Janus's reasons for each side; nothing with events = false or while no
// handler listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { VideoCallPlugin } from '../../../../src/plugins/videocall/videocall.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER: Jsep = { type: 'answer', sdp: 'v=0\r\n' };

function started(config: JsonObject = {}, enabled = true): { plugin: VideoCallPlugin; events: FakePluginEvents; users: FakePluginHandle[] } {
  const events = new FakePluginEvents(enabled);
  const plugin = new VideoCallPlugin();
  plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: 'recordings', relayGroup: () => new PlainRelayGroup(), events });
  const users = [1, 2, 3].map((id) => {
    const h = new FakePluginHandle({ id });
    h.media = [
      { mid: '0', kind: 'audio', codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
      { mid: '1', kind: 'video', codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
    ];
    plugin.createSession(h);
    return h;
  });
  return { plugin, events, users };
}

test("a call's life as Janus's VideoCall tells event handlers, each in its user's handle", async () => {
  const { plugin, events, users } = started();
  const [alice, bob, carol] = users;
  await sendMessage(plugin, alice, { request: 'register', username: 'alice' });
  await sendMessage(plugin, bob, { request: 'register', username: 'bob' });
  await sendMessage(plugin, carol, { request: 'register', username: 'carol' });
  const call = async (): Promise<void> => {
    await sendMessage(plugin, alice, { request: 'call', username: 'bob' }, OFFER);
    await sendMessage(plugin, bob, { request: 'accept' }, ANSWER);
  };
  await call();
  await sendMessage(plugin, carol, { request: 'call', username: 'bob' }, OFFER);
  await sendMessage(plugin, alice, { request: 'set', audio: false, bitrate: 128000 });
  await sendMessage(plugin, bob, { request: 'hangup', reason: 'Gotta go' });
  await call();
  plugin.hangupMedia(alice);
  await call();
  plugin.destroySession(bob);

  assert.deepEqual(
    events.told.map((t) => [t.data, t.handle]),
    [
      [{ event: 'registered', username: 'alice' }, 1],
      [{ event: 'registered', username: 'bob' }, 2],
      [{ event: 'registered', username: 'carol' }, 3],
      [{ event: 'calling' }, 1],
      [{ event: 'accepted' }, 2],
      [{ event: 'hangup', reason: 'User busy' }, 3],
      [{ event: 'configured', audio_active: false, video_active: true, bitrate: 128000 }, 1],
      [{ event: 'hangup', reason: 'Explicit hangup' }, 2],
      [{ event: 'hangup', reason: 'Remote hangup' }, 1],
      [{ event: 'calling' }, 1],
      [{ event: 'accepted' }, 2],
      [{ event: 'hangup', reason: 'Remote WebRTC hangup' }, 2],
      [{ event: 'calling' }, 1],
      [{ event: 'accepted' }, 2],
      [{ event: 'hangup', reason: 'Remote WebRTC hangup' }, 1],
    ],
  );
  for (const t of events.told) assert.deepEqual(pluginDataProblems('janus.plugin.videocall', t.data), [], JSON.stringify(t.data));
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: false } }, true],
    [{}, false],
  ] as const) {
    const { plugin, events, users } = started(config, enabled);
    await sendMessage(plugin, users[0], { request: 'register', username: 'alice' });
    await sendMessage(plugin, users[1], { request: 'register', username: 'bob' });
    await sendMessage(plugin, users[0], { request: 'call', username: 'bob' }, OFFER);
    await sendMessage(plugin, users[0], { request: 'hangup' });
    assert.deepEqual(events.told, []);
  }
});

// What the VideoRoom tells event handlers (Janus's notify_event), on fake handles: a room's life, a publisher's,
// a subscriber's; nothing when the plugin's `events` setting is off or no handler takes plugin events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep, NegotiatedMedia } from '../../../../src/plugin-api/media-types.js';
import type { PluginHandle } from '../../../../src/plugin-api/plugin.js';
import { VideoRoomPlugin } from '../../../../src/plugins/videoroom/videoroom.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER: Jsep = { type: 'answer', sdp: 'v=0\r\n' };
const MEDIA: NegotiatedMedia[] = [
  { mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
  { mid: '1', kind: 'video', index: 1, codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
];

interface Told {
  readonly data: JsonObject;
  readonly handle?: number;
}

async function started(config: JsonObject = {}, enabled = true): Promise<{ plugin: VideoRoomPlugin; told: Told[]; attach: (id: number) => FakePluginHandle }> {
  const told: Told[] = [];
  const plugin = new VideoRoomPlugin();
  await plugin.init({
    log: Logger.create({ level: 0 }),
    network: new FakeNetwork(),
    config,
    recordingsDir: 'recordings',
    relayGroup: () => new PlainRelayGroup(),
    events: { enabled, notify: (data: JsonObject, handle?: PluginHandle) => told.push({ data, handle: handle?.id }) },
  });
  const attach = (id: number): FakePluginHandle => {
    const h = new FakePluginHandle({ id });
    plugin.createSession(h);
    return h;
  };
  return { plugin, told, attach };
}

test("a room's, a publisher's and a subscriber's life as Janus's VideoRoom tells event handlers", async () => {
  const { plugin, told, attach } = await started();
  const admin = attach(1);
  await sendMessage(plugin, admin, { request: 'create', room: 42 });
  const pub = attach(2);
  pub.media = MEDIA;
  await sendMessage(plugin, pub, { request: 'joinandconfigure', ptype: 'publisher', room: 42, id: 7, display: 'Alice' }, OFFER);
  plugin.setupMedia(pub);
  await sendMessage(plugin, pub, { request: 'configure', bitrate: 128000 });
  const sub = attach(3);
  await sendMessage(plugin, sub, { request: 'join', ptype: 'subscriber', room: 42, streams: [{ feed: 7 }] });
  await sendMessage(plugin, sub, { request: 'start' }, ANSWER);
  plugin.setupMedia(sub);
  await sendMessage(plugin, pub, { request: 'leave' });
  await sendMessage(plugin, admin, { request: 'destroy', room: 42 });

  assert.deepEqual(
    told.map((t) => [t.data.event, t.handle]),
    [
      ['created', undefined],
      ['joined', 2],
      ['published', 2],
      ['configured', 2],
      ['subscribing', 3],
      ['subscribed', 3],
      ['leaving', undefined],
      ['destroyed', undefined],
    ],
  );
  const joined = told[1].data;
  assert.equal(joined.room, 42);
  assert.equal(joined.id, 7);
  assert.equal(joined.display, 'Alice');
  assert.equal(typeof joined.private_id, 'number');
  assert.deepEqual(told[2].data.streams, [
    { type: 'audio', mindex: 0, mid: '0', codec: 'opus' },
    { type: 'video', mindex: 1, mid: '1', codec: 'vp8' },
  ]);
  assert.deepEqual(told[3].data, { event: 'configured', room: 42, id: 7, bitrate: 128000 });
  assert.ok(Array.isArray(told[4].data.streams));
  assert.deepEqual(told[6].data, { event: 'leaving', room: 42, id: 7, display: 'Alice' });
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: false } }, true],
    [{}, false],
  ] as const) {
    const { plugin, told, attach } = await started(config, enabled);
    const h = attach(1);
    await sendMessage(plugin, h, { request: 'create', room: 5 });
    await sendMessage(plugin, h, { request: 'destroy', room: 5 });
    assert.deepEqual(told, []);
  }
});

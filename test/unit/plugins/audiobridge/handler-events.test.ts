// What the AudioBridge tells event handlers (Janus's notify_event), on fake handles: rooms, participants
// joining, configuring, moderated, changing room, leaving and kicked, talking, announcements, the room's
// recording; each in the handle Janus puts it in; nothing with events = false or while no handler listens.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OggOpusWriter } from '../../../../src/audio/ogg-opus-writer.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { AudioBridgePlugin } from '../../../../src/plugins/audiobridge/audiobridge.js';
import { EXT_AUDIO_LEVEL } from '../../../../src/rtp/header-extensions.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { oneByteExtensions, rtpPacket } from '../../../../support/rtp-packets.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };

interface Bridge {
  readonly plugin: AudioBridgePlugin;
  readonly events: FakePluginEvents;
  readonly dir: string;
  attach(id: number): FakePluginHandle;
  stop(): Promise<void>;
}

function started(config: JsonObject = {}, enabled = true): Bridge {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-ab-events-'));
  const events = new FakePluginEvents(enabled);
  const plugin = new AudioBridgePlugin();
  plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: dir, relayGroup: () => new PlainRelayGroup(), events });
  return {
    plugin,
    events,
    dir,
    attach: (id) => {
      const h = new FakePluginHandle({ id });
      plugin.createSession(h);
      return h;
    },
    stop: async () => {
      await plugin.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("rooms and a participant as Janus tells them: in the asking handle, the participant's, or none", async () => {
  const b = started();
  try {
    const mod = b.attach(1);
    const alice = b.attach(2);
    await sendMessage(b.plugin, mod, { request: 'create', room: 5, spatial_audio: true });
    await b.plugin.handleAdminMessage({ request: 'create', room: 6 });
    await sendMessage(b.plugin, mod, { request: 'edit', room: 5, new_description: 'Five' });
    await sendMessage(b.plugin, alice, { request: 'join', room: 5, id: 7, display: 'Alice', spatial_position: 20 });
    await sendMessage(b.plugin, alice, { request: 'configure', muted: true, bitrate: 32000, quality: 8 });
    await sendMessage(b.plugin, mod, { request: 'mute', room: 5, id: 7 }); // already muted: nothing
    await sendMessage(b.plugin, mod, { request: 'unmute', room: 5, id: 7 });
    await sendMessage(b.plugin, mod, { request: 'mute_room', room: 5 });
    await sendMessage(b.plugin, mod, { request: 'mute_room', room: 5 }); // already: nothing
    await sendMessage(b.plugin, mod, { request: 'suspend', room: 5, id: 7 });
    await sendMessage(b.plugin, mod, { request: 'resume', room: 5, id: 7 });
    await sendMessage(b.plugin, alice, { request: 'changeroom', room: 6, id: 8, display: 'Alice' });
    await sendMessage(b.plugin, alice, { request: 'leave' });
    await sendMessage(b.plugin, mod, { request: 'destroy', room: 5 });

    assert.deepEqual(b.events.names(), [
      ['created', 1],
      ['created', undefined],
      ['edited', 1],
      ['joined', 2],
      ['configured', 2],
      ['unmute', 1],
      ['mute_room', 1],
      ['suspended', 1],
      ['resumed', 1],
      ['left', 2],
      ['joined', 2],
      ['left', 2],
      ['destroyed', 1],
    ]);
    const data = b.events.told.map((t) => t.data);
    assert.deepEqual(data[0], { event: 'created', room: 5 });
    assert.deepEqual(data[3], { event: 'joined', room: 5, id: 7, display: 'Alice', setup: false, muted: false, spatial_position: 20 });
    assert.deepEqual(data[4], { event: 'configured', room: 5, id: 7, display: 'Alice', muted: true, bitrate: 32000, quality: 8, spatial_position: 20 });
    assert.deepEqual(data[5], { event: 'unmute', room: 5, id: 7 });
    assert.deepEqual(data[6], { event: 'mute_room', room: 5 });
    assert.deepEqual(data[7], { event: 'suspended', room: 5, id: 7 });
    assert.deepEqual(data[9], { event: 'left', room: 5, id: 7, display: 'Alice' });
    assert.deepEqual(data[10], { event: 'joined', room: 6, id: 8, display: 'Alice', muted: false }, 'a changeroom joins without setup');
    assert.deepEqual(data[11], { event: 'left', room: 6, id: 8, display: 'Alice' });
    for (const t of b.events.told) assert.deepEqual(pluginDataProblems('janus.plugin.audiobridge', t.data), [], JSON.stringify(t.data));
  } finally {
    await b.stop();
  }
});

test("a kick, a hang-up and a detach: kicked in the moderator's handle, left in none once a PeerConnection goes", async () => {
  const b = started();
  try {
    const mod = b.attach(1);
    await sendMessage(b.plugin, mod, { request: 'create', room: 5 });
    const bob = b.attach(2);
    await sendMessage(b.plugin, bob, { request: 'join', room: 5, id: 1 }); // no PeerConnection: no hang-up follows the kick
    await sendMessage(b.plugin, mod, { request: 'kick', room: 5, id: 1 });
    const carol = b.attach(3);
    await sendMessage(b.plugin, carol, { request: 'join', room: 5, id: 2 }, OFFER);
    await sendMessage(b.plugin, mod, { request: 'kick', room: 5, id: 2 });
    const dave = b.attach(4);
    const erin = b.attach(5);
    await sendMessage(b.plugin, dave, { request: 'join', room: 5, id: 3 }, OFFER);
    await sendMessage(b.plugin, erin, { request: 'join', room: 5, id: 4 });
    await sendMessage(b.plugin, mod, { request: 'kick_all', room: 5 });
    await sendMessage(b.plugin, dave, { request: 'join', room: 5, id: 5 });
    b.plugin.hangupMedia(dave);
    await sendMessage(b.plugin, erin, { request: 'join', room: 5, id: 6 });
    b.plugin.destroySession(erin);
    const tail = b.events.told.filter((t) => t.data.event !== 'joined' && t.data.event !== 'created').map((t) => [t.data, t.handle]);
    assert.deepEqual(tail, [
      [{ event: 'kicked', room: 5, id: 1 }, 1],
      [{ event: 'kicked', room: 5, id: 2 }, 1],
      [{ event: 'left', room: 5, id: 2 }, undefined],
      [{ event: 'kicked_all', room: 5, id: 3 }, 1],
      [{ event: 'left', room: 5, id: 3 }, undefined],
      [{ event: 'kicked_all', room: 5, id: 4 }, 1],
      [{ event: 'left', room: 5, id: 5 }, undefined],
      [{ event: 'left', room: 5, id: 6 }, undefined],
    ]);
    for (const t of b.events.told) assert.deepEqual(pluginDataProblems('janus.plugin.audiobridge', t.data), [], JSON.stringify(t.data));
  } finally {
    await b.stop();
  }
});

test("talking and stopped-talking in the talker's handle (audiolevel_event rooms), under the `audiobridge` key", async () => {
  const b = started();
  try {
    const h = b.attach(1);
    h.media = [{ mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 }, extensions: [{ id: 1, uri: EXT_AUDIO_LEVEL }] }];
    await sendMessage(b.plugin, h, { request: 'create', room: 9, audiolevel_event: true, audio_active_packets: 5, audio_level_average: 25 });
    await sendMessage(b.plugin, h, { request: 'join', room: 9, id: 3 }, OFFER);
    b.plugin.setupMedia(h);
    const send = (seq: number, level: number): void =>
      b.plugin.incomingRtp(
        h,
        { mid: '0', kind: 'audio', codec: 'opus' },
        rtpPacket({ sequenceNumber: seq, extension: oneByteExtensions([{ id: 1, data: Buffer.from([level]) }]), payload: Buffer.from([0xf8, 0xff, 0xfe]) }),
      );
    for (let i = 0; i < 5; i++) send(i, 10);
    for (let i = 5; i < 10; i++) send(i, 100);
    assert.deepEqual(
      b.events.told.filter((t) => t.data.audiobridge !== undefined).map((t) => [t.data, t.handle]),
      [
        [{ audiobridge: 'talking', room: 9, id: 3 }, 1],
        [{ audiobridge: 'stopped-talking', room: 9, id: 3 }, 1],
      ],
    );
    for (const t of b.events.told) assert.deepEqual(pluginDataProblems('janus.plugin.audiobridge', t.data), [], JSON.stringify(t.data));
  } finally {
    await b.stop();
  }
});

test('announcements started and stopped, and a recording done with its final path: in no handle', async () => {
  const b = started({ record_tmp_ext: 'part' });
  try {
    const file = new OggOpusWriter(join(b.dir, 'hello.opus'));
    for (let i = 0; i < 5; i++) file.write(Buffer.from([0xf8, 0xff, 0xfe]), BigInt(960 * (i + 1)));
    file.close();
    const h = b.attach(1);
    await sendMessage(b.plugin, h, { request: 'create', room: 4, record: true, record_file: 'room4.wav' });
    assert.equal((await sendMessage(b.plugin, h, { request: 'play_file', room: 4, filename: 'hello.opus', file_id: 'f1' })).data.audiobridge, 'success');
    await sendMessage(b.plugin, h, { request: 'stop_file', room: 4, file_id: 'f1' });
    await sendMessage(b.plugin, h, { request: 'enable_recording', room: 4, record: false });
    const told = b.events.told.filter((t) => t.data.event !== 'created');
    assert.deepEqual(told, [
      { data: { event: 'announcement-started', room: 4, file_id: 'f1' } },
      { data: { event: 'announcement-stopped', room: 4, file_id: 'f1' } },
      { data: { event: 'recordingdone', room: 4, record_file: join(b.dir, 'room4.wav') } },
    ]);
    assert.ok(existsSync(join(b.dir, 'room4.wav')), 'renamed from its temporary extension');
    for (const t of b.events.told) assert.deepEqual(pluginDataProblems('janus.plugin.audiobridge', t.data), [], JSON.stringify(t.data));
  } finally {
    await b.stop();
  }
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ general: { events: false } }, true],
    [{ events: 'no' }, true],
    [{}, false],
  ] as const) {
    const b = started(config, enabled);
    try {
      const h = b.attach(1);
      await sendMessage(b.plugin, h, { request: 'create', room: 5 });
      await sendMessage(b.plugin, h, { request: 'join', room: 5, id: 1 });
      await sendMessage(b.plugin, h, { request: 'leave' });
      await sendMessage(b.plugin, h, { request: 'destroy', room: 5 });
      assert.deepEqual(b.events.told, []);
    } finally {
      await b.stop();
    }
  }
});

// An AudioBridge room's settings as Janus's configuration writes them (values may be text) and as create sends
// them: defaults, the checks with Janus's codes, the static forwarder keys, and what a permanent room saves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginError } from '../../../../src/plugin-api/plugin-error.js';
import { roomSettings, settingsToGroup } from '../../../../src/plugins/audiobridge/room-settings.js';

test("Janus's sample room and the defaults", () => {
  const s = roomSettings({ description: 'Demo Room', secret: 'adminpwd', sampling_rate: '16000', record: 'false' }, 1234);
  assert.equal(s.rate, 16000);
  assert.equal(s.secret, 'adminpwd');
  assert.equal(s.record, false);
  assert.equal(s.audiolevelExt, true);
  assert.equal(s.audioActivePackets, 100);
  assert.equal(s.audioLevelAverage, 25);
  assert.equal(s.defaultPrebuffering, 6);
  assert.equal(roomSettings({}, 7).description, 'Room 7');
  assert.equal(roomSettings({ sampling: 48000 }, 7).rate, 48000, 'the old key');
});

test('bad values get 484', () => {
  for (const bad of [
    { sampling_rate: 44100 },
    { default_expectedloss: 21 },
    { default_prebuffering: 51 },
    { groups: ['a', 'a'] },
    { groups: ['a', 'b', 'c', 'd', 'e', 'f'] },
    { groups: [1] },
    { audio_active_packets: -1 },
  ]) {
    assert.throws(
      () => roomSettings(bad, 1),
      (err: unknown) => err instanceof PluginError && err.code === 484,
      JSON.stringify(bad),
    );
  }
});

test('the static forwarder keys of a configured room, and what a permanent room saves', () => {
  const s = roomSettings({ rtp_forward_host: '127.0.0.1', rtp_forward_port: '5000', rtp_forward_codec: 'pcma', rtp_forward_always_on: 'yes', groups: 'a, b' }, 5);
  assert.deepEqual(s.groups, ['a', 'b']);
  assert.equal(s.forwarder?.port, 5000);
  assert.equal(s.forwarder?.codec, 'pcma');
  assert.equal(s.forwarder?.alwaysOn, true);
  const saved = settingsToGroup(roomSettings({ description: 'x', pin: 'p', spatial_audio: true, sampling_rate: 24000, groups: ['g'] }, 5));
  assert.deepEqual(saved, { description: 'x', sampling_rate: 24000, pin: 'p', spatial_audio: true, groups: ['g'] });
  assert.deepEqual(roomSettings(saved, 5).groups, ['g']);
});

test('a number setting given an object or array is refused with 484, never converted (found by the fuzz test)', () => {
  const hostile = [{ toString: 0 }];
  for (const key of ['sampling_rate', 'default_bitrate', 'default_prebuffering']) {
    assert.throws(
      () => roomSettings({ [key]: hostile }, 1),
      (err: unknown) => err instanceof PluginError && err.code === 484,
    );
  }
});

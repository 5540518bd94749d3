// Room settings: defaults, the values `create` and a configuration group may give, refusals with the VideoRoom's
// codes, garbage that never throws anything but a VideoRoomError, and (fast-check) the ranges and bounds of what a
// room keeps.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { RANGES } from '../../../src/plugins/videoroom/limits.js';
import { VideoRoomError } from '../../../src/plugins/videoroom/errors.js';
import { describeRoom, fromConfigGroup, parseRoomSettings, settingsToGroup } from '../../../src/plugins/videoroom/room-settings.js';

test("defaults are Janus's", () => {
  const s = parseRoomSettings({}, 42);
  assert.equal(s.description, 'Room 42');
  assert.equal(s.publishers, 3);
  assert.deepEqual([s.audioCodecs, s.videoCodecs], [['opus'], ['vp8']]);
  assert.equal(s.opusFec, true);
  assert.equal(s.audioActivePackets, 100);
  assert.equal(s.audioLevelAverage, 25);
  assert.equal(s.allowed, undefined);
});

test('create values, codec lists, the bitrate floor, and what list shows', () => {
  const s = parseRoomSettings({ description: 'r', publishers: 6, bitrate: 1000, audiocodec: 'opus,pcmu', videocodec: 'VP9, h264', is_private: true, pin: 'p', allowed: ['a'] }, 7);
  assert.equal(s.bitrate, 64000, 'values below 64 kbit/s are raised');
  assert.deepEqual(s.videoCodecs, ['vp9', 'h264']);
  assert.deepEqual([...(s.allowed ?? [])], ['a']);
  const listed = describeRoom(7, s, 2);
  assert.equal(listed.pin_required, true);
  assert.equal(listed.audiocodec, 'opus,pcmu');
  assert.equal(listed.num_participants, 2);
  assert.equal('pin' in listed, false, 'the pin itself is never listed');
  // What is saved for a permanent room reads back the same.
  assert.deepEqual(parseRoomSettings(fromConfigGroup(settingsToGroup(s)), 7), s);
});

test('configuration text becomes booleans and numbers', () => {
  const s = parseRoomSettings(fromConfigGroup({ publishers: '6', bitrate: '128000', fir_freq: '10', record: 'false', notify_joining: 'true' }), 1234);
  assert.deepEqual([s.publishers, s.bitrate, s.firFreq, s.record, s.notifyJoining], [6, 128000, 10, false, true]);
});

test('refusals carry 430 (wrong type, unknown codec, too many codecs)', () => {
  const code = (body: Record<string, unknown>): number => {
    try {
      parseRoomSettings(body, 1);
      return 0;
    } catch (err) {
      assert.ok(err instanceof VideoRoomError);
      return err.code;
    }
  };
  assert.equal(code({ publishers: 'six' }), 430);
  assert.equal(code({ videocodec: 'theora' }), 430);
  assert.equal(code({ audiocodec: 'opus,pcmu,pcma,g722,isac16,isac32' }), 430);
  assert.equal(code({ allowed: ['a', 1] }), 430);
});

test('garbage never throws anything but a VideoRoomError', () => {
  const keys = ['description', 'publishers', 'bitrate', 'audiocodec', 'videocodec', 'allowed', 'is_private', 'fir_freq'];
  const values = (): unknown => {
    const r = randomBytes(2);
    switch (r[0] % 7) {
      case 0:
        return r[1];
      case 1:
        return -r[1];
      case 2:
        return r.toString('hex');
      case 3:
        return [r[1], 'x'];
      case 4:
        return null;
      case 5:
        return { a: 1 };
      default:
        return r[1] % 2 === 0;
    }
  };
  for (let i = 0; i < 2000; i++) {
    const body: Record<string, unknown> = {};
    for (const k of keys) if (randomBytes(1)[0] % 2) body[k] = values();
    try {
      parseRoomSettings(fromConfigGroup(body), i);
    } catch (err) {
      assert.ok(err instanceof VideoRoomError, String(err));
    }
  }
});

test("property: a room's numbers are accepted only within Janus's ranges, and what is accepted stays in range", () => {
  const fields = ['publishers', 'bitrate', 'fir_freq', 'audio_active_packets', 'audio_level_average', 'threads'] as const;
  fc.assert(
    fc.property(fc.constantFrom(...fields), fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.maxSafeNat(), fc.constantFrom(127, 128, 500, 65535, 65536)), (field, value) => {
      const range = RANGES[field];
      let accepted = true;
      try {
        parseRoomSettings({ [field]: value, audiolevel_event: true }, 1);
      } catch (err) {
        assert.ok(err instanceof VideoRoomError);
        assert.equal(err.code, 430);
        accepted = false;
      }
      assert.equal(accepted, value >= range.min && value <= range.max, `${field} = ${value}`);
    }),
    { numRuns: 2000 },
  );
});

test('property: stored text and lists are bounded whatever their shape (430, never another exception)', () => {
  const keys = ['description', 'secret', 'pin', 'rec_dir', 'allowed'] as const;
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.integer({ min: 0, max: 80_000 }), (key, size) => {
      const value = key === 'allowed' ? Array.from({ length: Math.floor(size / 4) }, (_, i) => `t${i}`) : 'x'.repeat(size);
      const fits = key === 'allowed' ? Math.floor(size / 4) < 10_000 : size <= 65_536;
      try {
        parseRoomSettings({ [key]: value }, 1);
        assert.ok(fits, `${key} of size ${size} accepted`);
      } catch (err) {
        assert.ok(err instanceof VideoRoomError && err.code === 430, String(err));
        assert.ok(!fits, `${key} of size ${size} refused`);
      }
    }),
    { numRuns: 300 },
  );
});

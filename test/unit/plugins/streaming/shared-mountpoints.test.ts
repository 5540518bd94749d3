// The Streaming plugin's shared records (docs/cluster.md): a mountpoint written as a record and read back the
// same, keys for both kinds of id, and records from other nodes read as untrusted input (a bad one dropped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/plugin-api/index.js';
import { findCodec } from '../../../../src/plugins/streaming/codecs.js';
import { Mountpoint } from '../../../../src/plugins/streaming/mountpoint.js';
import { mountpointSettings } from '../../../../src/plugins/streaming/mountpoint-settings.js';
import { applySettings, keyMountpoint, mountpointKey, mountpointRecord, readMountpointRecord } from '../../../../src/plugins/streaming/shared-mountpoints.js';
import { StreamSource } from '../../../../src/plugins/streaming/stream-source.js';

function mountpoint(): Mountpoint {
  const mp = new Mountpoint(mountpointSettings({ name: 'cam', description: 'Camera', secret: 's', pin: 'p', metadata: 'm', is_private: true }, 9, false), () => new PlainRelayGroup());
  const nothing = (): void => undefined;
  mp.streams.push(new StreamSource({ type: 'audio', mid: 'a', label: 'audio', pt: 111, codec: findCodec('audio', 'opus'), datatype: 'text' }, undefined, undefined, nothing, nothing));
  const video = new StreamSource({ type: 'video', mid: 'v', label: 'video', pt: 96, codec: findCodec('video', 'vp8'), fmtp: 'max-fs=12288', datatype: 'text' }, undefined, undefined, nothing, nothing);
  video.peerSimulcast = true;
  mp.streams.push(video);
  mp.streams.push(new StreamSource({ type: 'data', mid: 'd', label: 'data', datatype: 'binary' }, undefined, undefined, nothing, nothing));
  return mp;
}

test('keys: numbers and strings never meet, and only well-formed keys name a mountpoint', () => {
  assert.equal(mountpointKey(12), 'n12');
  assert.equal(mountpointKey('12'), 's12');
  assert.equal(keyMountpoint('n12', false), 12);
  assert.equal(keyMountpoint('s12', true), '12');
  assert.equal(keyMountpoint('s12', false), undefined);
  assert.equal(keyMountpoint('n12', true), undefined);
  for (const bad of ['n', 'n0', 'n-1', 'n1.5', 'n99999999999999999', 'x12', '']) assert.equal(keyMountpoint(bad, false), undefined, bad);
});

test('a mountpoint written as a record is read back the same: settings, enabled, streams', () => {
  const mp = mountpoint();
  mp.enabled = false;
  const shared = readMountpointRecord(JSON.parse(JSON.stringify(mountpointRecord(mp, 'node-1', 'abc123'))) as JsonObject);
  assert.ok(shared);
  assert.equal(shared.node, 'node-1');
  assert.equal(shared.run, 'abc123');
  assert.equal(shared.enabled, false);
  assert.deepEqual(
    shared.streams.map((s) => [s.config.type, s.config.mid, s.config.pt, s.config.codec?.name, s.config.fmtp, s.config.datatype, s.simulcast]),
    [
      ['audio', 'a', 111, 'opus', undefined, 'text', false],
      ['video', 'v', 96, 'vp8', 'max-fs=12288', 'text', true],
      ['data', 'd', undefined, undefined, undefined, 'binary', false],
    ],
  );
  // A copy takes what `edit` may change.
  const copy = new Mountpoint(mountpointSettings({}, 9, false), () => new PlainRelayGroup());
  applySettings(copy, shared);
  assert.deepEqual(
    [copy.settings.name, copy.settings.description, copy.settings.secret, copy.settings.pin, copy.settings.metadata, copy.settings.isPrivate, copy.enabled],
    ['cam', 'Camera', 's', 'p', 'm', true, false],
  );
});

test('a record from another node is untrusted: anything malformed is dropped whole', () => {
  const good = mountpointRecord(mountpoint(), 'node-1', 'abc123');
  const streams = good.streams as JsonObject[];
  const variants: Array<[string, JsonObject]> = [
    ['node not a name', { ...good, node: 'node.1' }],
    ['no run', { ...good, run: undefined }],
    ['settings not an object', { ...good, settings: 'x' }],
    ['description not a string', { ...good, settings: { ...(good.settings as JsonObject), description: 5 } }],
    ['enabled not a boolean', { ...good, enabled: 'yes' }],
    ['streams not a list', { ...good, streams: {} }],
    ['too many streams', { ...good, streams: Array.from({ length: 65 }, (_, i) => ({ ...streams[2], mid: `d${i}` })) }],
    ['a duplicate mid', { ...good, streams: [streams[0], streams[0]] }],
    ['an unknown type', { ...good, streams: [{ ...streams[0], type: 'text' }] }],
    ['a bad mid', { ...good, streams: [{ ...streams[0], mid: 'a b' }] }],
    ['an unknown codec', { ...good, streams: [{ ...streams[0], codec: 'speex' }] }],
    ['a payload type out of range', { ...good, streams: [{ ...streams[0], pt: 300 }] }],
    ['an fmtp on two lines', { ...good, streams: [{ ...streams[1], fmtp: 'a\r\nb' }] }],
    ['a bad data type', { ...good, streams: [{ ...streams[2], datatype: 'json' }] }],
  ];
  for (const [what, value] of variants) assert.equal(readMountpointRecord(value), undefined, what);
  assert.ok(readMountpointRecord(good));
});

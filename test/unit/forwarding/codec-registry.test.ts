// The one codec table: lower-case names, lookup in any case and from rtpmap text, the values the old tables had.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODECS, findCodec, negotiableCodecs, staticPayloadCodec } from '../../../src/forwarding/codec-registry.js';
import { keyframeTest } from '../../../src/forwarding/keyframe.js';

test('names are lower-case and unique; keyframe detection is claimed exactly where keyframe.ts has a test', () => {
  const names = CODECS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  for (const c of CODECS) {
    assert.equal(c.name, c.name.toLowerCase());
    assert.equal(c.keyframeDetection, keyframeTest(c.name) !== undefined, c.name);
    assert.equal(c.channels === undefined, c.kind === 'video', c.name);
  }
});

test('lookup in any case, from an rtpmap encoding, and by kind', () => {
  assert.equal(findCodec('VP8')?.name, 'vp8');
  assert.equal(findCodec(' Opus ')?.name, 'opus');
  assert.equal(findCodec('opus/48000/2')?.channels, 2);
  assert.equal(findCodec('PCMU/8000')?.payloadType, 0);
  assert.equal(findCodec('L16/48000')?.name, 'l16-48');
  assert.equal(findCodec('L16/16000')?.name, 'l16');
  assert.equal(findCodec('isac/16000')?.name, 'isac16');
  assert.equal(findCodec('h264', 'video')?.clockRate, 90000);
  assert.equal(findCodec('h264', 'audio'), undefined);
  assert.equal(findCodec('speex'), undefined);
  assert.equal(findCodec(''), undefined);
});

test('the values of the old tables (stack defaults, Streaming, SDP static types, offer lists, room settings)', () => {
  const row = (name: string): unknown => {
    const c = findCodec(name)!;
    return [c.sdpName, c.kind, c.clockRate, c.channels, c.payloadType, c.fmtp];
  };
  assert.deepEqual(row('opus'), ['opus', 'audio', 48000, 2, 111, 'minptime=10;useinbandfec=1']);
  assert.deepEqual(row('multiopus'), ['multiopus', 'audio', 48000, 6, undefined, undefined]);
  assert.deepEqual(row('pcmu'), ['PCMU', 'audio', 8000, 1, 0, undefined]);
  assert.deepEqual(row('pcma'), ['PCMA', 'audio', 8000, 1, 8, undefined]);
  assert.deepEqual(row('g722'), ['G722', 'audio', 8000, 1, 9, undefined]);
  assert.deepEqual(row('vp8'), ['VP8', 'video', 90000, undefined, 96, undefined]);
  assert.deepEqual(row('vp9'), ['VP9', 'video', 90000, undefined, 98, 'profile-id=0']);
  assert.deepEqual(row('h264'), ['H264', 'video', 90000, undefined, 102, 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1']);
  assert.deepEqual(row('av1'), ['AV1', 'video', 90000, undefined, 45, undefined]);
  assert.deepEqual(row('h265'), ['H265', 'video', 90000, undefined, 49, undefined]);
  assert.deepEqual(findCodec('vp8')?.rtcpFb, ['nack', 'nack pli', 'ccm fir', 'goog-remb']);
  assert.deepEqual(findCodec('opus')?.rtcpFb, []);
  assert.deepEqual(
    negotiableCodecs('audio').map((c) => c.sdpName),
    ['opus', 'multiopus', 'PCMU', 'PCMA', 'G722'],
  );
  assert.deepEqual(
    negotiableCodecs('video').map((c) => c.sdpName),
    ['VP8', 'VP9', 'H264', 'AV1', 'H265'],
  );
  assert.deepEqual(
    CODECS.filter((c) => c.kind === 'audio')
      .map((c) => c.name)
      .sort(),
    ['g722', 'isac16', 'isac32', 'l16', 'l16-48', 'multiopus', 'opus', 'pcma', 'pcmu'],
  );
  assert.deepEqual(
    [0, 8, 9, 96, 111].map((pt) => staticPayloadCodec(pt)?.sdpName),
    ['PCMU', 'PCMA', 'G722', undefined, undefined],
  );
});

// SourcePacket: a packet read once by its source for all of its forwarders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourcePacket } from '../../../src/forwarding/source-packet.js';
import { rtp, vp8, vp9 } from './rtp-packets.js';

test('the header is read on load; the keyframe test runs once per packet, on the payload without its padding', () => {
  const p = new SourcePacket('VP8');
  assert.equal(p.codec, 'vp8');
  const key = rtp(vp8(5, 0, false, true, true), { csrcs: 1, extWords: 2, padding: 3 });
  assert.equal(p.load(key, 1), true);
  assert.equal(p.layer, 1);
  assert.equal(p.header.headerLength, 12 + 4 + 12);
  assert.equal(p.keyframe, true);
  key[p.header.headerLength + 6] = 0x01; // now an inter frame: the answer was kept from the first test
  assert.equal(p.keyframe, true);
  p.load(key);
  assert.equal(p.keyframe, false, 'a new load tests again');
  assert.equal(p.layer, -1);
});

test('no readable header: not valid, no keyframe, no descriptor; a codec without a test: every packet may switch', () => {
  const p = new SourcePacket('vp8');
  assert.equal(p.load(Buffer.from([0x80, 0x60, 0])), false);
  assert.equal(p.valid, false);
  assert.equal(p.keyframe, false);
  assert.equal(p.vp8Descriptor(), undefined);
  const av1 = new SourcePacket('av1');
  av1.load(rtp(Buffer.from([0x55])));
  assert.equal(av1.keyframe, true);
  const none = new SourcePacket();
  none.load(rtp(Buffer.from([0x55])));
  assert.equal(none.keyframe, true);
});

test('descriptors only for their codec; the codec may change between packets (EchoTest)', () => {
  const p = new SourcePacket('vp8');
  p.load(rtp(vp8(0x1234, 1, true)));
  assert.equal(p.vp8Descriptor()?.pictureId, 0x1234);
  assert.equal(p.vp8Descriptor()?.tid, 1);
  assert.equal(p.vp9Descriptor(), undefined);
  p.setCodec('vp9');
  p.load(rtp(vp9({ b: true, sid: 1, tid: 2 })));
  assert.deepEqual([p.vp9Descriptor()?.sid, p.vp9Descriptor()?.tid, p.isVp9, p.isVp8], [1, 2, true, false]);
  assert.equal(p.vp8Descriptor(), undefined);
  p.load(rtp(Buffer.from([0x20]))); // VP9 with L but truncated
  assert.equal(p.vp9Descriptor(), undefined);
});

test('the clock is read once per packet, when first needed, unless the caller gives the arrival time', () => {
  let reads = 0;
  const p = new SourcePacket('vp8', () => ++reads * 10);
  p.load(rtp(vp8(1, 0, false)));
  assert.equal(reads, 0);
  assert.equal(p.arrival, 10);
  assert.equal(p.arrival, 10);
  assert.equal(reads, 1);
  p.load(rtp(vp8(2, 0, false)), -1, 1234.5);
  assert.equal(p.arrival, 1234.5);
  assert.equal(reads, 1);
});

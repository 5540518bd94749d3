// RFC 4571 framing as ICE-TCP uses it: frames split across chunks, several in one chunk, empty frames, limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frame, frameParts, FrameReader, MAX_FRAME } from '../../../src/media/stream-framing.js';

test('frames come out whole whatever the chunks', () => {
  const packets = [Buffer.from('first'), Buffer.alloc(1500, 7), Buffer.from('x')];
  const stream = Buffer.concat(packets.map((p) => frame(p)));
  for (const size of [1, 2, 3, 7, 1000, stream.length]) {
    const reader = new FrameReader();
    const out: Buffer[] = [];
    for (let at = 0; at < stream.length; at += size) for (const f of reader.push(stream.subarray(at, at + size))) out.push(Buffer.from(f));
    assert.deepEqual(out, packets, `chunks of ${size}`);
    assert.equal(reader.buffered, 0);
  }
});

test('an incomplete frame waits; an empty frame is skipped', () => {
  const reader = new FrameReader();
  assert.deepEqual(reader.push(Buffer.from([0x00])), []);
  assert.equal(reader.buffered, 1);
  assert.deepEqual(reader.push(Buffer.from([0x03, 0x61, 0x62])), []);
  assert.deepEqual(
    reader.push(Buffer.from([0x63, 0x00, 0x00, 0x00, 0x01, 0x64])).map((f) => f.toString()),
    ['abc', 'd'],
  );
  assert.equal(reader.buffered, 0);
});

test('what the reader holds is bounded by one frame', () => {
  const reader = new FrameReader();
  reader.push(Buffer.from([0xff, 0xff]));
  for (let i = 0; i < 10; i++) reader.push(Buffer.alloc(6000));
  assert.ok(reader.buffered <= MAX_FRAME + 2);
  const frames = reader.push(Buffer.alloc(10_000));
  assert.equal(frames.length, 1);
  assert.equal(frames[0].length, MAX_FRAME);
  assert.ok(reader.buffered < MAX_FRAME);
});

test('frame and frameParts write the length prefix; too long is refused', () => {
  assert.deepEqual(frame(Buffer.from('abcdef'), 3), Buffer.from([0, 3, 0x61, 0x62, 0x63]));
  assert.deepEqual(frameParts([Buffer.from('ab'), Buffer.from('c')]), Buffer.from([0, 3, 0x61, 0x62, 0x63]));
  assert.throws(() => frame(Buffer.alloc(MAX_FRAME + 1)), RangeError);
  assert.throws(() => frame(Buffer.alloc(4), 5), RangeError);
  assert.throws(() => frameParts([Buffer.alloc(MAX_FRAME), Buffer.alloc(1)]), RangeError);
});

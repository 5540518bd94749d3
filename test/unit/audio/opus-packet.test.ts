// The Opus packet framing check (RFC 6716 section 3): each frame-count code, the frame length coding, padding,
// and each of the rules R1-R7 broken once; and every packet libopus itself makes passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { opusPacketShape } from '../../../src/audio/opus-packet.js';
import { OpusEncoder } from '../../../src/audio/opus-codec.js';

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const TOC_SILK_20MS = 1 << 3; // config 1: SILK narrowband, 20 ms
const TOC_CELT_2_5MS = 16 << 3; // config 16: CELT, 2.5 ms

test('code 0: one frame of the configuration duration; R1 (empty) and R2 (over 1275 bytes) are refused', () => {
  assert.deepEqual(opusPacketShape(bytes(TOC_SILK_20MS, 1, 2, 3)), { frames: 1, samples48k: 960, stereo: false });
  assert.deepEqual(opusPacketShape(bytes(TOC_SILK_20MS | 0x04)), { frames: 1, samples48k: 960, stereo: true }, 'a zero-length frame (DTX) is allowed');
  assert.equal(opusPacketShape(new Uint8Array(0)), undefined);
  assert.equal(opusPacketShape(new Uint8Array(1277)), undefined);
  assert.ok(opusPacketShape(new Uint8Array(1276)));
});

test('code 1: two equal frames, so an odd remainder (R3) is refused; code 2: a coded first length, the rest second (R4)', () => {
  assert.deepEqual(opusPacketShape(bytes(TOC_SILK_20MS | 1, 9, 9)), { frames: 2, samples48k: 1920, stereo: false });
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 1, 9, 9, 9)), undefined);
  assert.deepEqual(opusPacketShape(bytes(TOC_SILK_20MS | 2, 2, 7, 7, 8)), { frames: 2, samples48k: 1920, stereo: false });
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 2, 5, 7)), undefined, 'first frame longer than the packet');
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 2)), undefined, 'no length byte');
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 2, 252)), undefined, 'a two-byte length cut');
  const twoByte = new Uint8Array(3 + 256);
  twoByte.set([TOC_SILK_20MS | 2, 252, 1]); // 252 + 4 * 1 = 256
  assert.ok(opusPacketShape(twoByte), 'a two-byte length and an empty second frame');
});

test('code 3: frame count (R5), CBR division (R6), VBR lengths (R7) and padding', () => {
  assert.deepEqual(opusPacketShape(bytes(TOC_SILK_20MS | 3, 3, 1, 1, 1)), { frames: 3, samples48k: 2880, stereo: false });
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 3, 0)), undefined, 'no frames');
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 3, 7)), undefined, '140 ms is over 120');
  assert.ok(opusPacketShape(bytes(TOC_CELT_2_5MS | 3, 48)), '48 frames of 2.5 ms, all empty');
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 3, 2, 1, 1, 1)), undefined, 'CBR remainder not divisible');
  // VBR, 2 frames: first length 1, second the remaining 2.
  assert.deepEqual(opusPacketShape(bytes(TOC_SILK_20MS | 3, 0x80 | 2, 1, 5, 6, 6)), { frames: 2, samples48k: 1920, stereo: false });
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 3, 0x80 | 2, 9, 5)), undefined, 'first frame past the end');
  // Padding: 255 means 254 and another byte; here 254 + 1 = 255 bytes at the end.
  const padded = new Uint8Array(4 + 2 + 255);
  padded.set([TOC_SILK_20MS | 3, 0x40 | 1, 255, 1, 0xaa, 0xbb]);
  assert.ok(opusPacketShape(padded));
  assert.equal(opusPacketShape(padded.subarray(0, padded.length - 3)), undefined, 'padding longer than what is left');
  assert.equal(opusPacketShape(bytes(TOC_SILK_20MS | 3, 0x40 | 1, 255)), undefined, 'padding length cut');
});

test('every packet libopus makes passes, at each rate, mono and stereo, with FEC and DTX', () => {
  for (const rate of [8000, 16000, 48000] as const) {
    for (const channels of [1, 2] as const) {
      const enc = new OpusEncoder({ rate, channels, fec: true, expectedLoss: 10, dtx: true });
      const pcm = new Int16Array((rate / 50) * channels);
      for (let f = 0; f < 20; f++) {
        for (let i = 0; i < pcm.length; i++) pcm[i] = f < 10 ? Math.round(7000 * Math.sin(i * 0.05 * (f + 1))) : 0;
        const packet = enc.encode(pcm, rate / 50)!;
        const shape = opusPacketShape(packet);
        assert.ok(shape, `rate ${rate}, ${channels} channel(s), frame ${f}`);
        assert.equal(shape.samples48k, 960);
      }
      enc.close();
    }
  }
});

test('fuzz: any bytes give a shape within RFC 6716 limits or undefined, never a throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1600 }), (p) => {
      const shape = opusPacketShape(p);
      if (!shape) return;
      assert.ok(shape.frames >= 1 && shape.frames <= 48);
      assert.ok(shape.samples48k >= 120 && shape.samples48k <= 5760);
    }),
    { numRuns: Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 3000) },
  );
});

// The audio helpers: G.711 both laws within their quantisation step over every sample value, the bytes for
// silence, resampling lengths and levels, the WAV header, and Opus through libopus keeping a tone's pitch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeG711, encodeG711 } from '../../../src/audio/g711.js';
import { resampleLinear } from '../../../src/audio/resample.js';
import { wavHeader } from '../../../src/audio/wav-recorder.js';
import { OpusDecoder, OpusEncoder } from '../../../src/audio/opus-codec.js';

test('G.711: every 16-bit value comes back within its step; silence is 0xff (μ-law) and 0xd5 (A-law)', () => {
  for (const law of ['pcmu', 'pcma'] as const) {
    const pcm = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
    const bytes = Buffer.alloc(65536);
    encodeG711(law, pcm, 65536, bytes, 0);
    const back = new Int16Array(65536);
    assert.equal(decodeG711(law, bytes, 0, 65536, back), 65536);
    for (let i = 0; i < 65536; i++) {
      const err = Math.abs(back[i] - pcm[i]);
      assert.ok(err <= Math.max(72, Math.abs(pcm[i]) * 0.07), `${law} ${pcm[i]} -> ${back[i]}`);
    }
    const zero = Buffer.alloc(1);
    encodeG711(law, new Int16Array(1), 1, zero, 0);
    assert.equal(zero[0], law === 'pcmu' ? 0xff : 0xd5);
  }
});

test('resampling keeps a level and fills the length asked for', () => {
  const input = new Int16Array(160).fill(1200);
  const out = new Int16Array(320);
  resampleLinear(input, 160, out, 320);
  assert.ok(out.every((v) => v === 1200));
  const down = new Int16Array(160);
  resampleLinear(out, 320, down, 160);
  assert.ok(down.every((v) => v === 1200));
  resampleLinear(input, 0, down, 160);
  assert.ok(down.every((v) => v === 0));
});

test('the WAV header says PCM, the rate, the channels and the sizes', () => {
  const h = wavHeader(16000, 2, 64000);
  assert.equal(h.toString('latin1', 0, 4), 'RIFF');
  assert.equal(h.readUInt32LE(4), 36 + 64000);
  assert.equal(h.readUInt16LE(20), 1);
  assert.equal(h.readUInt16LE(22), 2);
  assert.equal(h.readUInt32LE(24), 16000);
  assert.equal(h.readUInt32LE(28), 64000);
  assert.equal(h.readUInt32LE(40), 64000);
});

test('Opus: a 16 kHz tone encoded and decoded keeps its level and pitch; garbage is refused, not thrown', () => {
  const enc = new OpusEncoder({ rate: 16000, channels: 1, complexity: 4 });
  const dec = new OpusDecoder(16000, 1);
  const pcm = new Int16Array(320);
  const out = new Int16Array(5760);
  let sample = 0;
  let level = 0;
  let crossings = 0;
  for (let f = 0; f < 25; f++) {
    for (let i = 0; i < 320; i++, sample++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * 500 * sample) / 16000));
    const n = dec.decode(enc.encode(pcm, 320)!, out);
    assert.equal(n, 320);
    if (f < 5) continue;
    for (let i = 0; i < n; i++) {
      level += Math.abs(out[i]);
      if (i > 0 && out[i - 1] < 0 !== out[i] < 0) crossings++;
    }
  }
  const seconds = (20 * 320) / 16000;
  assert.ok(level / (20 * 320) > 3000, `level ${level / (20 * 320)}`);
  assert.ok(Math.abs(crossings / 2 / seconds - 500) < 30, `${crossings / 2 / seconds} Hz`);
  assert.equal(typeof dec.decode(Buffer.from([0xff, 0xff, 0xff]), out), 'number');
  assert.equal(dec.decode(Buffer.alloc(0), out), -1);
  enc.close();
  dec.close();
  assert.equal(enc.encode(pcm, 320), undefined, 'closed');
});

// The audio helpers: G.711 both laws within their quantisation step over every sample value, the bytes for
// silence, resampling lengths and levels, the WAV header, and Opus through libopus (WebAssembly, and the
// machine's own through the native addon when it has one) keeping a tone's pitch and its settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeG711, encodeG711 } from '../../../src/audio/g711.js';
import { resampleLinear } from '../../../src/audio/resample.js';
import { wavHeader } from '../../../src/audio/wav-recorder.js';
import { OpusDecoder, OpusEncoder, opusBackend } from '../../../src/audio/opus-codec.js';

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

const nativeOpus = opusBackend();
const backends = [
  { backend: 'wasm' as const, skip: false as const },
  { backend: 'native' as const, skip: nativeOpus.native ? (false as const) : nativeOpus.detail },
];

for (const { backend, skip } of backends) {
  test(`Opus (${backend}): a 16 kHz tone encoded and decoded keeps its level and pitch; garbage is refused, not thrown`, { skip }, () => {
    const enc = new OpusEncoder({ rate: 16000, channels: 1, complexity: 4, backend });
    assert.equal(enc.isNative, backend === 'native');
    const dec = new OpusDecoder(16000, 1, backend);
    assert.equal(dec.isNative, backend === 'native');
    assert.equal(dec.canRepairLoss, backend === 'native');
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
    assert.equal(dec.decode(Buffer.from([0x0b, 0, 2]), out), -1, 'code 3 with a frame count of 0: refused before libopus');
    assert.equal(dec.decode(enc.encode(pcm, 320)!, new Int16Array(100)), -1, 'no room for the frame');
    assert.equal(dec.repair(undefined, 320, out), backend === 'native' ? 320 : -1, 'concealment');
    enc.close();
    dec.close();
    assert.equal(enc.encode(pcm, 320), undefined, 'closed');
    enc.close();
  });

  test(`Opus (${backend}): stereo at 48 kHz, the bitrate and DTX settings take effect`, { skip }, () => {
    const noise = (pcm: Int16Array, seed: number): Int16Array => {
      let x = seed;
      for (let i = 0; i < pcm.length; i++) pcm[i] = ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) - 32768;
      return pcm;
    };
    const sizeAt = (bitrate: number): number => {
      const enc = new OpusEncoder({ rate: 48000, channels: 2, bitrate, backend });
      let bytes = 0;
      for (let f = 0; f < 20; f++) bytes += enc.encode(noise(new Int16Array(1920), f + 1), 960)!.length;
      enc.close();
      return bytes / 20;
    };
    const low = sizeAt(12000);
    const high = sizeAt(96000);
    assert.ok(low < 50 && high > 150, `12 kbit/s: ${low} bytes a frame, 96 kbit/s: ${high}`);
    const dec = new OpusDecoder(48000, 2, backend);
    const dtx = new OpusEncoder({ rate: 48000, channels: 2, dtx: true, backend });
    const silence = new Int16Array(1920);
    const sizes: number[] = [];
    for (let f = 0; f < 30; f++) sizes.push(dtx.encode(silence, 960)!.length);
    assert.ok(
      sizes.slice(-10).every((n) => n <= 3),
      `DTX frames of silence: ${sizes.slice(-10).join(',')}`,
    );
    assert.equal(dec.decode(dtx.encode(noise(new Int16Array(1920), 9), 960)!, new Int16Array(5760)), 960);
    dtx.close();
    dec.close();
  });
}

test('the Opus backend names what codes: native libopus when the addon has it, WebAssembly otherwise', () => {
  const b = opusBackend();
  assert.match(b.detail, b.native ? /^native libopus/ : /^WebAssembly libopus \(/);
});

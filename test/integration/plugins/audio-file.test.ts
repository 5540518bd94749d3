// Audio files for live/ondemand mountpoints: G.711 framing, Ogg paging and Opus packet durations (pure parsers,
// fuzzed), and a real Ogg Opus file made by ffmpeg.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { oggPage } from '../../helpers/ogg-page.js';
import { AudioFileError, audioFramesFor, g711Frames, oggPackets, opusFrames, opusPacketSamples } from '../../../src/audio/audio-file.js';

test('G.711 files are cut into 20 ms frames with static payload types', () => {
  const a = g711Frames(Buffer.alloc(400, 1), 'pcma');
  assert.deepEqual(
    a.frames.map((f) => f.length),
    [160, 160, 80],
  );
  assert.deepEqual(a.durations, [160, 160, 80]);
  assert.equal(a.pt, 8);
  assert.equal(audioFramesFor('x.mulaw', Buffer.alloc(160)).pt, 0);
  assert.throws(() => audioFramesFor('x.wav', Buffer.alloc(10)), AudioFileError);
  assert.throws(() => g711Frames(Buffer.alloc(0), 'pcmu'), /empty/);
});

test('Ogg pages: packets spanning lacing values and pages are joined; other streams are ignored', () => {
  const big = Buffer.alloc(600, 7);
  const data = Buffer.concat([
    oggPage(1, 0, [Buffer.from('OpusHead........')]),
    oggPage(2, 0, [Buffer.from('other stream')]),
    oggPage(1, 1, [Buffer.from('OpusTags')]),
    // 600 bytes: 255+255+90 lacing on one page, then a packet cut across two pages
    oggPage(1, 2, [big]),
  ]);
  const packets = oggPackets(data);
  assert.equal(packets.length, 3);
  assert.deepEqual(packets[2], big);
  // Across pages: the first page ends with a 255 lacing value, the next is flagged "continued".
  const head = Buffer.alloc(28);
  head.write('OggS', 0, 'latin1');
  head.writeUInt32LE(1, 14);
  head[26] = 1;
  head[27] = 255;
  const spanning = Buffer.concat([head, Buffer.alloc(255, 2), oggPage(1, 4, [Buffer.alloc(10, 3)], 1)]);
  const joined = oggPackets(spanning);
  assert.equal(joined.length, 1);
  assert.equal(joined[0].length, 265);
});

test('Opus packet durations from the TOC byte (RFC 6716)', () => {
  assert.equal(opusPacketSamples(Buffer.from([0xfc])), 960); // CELT FB 20 ms, one frame
  assert.equal(opusPacketSamples(Buffer.from([(0x0b << 3) | 1])), 2880 * 2); // SILK 60 ms, two frames
  assert.equal(opusPacketSamples(Buffer.from([(16 << 3) | 3, 4])), 480); // CELT 2.5 ms x4
  assert.equal(opusPacketSamples(Buffer.from([(16 << 3) | 3, 0])), 0); // zero frames: malformed
  assert.equal(opusPacketSamples(Buffer.alloc(0)), 0);
});

test('garbage files give AudioFileError, never another exception (fuzz)', () => {
  for (let i = 0; i < 500; i++) {
    const junk = Buffer.from(Array.from({ length: Math.floor(Math.random() * 200) }, () => Math.floor(Math.random() * 256)));
    if (i % 3 === 0) junk.write('OggS', 0, 'latin1');
    try {
      audioFramesFor('x.opus', junk);
    } catch (err) {
      assert.ok(err instanceof AudioFileError, String(err));
    }
  }
});

test('an Ogg Opus file made by ffmpeg: 20 ms packets, about the length asked for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-audio-'));
  const file = join(dir, 'tone.opus');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libopus', '-b:a', '32k', file]);
  assert.equal(r.status, 0, String(r.stderr));
  const audio = audioFramesFor(file, readFileSync(file));
  assert.equal(audio.codec, 'opus');
  assert.equal(audio.clockRate, 48000);
  const seconds = audio.durations.reduce((a, b) => a + b, 0) / 48000;
  assert.ok(seconds > 1.9 && seconds < 2.2, `${seconds} s of audio`);
  assert.ok(
    audio.durations.every((d) => d === 960),
    'ffmpeg writes 20 ms packets',
  );
});

/** A valid Ogg Opus file: OpusHead, OpusTags and these audio packets, a few per page. */
function opusFile(packets: Buffer[], perPage = 3): Buffer {
  const pages = [oggPage(1, 0, [Buffer.from('OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00', 'latin1')]), oggPage(1, 1, [Buffer.from('OpusTags\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1')])];
  for (let i = 0; i < packets.length; i += perPage) pages.push(oggPage(1, 2 + i, packets.slice(i, i + perPage)));
  return Buffer.concat(pages);
}

test('Ogg: the tail of a packet whose start is missing (a first page flagged continued) is not a packet', () => {
  const orphan = oggPage(1, 5, [Buffer.alloc(10, 9), Buffer.from([0xfc, 1, 2])], 1);
  // The first 10 bytes end a packet that began on a page we never saw: only the second packet is whole.
  assert.deepEqual(oggPackets(orphan), [Buffer.from([0xfc, 1, 2])]);
  // A continued page after a page of another stream: same.
  const head = oggPage(1, 0, [Buffer.from('OpusHead')]);
  assert.deepEqual(oggPackets(Buffer.concat([head, oggPage(2, 0, [Buffer.alloc(300, 1)]), orphan])).length, 2);
});

test('Ogg: a file of more packets than the bound is refused, not expanded', () => {
  // 255 one-byte packets per page: 537 bytes hold 255 packets.
  const page = oggPage(
    1,
    0,
    Array.from({ length: 255 }, () => Buffer.from([0xfc])),
  );
  const file = Buffer.concat(Array.from({ length: 40 }, () => page));
  assert.equal(oggPackets(file).length, 40 * 255);
  assert.throws(
    () => oggPackets(file, 1000),
    (err: unknown) => err instanceof AudioFileError && /more than 1000 packets/.test(err.message),
  );
});

test('audio files, fast-check: random and mutated files throw only AudioFileError; what is found lies within the bytes', () => {
  const check = (name: string, data: Buffer): void => {
    let frames;
    try {
      frames = audioFramesFor(name, data);
    } catch (err) {
      assert.ok(err instanceof AudioFileError, `${name}: ${String(err)}`);
      return;
    }
    const total = frames.frames.reduce((n, f) => n + f.length, 0);
    assert.ok(total <= data.length, 'frames hold no more than the file');
    assert.equal(frames.frames.length, frames.durations.length);
    assert.ok(
      frames.durations.every((d) => d > 0 && d <= 5760),
      'every frame lasts 1 sample to 120 ms',
    );
    assert.ok(frames.frames.length > 0);
  };
  // Random bytes, with and without an Ogg capture pattern in front.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), fc.constantFrom('x.opus', 'x.alaw', 'x.mulaw', 'x.wav'), (bytes, ogg, name) => {
      const data = Buffer.from(bytes);
      if (ogg && data.length >= 4) data.write('OggS', 0, 'latin1');
      check(name, data);
    }),
    { numRuns: 3000 },
  );
  // Mutations of a valid file: byte overwrites (lacing values, segment counts, flags), truncation, extension.
  const valid = opusFile(Array.from({ length: 12 }, (_, i) => Buffer.concat([Buffer.from([0xfc]), Buffer.alloc(20 + i * 30, i)])));
  assert.equal(opusFrames(valid).frames.length, 12);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat({ max: valid.length }),
      fc.uint8Array({ maxLength: 300 }),
      (writes, cut, tail) => {
        const data = Buffer.from(valid);
        for (const [at, value] of writes) data[at] = value;
        check('x.opus', Buffer.concat([data.subarray(0, cut), Buffer.from(tail)]));
      },
    ),
    { numRuns: 3000 },
  );
});

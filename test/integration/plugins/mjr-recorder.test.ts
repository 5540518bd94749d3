// The .mjr recorder writes whole frames at once, and the .mjr reader reads any file (whole, torn, garbage) without
// throwing, saying where it stopped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { MjrRecorder } from '../../../src/plugins/mjr/mjr-recorder.js';
import { readMjr } from '../../../src/plugins/mjr/mjr-reader.js';
import { repoRoot } from '../../helpers/no-ipv6.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

const dir = mkdtempSync(join(tmpdir(), 'portunus-mjr-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const base = (): string => join(dir, `rec-${++n}`);

const rtp = (seq: number, size = 100): Buffer => rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0x1234, payload: Buffer.alloc(size, seq & 0xff) });

/** A valid audio recording of `count` packets, and the packets. */
function sampleRecording(count: number, kind: 'opus' | 'text' = 'opus'): { bytes: Buffer; packets: Buffer[] } {
  const rec = new MjrRecorder(base(), kind, kind === 'opus' ? 'useinbandfec=1' : undefined, (m) => assert.fail(m));
  const packets = Array.from({ length: count }, (_, i) => (kind === 'opus' ? rtp(i, 20 + i * 7) : Buffer.from(`message ${i}`)));
  for (const p of packets) rec.write(p);
  rec.close();
  return { bytes: readFileSync(rec.path), packets };
}

test('every frame is in the file when write() returns (no buffering a stop could lose or tear)', () => {
  const rec = new MjrRecorder(base(), 'vp8', undefined, (m) => assert.fail(m));
  for (let i = 0; i < 50; i++) {
    rec.write(rtp(i, 1000));
    // Read while still open: the file holds exactly the frames written so far, the last one whole.
    const r = readMjr(readFileSync(rec.path));
    assert.equal(r.stopped, undefined, JSON.stringify(r.stopped));
    assert.equal(r.frames.length, i + 1);
    assert.deepEqual(Buffer.from(r.frames[i].payload), rtp(i, 1000));
  }
  assert.equal(rec.frames, 50);
  rec.close();
  rec.close();
  assert.equal(rec.open, false);
});

test('a process that exits right after recording (no close, no await) leaves every frame whole', () => {
  const path = base();
  const module = join(repoRoot, 'dist', 'src', 'plugins', 'mjr', 'mjr-recorder.js');
  const script = `import { MjrRecorder } from ${JSON.stringify(module)};
    const r = new MjrRecorder(${JSON.stringify(path)}, 'opus', undefined, () => {});
    for (let i = 0; i < 2000; i++) { const b = Buffer.alloc(1200, i & 0xff); b[0] = 0x80; b.writeUInt16BE(i, 2); r.write(b); }
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const r = readMjr(readFileSync(`${path}.mjr`));
  assert.equal(r.stopped, undefined, JSON.stringify(r.stopped));
  assert.equal(r.frames.length, 2000);
  assert.ok(r.frames.every((f, i) => f.payload.length === 1200 && f.payload[2] === ((i >> 8) & 0xff) && f.payload[3] === (i & 0xff)));
});

test('the reader gives back the info header and every packet of audio and data recordings', () => {
  const audio = sampleRecording(30);
  const a = readMjr(audio.bytes);
  assert.equal(a.stopped, undefined);
  assert.deepEqual({ kind: a.info?.kind, codec: a.info?.codec, fmtp: a.info?.fmtp }, { kind: 'audio', codec: 'opus', fmtp: 'useinbandfec=1' });
  assert.ok((a.info?.createdUs ?? 0) > 1e15 && (a.info?.firstFrameUs ?? 0) >= (a.info?.createdUs ?? 0));
  assert.deepEqual(
    a.frames.map((f) => Buffer.from(f.payload)),
    audio.packets,
  );
  assert.ok(a.frames.every((f, i) => i === 0 || f.timeMs >= a.frames[i - 1].timeMs));

  const data = sampleRecording(5, 'text');
  const d = readMjr(data.bytes);
  assert.equal(d.stopped, undefined);
  assert.equal(d.info?.kind, 'data');
  assert.deepEqual(
    d.frames.map((f) => Buffer.from(f.payload).toString()),
    data.packets.map(String),
  );
  assert.ok(d.frames.every((f) => typeof f.wallClockUs === 'bigint' && f.wallClockUs > 10n ** 15n));
});

test('a recorder that got no packet is an empty recording; too big a packet is skipped, not torn', () => {
  const rec = new MjrRecorder(base(), 'opus', undefined, (m) => assert.fail(m));
  assert.deepEqual(readMjr(readFileSync(rec.path)), { frames: [] });
  rec.write(Buffer.alloc(0));
  rec.write(Buffer.alloc(0x10000, 1));
  rec.write(rtp(1));
  rec.close();
  const r = readMjr(readFileSync(rec.path));
  assert.equal(r.stopped, undefined);
  assert.equal(r.frames.length, 1);
  assert.throws(() => new MjrRecorder(rec.path.slice(0, -4), 'opus', undefined, () => {}), /EEXIST/, 'an existing file is never overwritten');
  assert.throws(() => new MjrRecorder(base(), 'speex', undefined, () => {}), /cannot be recorded/);
});

test('a file torn at any byte: the frames before the tear, and where and why reading stopped', () => {
  const { bytes } = sampleRecording(8);
  const whole = readMjr(bytes);
  const ends = whole.frames.map((f) => f.offset + 10 + f.payload.length);
  for (let cut = 0; cut < bytes.length; cut++) {
    const r = readMjr(bytes.subarray(0, cut));
    const complete = ends.filter((e) => e <= cut).length;
    assert.equal(r.frames.length, complete, `cut at ${cut}`);
    const first = whole.frames[0].offset;
    if (cut === 8 || cut === first || ends.includes(cut)) assert.equal(r.stopped, undefined, `cut at ${cut} is a frame boundary`);
    else {
      assert.ok(r.stopped, `cut at ${cut} is reported`);
      assert.equal(r.stopped.offset, complete > 0 ? ends[complete - 1] : cut < 8 ? 0 : cut < first ? 8 : first, `cut at ${cut}`);
    }
  }
  const torn = readMjr(bytes.subarray(0, ends[3] + 12));
  assert.match(torn.stopped?.reason ?? '', /a frame announces \d+ bytes, 2 are there/);
});

test('garbage and broken headers are reported, never thrown', () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from('MJR00001xxxxxxxx'), /not a 'MJR00002' file/],
    [Buffer.from('MJR00002\x00'), /ends inside the info header length/],
    [Buffer.from('MJR00002\x00\x00'), /info header is empty/],
    [Buffer.from('MJR00002\x00\x06{"t":'), /announces 6 bytes, 5 are there/],
    [Buffer.from('MJR00002\x00\x04null'), /not a JSON object/],
    [Buffer.from('MJR00002\x00\x02{}'), /no media type/],
    [Buffer.from('MJR00002\x00\x0b{"t":"a"}  '), /no codec/],
    [Buffer.concat([Buffer.from('MJR00002\x00\x14{"t":"a","c":"opus"}'), Buffer.from('MEEX\0\0\0\0\0\x01x')]), /no 'MEET'/],
    [Buffer.concat([Buffer.from('MJR00002\x00\x14{"t":"a","c":"opus"}'), Buffer.from('MEET\0\0\0\0\0\0')]), /length 0/],
    [Buffer.concat([Buffer.from('MJR00002\x00\x14{"t":"d","c":"text"}'), Buffer.from('MEET\0\0\0\0\0\x02ab')]), /shorter than its 8-byte time/],
  ];
  for (const [bytes, reason] of cases) {
    const r = readMjr(bytes);
    assert.match(r.stopped?.reason ?? 'read whole', reason, JSON.stringify(bytes.toString('latin1')));
  }
});

test('fast-check: random bytes, and mutated, truncated or extended recordings, never throw; frames stay inside the file', () => {
  const { bytes } = sampleRecording(6);
  writeFileSync(join(dir, 'sample.mjr'), bytes);
  const check = (input: Uint8Array): void => {
    const r = readMjr(input);
    let end = 0;
    for (const f of r.frames) {
      assert.ok(f.offset >= end && f.payload.byteOffset - input.byteOffset + f.payload.length <= input.length);
      end = f.offset + 10;
    }
    if (r.stopped) assert.ok(r.stopped.offset >= 0 && r.stopped.offset <= input.length && r.stopped.reason.length > 0);
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 2000 });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(bytes.length),
      fc.uint8Array({ maxLength: 40 }),
      (edits, cut, tail) => {
        const m = Buffer.from(bytes);
        for (const [at, v] of edits) m[at] = v;
        check(m);
        check(m.subarray(0, cut));
        check(Buffer.concat([m, tail]));
      },
    ),
    { numRuns: 2000 },
  );
});

test('a full disk (file size limit) cuts the file back to its last whole frame and stops the recording with one message', () => {
  const path = base();
  const module = join(repoRoot, 'dist', 'src', 'plugins', 'mjr', 'mjr-recorder.js');
  // RLIMIT_FSIZE of 8 KiB: the write that crosses it is short (SIGXFSZ ignored), as on a disk that fills up.
  const script = `import { MjrRecorder } from ${JSON.stringify(module)};
    process.on('SIGXFSZ', () => {});
    const errors = [];
    const r = new MjrRecorder(${JSON.stringify(path)}, 'opus', undefined, (m) => errors.push(m));
    for (let i = 0; i < 20; i++) { const b = Buffer.alloc(1000, i); b[0] = 0x80; r.write(b); }
    await new Promise((done) => setTimeout(done, 100));
    console.log(JSON.stringify({ frames: r.frames, open: r.open, errors }));`;
  const child = spawnSync('bash', ['-c', 'ulimit -f 8 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const outcome = JSON.parse(child.stdout) as { frames: number; open: boolean; errors: string[] };
  assert.equal(outcome.open, false);
  assert.equal(outcome.errors.length, 1, JSON.stringify(outcome.errors));
  assert.match(outcome.errors[0], /stopped: short write|stopped: EFBIG/);
  const r = readMjr(readFileSync(`${path}.mjr`));
  assert.equal(r.stopped, undefined, `the file ends on a whole frame: ${JSON.stringify(r.stopped)}`);
  assert.equal(r.frames.length, outcome.frames);
  assert.ok(outcome.frames >= 5 && outcome.frames < 20, `${outcome.frames} frames fit`);
});

test('fast-check: whatever packets are written, the reader gives back exactly those that fit a frame, in order', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('opus', 'vp8', 'text'),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 1500 }), fc.constantFrom(new Uint8Array(0xffff - 8), new Uint8Array(0xffff), new Uint8Array(0x10000))), { maxLength: 12 }),
      (codec, packets) => {
        const rec = new MjrRecorder(base(), codec, undefined, (m) => assert.fail(m));
        for (const p of packets) rec.write(Buffer.from(p));
        rec.close();
        const limit = codec === 'text' ? 0xffff - 8 : 0xffff;
        const expected = packets.filter((p) => p.length > 0 && p.length <= limit).map((p) => Buffer.from(p));
        const r = readMjr(readFileSync(rec.path));
        assert.equal(r.stopped, undefined);
        assert.deepEqual(
          r.frames.map((f) => Buffer.from(f.payload)),
          expected,
        );
        assert.equal(rec.frames, expected.length);
      },
    ),
    { numRuns: 150 },
  );
});

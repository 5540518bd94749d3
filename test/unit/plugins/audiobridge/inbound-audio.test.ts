// A participant's inbound queue: prebuffering, order restored, repeats and late packets dropped, the delay bounded,
// a reset starting over, lost Opus packets filled in; and the 20 ms clock keeping time against a fixed start.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { encodeG711 } from '../../../../src/audio/g711.js';
import { OpusEncoder, opusBackend } from '../../../../src/audio/opus-codec.js';
import { InboundAudio } from '../../../../src/plugins/audiobridge/inbound-audio.js';
import { MixClock } from '../../../../src/plugins/audiobridge/mix-clock.js';

/** A 20 ms G.711 packet whose samples all carry `value` (as near as μ-law gets). */
function packet(value: number): Buffer {
  const out = Buffer.alloc(160);
  encodeG711('pcmu', new Int16Array(160).fill(value), 160, out, 0);
  return out;
}

function take(inbound: InboundAudio): number | undefined {
  const out = new Int16Array(160);
  return inbound.take(out) ? out[0] : undefined;
}

test('prebuffering: nothing plays until that many packets wait, then one frame per take', () => {
  const inbound = new InboundAudio('pcmu', 8000, 160, 3);
  inbound.push(0, packet(1000));
  inbound.push(1, packet(2000));
  assert.equal(take(inbound), undefined);
  inbound.push(2, packet(3000));
  const first = take(inbound)!;
  assert.ok(Math.abs(first - 1000) < 40, String(first));
  assert.ok(Math.abs(take(inbound)! - 2000) < 80);
  assert.ok(Math.abs(take(inbound)! - 3000) < 120);
  assert.equal(take(inbound), undefined, 'ran dry');
  inbound.push(3, packet(500));
  assert.equal(take(inbound), undefined, 'prebuffering again after running dry');
});

test('out of order packets are played in order; repeats and late ones are dropped and counted', () => {
  const inbound = new InboundAudio('pcmu', 8000, 160, 3);
  inbound.push(65535, packet(1000));
  inbound.push(1, packet(3000));
  inbound.push(0, packet(2000)); // across the wrap, before 1
  inbound.push(1, packet(9000)); // a repeat
  const got = [take(inbound), take(inbound), take(inbound)].map((v) => Math.round((v ?? 0) / 1000));
  assert.deepEqual(got, [1, 2, 3]);
  inbound.push(0, packet(5000)); // played already
  assert.equal(inbound.dropped, 2);
  assert.equal(inbound.queued, 0);
});

test('a queue that grows is cut: the delay stays bounded; a reset starts over', () => {
  const inbound = new InboundAudio('pcmu', 8000, 160, 2);
  for (let i = 0; i < 40; i++) inbound.push(i, packet(100 * i));
  assert.equal(inbound.queued, 12);
  assert.ok(inbound.dropped >= 28);
  inbound.reset();
  assert.equal(inbound.queued, 0);
  inbound.push(3, packet(1000)); // an old number is fine after a reset
  inbound.push(4, packet(1000));
  assert.ok(take(inbound) !== undefined);
});

test('the clock ticks on a fixed grid, catches up after a late wake-up and skips a long stall', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let now = 0;
    let ticks = 0;
    // Read through a function: the assertions would otherwise narrow the count to the literal they checked.
    const count = (): number => ticks;
    const clock = new MixClock(
      () => ticks++,
      () => now,
    );
    clock.run();
    for (let i = 0; i < 5; i++) {
      now += 20;
      mock.timers.tick(20);
    }
    assert.equal(ticks, 5);
    // Woken 50 ms late: the frames it missed run at once.
    now += 70;
    mock.timers.tick(70);
    assert.equal(ticks, 8);
    // A stall of a second: the clock skips ahead instead of bursting fifty frames.
    now += 1000;
    mock.timers.tick(1000);
    assert.ok(count() < 15, `${count()} ticks`);
    assert.ok(clock.stats.skipped >= 40, `${clock.stats.skipped} skipped`);
    assert.ok(clock.stats.maxLateMs >= 900);
    clock.stop();
    now += 100;
    mock.timers.tick(100);
    const stopped = count();
    mock.timers.tick(100);
    assert.equal(count(), stopped);
  } finally {
    mock.timers.reset();
  }
});

test(
  'Opus: one or a few lost packets are filled in (FEC from the next, concealment before it) with the native decoder; an outage is not',
  { skip: opusBackend().native ? false : opusBackend().detail },
  () => {
    const encoder = new OpusEncoder({ rate: 16000, channels: 1, fec: true, expectedLoss: 20 });
    const pcm = new Int16Array(320);
    let sample = 0;
    const frames: Buffer[] = [];
    for (let f = 0; f < 40; f++) {
      for (let i = 0; i < 320; i++, sample++) pcm[i] = Math.round(5000 * Math.sin((2 * Math.PI * 300 * sample) / 16000));
      frames.push(encoder.encode(pcm, 320)!);
    }
    encoder.close();
    const inbound = new InboundAudio('opus', 16000, 320, 1);
    const out = new Int16Array(320);
    const played = (): number => {
      let frames = 0;
      while (inbound.take(out)) frames++;
      return frames;
    };
    for (let s = 0; s < 10; s++) inbound.push(s, frames[s]);
    assert.equal(played(), 10);
    // 10 lost: its frame is recovered from 11's FEC.
    for (let s = 11; s < 20; s++) inbound.push(s, frames[s]);
    assert.equal(played(), 10, 'nine packets and the lost one');
    assert.equal(inbound.repaired, 1);
    // 20-22 lost: three frames filled in.
    for (let s = 23; s < 30; s++) inbound.push(s, frames[s]);
    assert.equal(played(), 10);
    assert.equal(inbound.repaired, 4);
    // 30-34 lost: an outage, left as it is.
    for (let s = 35; s < 40; s++) inbound.push(s, frames[s]);
    assert.equal(played(), 5);
    assert.equal(inbound.repaired, 4);
    inbound.close();
  },
);

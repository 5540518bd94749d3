// A participant's inbound queue: prebuffering, order restored, repeats and late packets dropped, the delay bounded,
// a reset starting over; and the 20 ms clock keeping time against a fixed start.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { encodeG711 } from '../../../../src/audio/g711.js';
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

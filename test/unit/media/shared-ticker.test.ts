// The timer peers share for their periodic work: every registration with one period runs in the same wake-up,
// one that throws is reported and does not stop the others, and the last cancel leaves no timer behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { everyShared } from '../../../src/media/shared-ticker.js';

test('ticks of one period run together, a failing one is reported, cancel stops each', async () => {
  const seen: string[] = [];
  const errors: unknown[] = [];
  let stamps: number[] = [];
  const a = everyShared(
    15,
    (now) => {
      seen.push('a');
      stamps.push(now);
    },
    () => assert.fail('a never throws'),
  );
  const b = everyShared(
    15,
    (now) => {
      seen.push('b');
      stamps.push(now);
    },
    () => assert.fail('b never throws'),
  );
  const bad = everyShared(
    15,
    () => {
      throw new Error('boom');
    },
    (err) => errors.push(err),
  );
  await sleep(70);
  assert.ok(seen.filter((x) => x === 'a').length >= 2, 'a ticked');
  assert.equal(seen.filter((x) => x === 'a').length, seen.filter((x) => x === 'b').length, 'one wake-up runs both');
  assert.ok(errors.length >= 2 && errors.every((e) => e instanceof Error && e.message === 'boom'));
  for (let i = 0; i + 1 < stamps.length; i += 2) assert.equal(stamps[i], stamps[i + 1], 'the same wake-up time for both');
  a.cancel();
  bad.cancel();
  const before = seen.length;
  stamps = [];
  await sleep(50);
  assert.ok(seen.slice(before).every((x) => x === 'b') && seen.length > before, 'only b still ticks');
  b.cancel();
  const after = seen.length;
  await sleep(40);
  assert.equal(seen.length, after, 'nothing ticks once all are cancelled');
  b.cancel(); // twice is harmless
});

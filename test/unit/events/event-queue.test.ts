import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventQueue } from '../../../src/events/event-queue.js';

test('the queue keeps order, drops the oldest when full and counts each drop', () => {
  const q = new EventQueue<number>(3);
  for (let i = 1; i <= 5; i++) assert.equal(q.push(i), i > 3);
  assert.equal(q.dropped, 2);
  assert.equal(q.length, 3);
  assert.deepEqual(q.take(2), [3, 4]);
  q.push(6);
  q.push(7);
  assert.deepEqual(q.take(10), [5, 6, 7]);
  assert.deepEqual(q.take(1), []);
  assert.throws(() => new EventQueue(0), RangeError);
});

test('a smaller bound drops the oldest (counted); a larger one keeps more', () => {
  const q = new EventQueue<number>(10);
  for (let i = 0; i < 8; i++) q.push(i);
  q.setBound(3);
  assert.equal(q.dropped, 5);
  assert.deepEqual(q.take(10), [5, 6, 7]);
  q.setBound(2000);
  for (let i = 0; i < 1500; i++) q.push(i);
  assert.equal(q.length, 1500);
  assert.equal(q.take(1)[0], 0);
  q.clear();
  assert.equal(q.length, 0);
});

test('against a plain array: the same items, the same drops, whatever the pushes, takes and bounds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 100, max: 140 })), { maxLength: 300 }), (bound, ops) => {
      const q = new EventQueue<number>(bound);
      let model: number[] = [];
      let cap = bound;
      let dropped = 0;
      let n = 0;
      for (const op of ops) {
        if (op === -1) {
          q.push(n);
          model.push(n++);
          if (model.length > cap) {
            model.shift();
            dropped++;
          }
        } else if (op < 100) assert.deepEqual(q.take(op), model.splice(0, op));
        else {
          cap = op - 99;
          q.setBound(cap);
          if (model.length > cap) {
            dropped += model.length - cap;
            model = model.slice(model.length - cap);
          }
        }
        assert.equal(q.length, model.length);
        assert.equal(q.dropped, dropped);
      }
    }),
    { numRuns: 300 },
  );
});

// Inputs the fuzzing found, fixed in the files it owns: each stays here so the fix stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LAYER, SimulcastSelector } from '../../../src/forwarding/simulcast-selector.js';

test('simulcast-selector: a layer that is no layer index (huge, negative, fractional) is never forwarded and never becomes current', () => {
  let now = 0;
  const selector = new SimulcastSelector(
    () => {},
    () => now,
  );
  // Found: [[115224,false,0,0],[1,true,110,1],[3,false,1606,…]]: every later packet walked an array that long.
  for (const layer of [115_224, 2 ** 32 - 2, MAX_LAYER + 1, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    now += 10;
    assert.equal(selector.accept(layer, true), false, `layer ${layer}`);
    assert.equal(selector.current, -1, `layer ${layer} is not current`);
  }
  // A real layer still is, once the start-up grace for a better layer is over.
  selector.accept(0, false);
  now += 400;
  assert.equal(selector.accept(0, true), true, 'a real layer still is');
  assert.equal(selector.current, 0);
});

test('simulcast-selector: a target beyond the layers there can be, or no number, is clamped or ignored', () => {
  const selector = new SimulcastSelector(() => {});
  selector.setTarget(1e9);
  assert.equal(selector.target, MAX_LAYER);
  selector.setTarget(Number.NaN);
  assert.equal(selector.target, MAX_LAYER, 'NaN leaves the target as it was');
  selector.setTarget(-5);
  assert.equal(selector.target, 0);
  selector.setTarget(1.7);
  assert.equal(selector.target, 1);
});

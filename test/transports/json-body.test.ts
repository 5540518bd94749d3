import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JanusError } from '../../src/core/errors.js';
import { parseJsonSequence } from '../../src/transports/json-body.js';

test('a frame may hold several JSON values one after another', () => {
  assert.deepEqual(parseJsonSequence('{"a":1}{"b":"}{"}\n [1,[2]] "x y" 3 true'), [{ a: 1 }, { b: '}{' }, [1, [2]], 'x y', 3, true]);
  assert.deepEqual(parseJsonSequence('{"s":"quote \\" and brace }"}'), [{ s: 'quote " and brace }' }]);
});

test('malformed parts and empty frames are 454', () => {
  for (const bad of ['', '   ', '{"a":', '{"a":1}{', 'nul', '"open']) {
    assert.throws(() => parseJsonSequence(bad), (err: unknown) => err instanceof JanusError && err.code === 454, bad);
  }
});

test('fuzz: never anything but values or a 454', () => {
  const alphabet = '{}[]":,\\ ab01\n';
  let seed = 99;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 5000; i++) {
    let s = '';
    const len = Math.floor(rand() * 30);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    try {
      assert.ok(Array.isArray(parseJsonSequence(s)));
    } catch (err) {
      assert.ok(err instanceof JanusError && err.code === 454, `${String(err)} for ${JSON.stringify(s)}`);
    }
  }
});

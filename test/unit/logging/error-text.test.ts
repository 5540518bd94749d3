import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorDetail, errorText } from '../../../src/logging/error-text.js';

test('errorText gives an Error its message and any other thrown value as text', () => {
  assert.equal(errorText(new RangeError('out of range')), 'out of range');
  assert.equal(errorText('plain string'), 'plain string');
  assert.equal(errorText(42), '42');
  assert.equal(errorText(undefined), 'undefined');
});

test('errorDetail gives an Error its stack, its message when the stack is gone, and any other value as text', () => {
  const err = new Error('boom');
  assert.equal(errorDetail(err), err.stack);
  const bare = new Error('no stack');
  bare.stack = undefined;
  assert.equal(errorDetail(bare), 'no stack');
  assert.equal(errorDetail(null), 'null');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSafeId, jsonBoundsProblem, STORED_JSON_BOUNDS } from '../../../src/core/json-bounds.js';

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

test('json bounds: depth, count and string length are limited; ordinary values pass', () => {
  assert.equal(jsonBoundsProblem({ display: 'Alice', metadata: { avatar: 'x', tags: ['a', 'b'] } }), undefined);
  assert.equal(jsonBoundsProblem(nested(STORED_JSON_BOUNDS.maxDepth)), undefined);
  assert.match(jsonBoundsProblem(nested(STORED_JSON_BOUNDS.maxDepth + 1)) ?? '', /nested deeper/);
  // The check walks without recursion: a value deep enough to overflow JSON.stringify is judged, not thrown on.
  assert.match(jsonBoundsProblem(nested(200_000)) ?? '', /nested deeper/);
  assert.match(jsonBoundsProblem(Array.from({ length: 20_000 }, () => 1)) ?? '', /more than/);
  assert.match(jsonBoundsProblem('x'.repeat(70_000)) ?? '', /string longer/);
  assert.match(jsonBoundsProblem({ ['k'.repeat(70_000)]: 1 }) ?? '', /key longer/);
});

test('json bounds: any value within the bounds is accepted, and a value that passes can be serialised', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
      const problem = jsonBoundsProblem(v);
      if (problem === undefined) JSON.stringify(v);
      return problem === undefined;
    }),
    { numRuns: 500 },
  );
});

test('safe ids: positive integers JSON carries exactly', () => {
  assert.equal(isSafeId(1), true);
  assert.equal(isSafeId(2 ** 53 - 1), true);
  assert.equal(isSafeId(2 ** 60), false);
  assert.equal(isSafeId(0), false);
  assert.equal(isSafeId(-3), false);
  assert.equal(isSafeId(1.5), false);
  assert.equal(isSafeId('12'), false);
});

// The short fuzz run of `npm test`: every parser target (targets.ts), a few thousand inputs each, no crash, no hang.
// `npm run fuzz` runs the same targets for a million inputs each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz } from '../../fuzz/engine.js';
import { TARGETS } from '../../fuzz/targets.js';

const RUNS = Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 3000);

for (const t of TARGETS) {
  test(`fuzz ${t.name} (${t.source}): ${RUNS} random and mutated inputs, no crash, no hang`, () => {
    const r = fuzz(t, RUNS);
    assert.equal(r.failure, undefined, r.failure);
  });
}

// The one keyframe-request throttle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEYFRAME_REQUEST_INTERVAL_MS, KEYFRAME_RETRY_INTERVAL_MS, KeyframeRequester } from '../../../src/forwarding/keyframe-requester.js';

test('at most one request per interval; the first goes out at once; force goes out anyway', () => {
  let t = 1_000_000;
  let sent = 0;
  const r = new KeyframeRequester(
    () => void sent++,
    500,
    () => t,
  );
  assert.equal(r.request(), true);
  assert.equal(r.request(), false);
  t += 499;
  assert.equal(r.request(), false);
  t += 1;
  assert.equal(r.request(), true, 'once the interval has passed');
  assert.equal(r.request(true), true, 'forced');
  t += 499;
  assert.equal(r.request(), false, 'a forced request counts as the last one');
  assert.equal(sent, 3);
  r.reset();
  assert.equal(r.request(), true, 'after a reset the next ask goes out');
});

test('a request the sender could not take (nobody to ask yet) does not hold the next one back', () => {
  let t = 0;
  let reachable = false;
  let sent = 0;
  const r = new KeyframeRequester(
    () => (reachable ? void sent++ : false),
    500,
    () => t,
  );
  assert.equal(r.request(), false);
  reachable = true;
  t += 10;
  assert.equal(r.request(), true);
  assert.equal(sent, 1);
});

test('the intervals the old copies used: 500 ms for switches and joins, 1000 ms for the SVC retry', () => {
  assert.equal(KEYFRAME_REQUEST_INTERVAL_MS, 500);
  assert.equal(KEYFRAME_RETRY_INTERVAL_MS, 1000);
  assert.equal(new KeyframeRequester(() => {}).intervalMs, 500);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_EVENTS, maskText, parseEventMask } from '../../../src/events/event-mask.js';

test("the events mask: Janus's labels, all and none, spaces and case ignored, unknown names reported", () => {
  assert.deepEqual(parseEventMask('none'), { mask: 0, unknown: [] });
  assert.deepEqual(parseEventMask(' ALL '), { mask: ALL_EVENTS, unknown: [] });
  assert.equal(parseEventMask('sessions').mask, 1);
  assert.equal(parseEventMask('sessions,handles,external,jsep,webrtc,media,plugins,transports,core').mask, ALL_EVENTS);
  assert.equal(parseEventMask(' Jsep , WEBRTC,,media ').mask, 8 | 16 | 32);
  assert.deepEqual(parseEventMask('sessions,bogus,all'), { mask: 1, unknown: ['bogus', 'all'] }, 'all and none count only alone, as in Janus');
  assert.deepEqual(parseEventMask(''), { mask: 0, unknown: [] });
  assert.equal(parseEventMask(Array.from({ length: 40 }, (_, i) => `x${i}`).join(',')).unknown.length, 16, 'a bounded report');
});

test('a mask back to its labels', () => {
  assert.equal(maskText(0), 'none');
  assert.equal(maskText(ALL_EVENTS), 'all');
  assert.equal(maskText(0xffffffff), 'all');
  assert.equal(maskText(4 | 1 | 256), 'sessions,external,core');
});

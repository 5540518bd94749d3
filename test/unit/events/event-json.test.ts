import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventText, parseJsonStyle } from '../../../src/events/event-json.js';

test("the json setting: compact, plain and indented (Janus's names; pretty is indented)", () => {
  const v = { a: 1, b: [true, null, 'x'], c: {} };
  assert.equal(eventText(v, 'compact'), '{"a":1,"b":[true,null,"x"],"c":{}}');
  assert.equal(eventText(v, 'plain'), '{"a": 1, "b": [true, null, "x"], "c": {}}');
  assert.equal(eventText([v], 'indented'), JSON.stringify([v], null, 3));
  assert.equal(eventText({ u: undefined, f: [undefined] }, 'plain'), '{"f": [null]}', 'as JSON.stringify leaves undefined out');
  assert.equal(parseJsonStyle(' Pretty '), 'indented');
  assert.equal(parseJsonStyle('plain'), 'plain');
  assert.equal(parseJsonStyle('fancy'), undefined);
});

// The messages plugins exchange between nodes, read as untrusted input: requests and answers (size bound, JSON
// objects, node names), and the shared records' keys and stored values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage, MAX_NODE_MESSAGE, readAnswer, readRequest } from '../../../src/cluster/node-requests.js';
import { parseRecordKey, readRecord, recordKey } from '../../../src/cluster/shared-records.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('node requests: a request names its node and carries an object; anything else is not one', () => {
  assert.deepEqual(readRequest(encodeMessage({ from: 'node-1', body: { request: 'x' } })), { from: 'node-1', body: { request: 'x' } });
  for (const bad of ['', 'null', '[]', '{"from":"a.b","body":{}}', '{"from":"a","body":[]}', '{"body":{}}', '{"from":"a"}', 'not json']) {
    assert.equal(readRequest(bytes(bad)), undefined, bad);
  }
  const huge = bytes(JSON.stringify({ from: 'a', body: { x: 'y'.repeat(MAX_NODE_MESSAGE) } }));
  assert.equal(readRequest(huge), undefined);
});

test('node requests: an answer is an object or an error; anything else is an error answer', () => {
  assert.deepEqual(readAnswer(encodeMessage({ ok: { videoroom: 'success' } })), { ok: { videoroom: 'success' } });
  assert.deepEqual(readAnswer(encodeMessage({ error: 'no' })), { error: 'no' });
  assert.deepEqual(readAnswer(bytes('{"ok":5}')), { error: 'malformed answer' });
  assert.deepEqual(readAnswer(bytes('garbage')), { error: 'malformed answer' });
  assert.deepEqual(readAnswer(new Uint8Array(MAX_NODE_MESSAGE + 1)), { error: 'answer too large' });
  assert.equal((readAnswer(encodeMessage({ error: 'e'.repeat(5000) })) as { error: string }).error.length, 1000);
});

test('shared records: any key round-trips through a bucket key; stored values are checked', () => {
  for (const key of ['1234', 'a room.with*dots>', '', 'é']) {
    const token = recordKey(key);
    assert.match(token, /^k[A-Za-z0-9_-]*$/);
    assert.equal(parseRecordKey(token), key);
  }
  assert.equal(parseRecordKey('x.y'), undefined);
  assert.deepEqual(readRecord(bytes('{"by":"n1","value":{"a":1}}')), { by: 'n1', value: { a: 1 } });
  for (const bad of ['{"by":"n.1","value":{}}', '{"by":"n1","value":3}', '{"value":{}}', '[]', 'x']) assert.equal(readRecord(bytes(bad)), undefined, bad);
});

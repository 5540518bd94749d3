import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JanusError } from '../../../src/core/errors.js';
import { parseJsonSequence } from '../../../src/transports/json-body.js';

test('a frame may hold several JSON values one after another', () => {
  assert.deepEqual(parseJsonSequence('{"a":1}{"b":"}{"}\n [1,[2]] "x y" 3 true'), [{ a: 1 }, { b: '}{' }, [1, [2]], 'x y', 3, true]);
  assert.deepEqual(parseJsonSequence('{"s":"quote \\" and brace }"}'), [{ s: 'quote " and brace }' }]);
});

test('malformed parts and empty frames are 454', () => {
  for (const bad of ['', '   ', '{"a":', '{"a":1}{', 'nul', '"open']) {
    assert.throws(
      () => parseJsonSequence(bad),
      (err: unknown) => err instanceof JanusError && err.code === 454,
      bad,
    );
  }
});

test('fuzz: never anything but values or a 454', () => {
  const alphabet = '{}[]":,\\ ab01\n';
  let seed = 99;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
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

test('jsonTextDepth equals the nesting of any JSON value, brackets inside strings ignored', async () => {
  const { default: fc } = await import('fast-check');
  const { jsonTextDepth } = await import('../../../src/transports/json-body.js');
  const depthOf = (v: unknown): number => (typeof v !== 'object' || v === null ? 0 : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v)).map(depthOf)));
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => jsonTextDepth(JSON.stringify(v)) === depthOf(v)),
    { numRuns: 500 },
  );
  assert.equal(jsonTextDepth('{"a":"[[[{{\\"]]"}'), 1);
});

test('parseJsonRequest: nesting beyond the bound is 454 and too many values 455, never a parser exception', async () => {
  const { default: fc } = await import('fast-check');
  const { parseJsonRequest } = await import('../../../src/transports/json-body.js');
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  assert.throws(
    () => parseJsonRequest(deep),
    (err: unknown) => err instanceof JanusError && err.code === 454 && /nested deeper than 48/.test(err.reason),
  );
  assert.throws(
    () => parseJsonRequest(JSON.stringify(new Array(200_000).fill(1))),
    (err: unknown) => err instanceof JanusError && err.code === 455,
  );
  assert.deepEqual(parseJsonRequest('[[[[1]]]]'), [[[[1]]]]);
  const bracketsAndNoise = fc.array(fc.constantFrom('[', ']', '{', '}', '"', ':', ',', '1', ' ', '\\', 'a'), { maxLength: 400 }).map((a) => a.join(''));
  fc.assert(
    fc.property(
      fc.oneof(
        bracketsAndNoise,
        fc.integer({ min: 40, max: 3000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
      ),
      (text) => {
        try {
          parseJsonRequest(text);
        } catch (err) {
          return err instanceof JanusError && (err.code === 454 || err.code === 455) && !/call stack/i.test(err.reason);
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
});

test('serializeForClient: an unserializable reply becomes a neutral 490 for its transaction; an event is dropped', async () => {
  const { serializeForClient } = await import('../../../src/transports/json-body.js');
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 50_000; i++) deep = { d: deep };
  const faults: unknown[] = [];
  const reply = serializeForClient({ janus: 'success', transaction: 't1', session_id: 7, plugindata: { data: deep } }, 'compact', (e) => faults.push(e));
  assert.deepEqual(JSON.parse(reply ?? 'null'), { janus: 'error', session_id: 7, transaction: 't1', error: { code: 490, reason: 'Internal error' } });
  assert.equal(
    serializeForClient({ janus: 'event', plugindata: { data: deep } }, 'compact', (e) => faults.push(e)),
    undefined,
  );
  assert.equal(
    serializeForClient({ janus: 'event', big: 10n }, 'compact', (e) => faults.push(e)),
    undefined,
  );
  assert.equal(faults.length, 3);
  assert.equal(
    serializeForClient({ janus: 'ack', transaction: 'ok' }, 'compact', (e) => faults.push(e)),
    '{"janus":"ack","transaction":"ok"}',
  );
});

test('one WebSocket message may carry at most 1000 requests (454 beyond)', () => {
  assert.equal(parseJsonSequence('{}'.repeat(1000)).length, 1000);
  assert.throws(
    () => parseJsonSequence('1 '.repeat(1001)),
    (err: unknown) => err instanceof JanusError && err.code === 454 && /more than 1000 requests/.test(err.reason),
  );
});

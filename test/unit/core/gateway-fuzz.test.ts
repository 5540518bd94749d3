// Property: whatever a client sends, the gateway answers exactly once, with a known Janus code, no exception
// text, no internal fault, and echoes only ids and transactions that are within bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode } from '../../../src/core/errors.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { createSession, makeGateway } from './fixtures.js';

const KNOWN_CODES = new Set<number>([...Object.values(ErrorCode), 411, 412, 413, 414, 415, 416, 417, 418, 419, 420]);
const EXCEPTION_TEXT = /TypeError|RangeError|ReferenceError|SyntaxError|call stack|\bat .*\.js:\d+|Cannot read prop|undefined is not/;

test('fuzz: any request gets one well-formed answer and never an internal fault', async () => {
  const t = makeGateway();
  const s = await createSession(t);
  const h = ((await t.call({ janus: 'attach', transaction: 'a', session_id: s, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
  const id = fc.oneof(fc.constant(s), fc.constant(h), fc.integer(), fc.double(), fc.constant(2 ** 60), fc.constant(-1), fc.string({ maxLength: 5 }), fc.constant(null));
  const verb = fc.constantFrom('info', 'ping', 'create', 'attach', 'detach', 'hangup', 'message', 'trickle', 'keepalive', 'claim', 'destroy', 'KEEPALIVE', 'nope');
  const request = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      {
        janus: fc.oneof(verb, fc.jsonValue({ maxDepth: 1 })),
        transaction: fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 1020, maxLength: 1100 }), fc.integer()),
        session_id: id,
        handle_id: id,
        plugin: fc.oneof(fc.constant('janus.plugin.echotest'), fc.string({ maxLength: 300 })),
        opaque_id: fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 1020, maxLength: 1100 }), fc.integer()),
        body: fc.oneof(fc.object({ maxDepth: 3 }), fc.record({ audio: fc.jsonValue({ maxDepth: 1 }), bitrate: fc.jsonValue({ maxDepth: 1 }), video: fc.jsonValue({ maxDepth: 1 }) })),
        jsep: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ type: fc.constantFrom('offer', 'answer', 'x'), sdp: fc.string({ maxLength: 40 }) })),
        candidate: fc.jsonValue({ maxDepth: 2 }),
        candidates: fc.jsonValue({ maxDepth: 2 }),
        token: fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 4090, maxLength: 4200 })),
      },
      { requiredKeys: [] },
    ),
  );
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      // destroy/detach/hangup would end the session or handle the next runs aim at.
      if (typeof r === 'object' && r !== null && !Array.isArray(r) && typeof (r as JsonObject).janus === 'string' && /destroy|detach/i.test((r as JsonObject).janus as string)) return;
      const replies: JsonObject[] = [];
      await t.gateway.handle(t.sink, r, (reply) => replies.push(reply));
      assert.equal(replies.length, 1);
      const reply = replies[0];
      if (reply.janus === 'error') {
        const e = reply.error as { code: number; reason: string };
        assert.ok(KNOWN_CODES.has(e.code), `code ${e.code}`);
        assert.doesNotMatch(e.reason, EXCEPTION_TEXT);
        assert.ok(e.reason.length < 300, 'short reason');
      }
      if (reply.transaction !== undefined) {
        assert.equal(reply.transaction, (r as JsonObject).transaction);
        assert.ok((reply.transaction as string).length <= 1024);
      }
      if (reply.session_id !== undefined) assert.ok(Number.isSafeInteger(reply.session_id));
      assert.equal(t.gateway.stats.internalFaults, 0);
    }),
    { numRuns: 1500 },
  );
});

// The STUN reader and the check of Binding requests (RFC 8445 §7.3, RFC 8489 §14.5/§14.7): what a real ICE agent
// sends passes, anything without our credentials is refused with the right answer, and no input makes the reader
// read outside the datagram or throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Message, classes, methods, parseMessage } from 'werift';
import { buildBindingError, fingerprintValid, integrityValid, MAX_STUN_ATTRIBUTES, readStunMessage, verifyBindingRequest, type StunMessage } from '../../../src/media/stun-message.js';
import { bindingRequest } from '../../helpers/stun-requests.js';

const OURS = { ufrag: 'srv1', password: 'server-password-0123456789' };
const credentials = { passwordOf: (u: string) => (u === OURS.ufrag ? OURS.password : undefined) };

function read(b: Buffer): StunMessage {
  const m = readStunMessage(b);
  if (typeof m === 'string') assert.fail(m);
  return m;
}

/** The reader's reason for refusing `b`; 'accepted' when it took it. */
function refusal(b: Buffer): string {
  const m = readStunMessage(b);
  return typeof m === 'string' ? m : 'accepted';
}

test("a check signed by another ICE implementation (werift's) with our credentials passes", () => {
  const msg = new Message(methods.BINDING, classes.REQUEST);
  msg.setAttribute('USERNAME', `${OURS.ufrag}:peer`).setAttribute('PRIORITY', 1853824767).setAttribute('USE-CANDIDATE', null).addMessageIntegrity(Buffer.from(OURS.password)).addFingerprint();
  const b = Buffer.from(msg.bytes);
  const verdict = verifyBindingRequest(b, read(b), credentials);
  assert.deepEqual(verdict, { ok: true, ufrag: OURS.ufrag, useCandidate: true });
});

test('our own request builder and the verifier agree; each missing or wrong part gets its answer', () => {
  const good = bindingRequest({ username: `${OURS.ufrag}:peer`, password: OURS.password });
  assert.equal(verifyBindingRequest(good, read(good), credentials).ok, true);
  const cases: [string, Buffer, 400 | 401 | undefined][] = [
    ['no USERNAME', bindingRequest({ password: OURS.password }), 400],
    ['no MESSAGE-INTEGRITY', bindingRequest({ username: `${OURS.ufrag}:peer` }), 400],
    ["someone else's ufrag", bindingRequest({ username: 'other:peer', password: OURS.password }), 401],
    ['our ufrag alone', bindingRequest({ username: `${OURS.ufrag}:`, password: OURS.password }), 401],
    ['the wrong password', bindingRequest({ username: `${OURS.ufrag}:peer`, password: 'guess' }), 401],
  ];
  for (const [what, b, code] of cases) {
    const verdict = verifyBindingRequest(b, read(b), credentials);
    assert.equal(verdict.ok, false, what);
    if (!verdict.ok) assert.equal(verdict.code, code, what);
  }
  // A flipped bit anywhere before the FINGERPRINT: the fingerprint no longer matches, and that is silence.
  const flipped = Buffer.from(good);
  flipped[30] ^= 1;
  const verdict = verifyBindingRequest(flipped, read(flipped), credentials);
  assert.equal(verdict.ok, false);
  if (!verdict.ok) assert.equal(verdict.code, undefined);
  // Without a FINGERPRINT the integrity alone decides.
  const noFp = bindingRequest({ username: `${OURS.ufrag}:peer`, password: OURS.password, fingerprint: false });
  assert.equal(verifyBindingRequest(noFp, read(noFp), credentials).ok, true);
  const noFpFlipped = Buffer.from(noFp);
  noFpFlipped[noFp.length - 25] ^= 1;
  const v2 = verifyBindingRequest(noFpFlipped, read(noFpFlipped), credentials);
  assert.ok(!v2.ok && v2.code === 401);
});

test('the error response is a Binding error with the code, our fingerprint and the transaction id', () => {
  const req = read(bindingRequest({ username: 'x:y' }));
  for (const code of [400, 401] as const) {
    const b = buildBindingError(req, code);
    const m = read(b);
    assert.equal(m.cls, 'error');
    assert.equal(m.method, 1);
    assert.ok(m.transactionId.equals(req.transactionId));
    assert.ok(fingerprintValid(b, m));
    const err = m.attributes.find((a) => a.type === 0x0009)!;
    assert.equal(b[err.at + 6] * 100 + b[err.at + 7], code);
    assert.ok(!m.attributes.some((a) => a.type === 0x0008), 'no MESSAGE-INTEGRITY: we cannot prove anything to a stranger');
    // The other side's stack reads it (werift's parser checks the fingerprint too).
    const parsed = parseMessage(b);
    assert.ok(parsed);
    assert.deepEqual(parsed.getAttributeValue('ERROR-CODE'), [code, code === 400 ? 'Bad Request' : 'Unauthorized']);
  }
});

test('the reader refuses lengths that do not match the datagram, overlong attributes, and too many of them', () => {
  const good = bindingRequest({ username: `${OURS.ufrag}:peer`, password: OURS.password });
  const longer = Buffer.from(good);
  longer.writeUInt16BE(good.length - 20 + 4, 2);
  assert.match(refusal(longer), /length/);
  const attrPastEnd = Buffer.from(good);
  attrPastEnd.writeUInt16BE(0x7000, 22); // the first attribute's length
  assert.match(refusal(attrPastEnd), /past the end/);
  const many = Buffer.alloc(20 + 4 * (MAX_STUN_ATTRIBUTES + 1));
  many.writeUInt16BE(0x0001, 0);
  many.writeUInt16BE(many.length - 20, 2);
  many.writeUInt32BE(0x2112a442, 4);
  for (let at = 20; at < many.length; at += 4) many.writeUInt16BE(0x8022, at); // empty SOFTWARE attributes
  assert.match(refusal(many), /too many/);
  const huge = Buffer.alloc(4000);
  good.copy(huge);
  huge.writeUInt16BE(huge.length - 20, 2);
  assert.match(refusal(huge), /larger/);
  const truncated = good.subarray(0, 19);
  assert.match(refusal(truncated), /shorter/);
});

test('property: the reader never throws and every attribute it returns lies inside the datagram', () => {
  const seed = bindingRequest({ username: `${OURS.ufrag}:peer`, password: OURS.password, useCandidate: true });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((edits) => {
          const b = Buffer.from(seed);
          for (const [at, v] of edits) b[at % b.length] = v;
          return b;
        }),
      ),
      (b) => {
        const m = readStunMessage(b);
        if (typeof m === 'string') return;
        assert.ok(m.attributes.length <= MAX_STUN_ATTRIBUTES);
        for (const a of m.attributes) assert.ok(a.at + 4 + a.length <= b.length);
        // Verifying never throws either, and a mutated request never passes unless it is the original.
        const verdict = verifyBindingRequest(b, m, credentials);
        if (verdict.ok) assert.ok(integrityValid(b, m, OURS.password));
      },
    ),
    { numRuns: 3000 },
  );
});

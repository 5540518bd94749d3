// The gate in front of the WebRTC stack, with a scripted ICE agent: which sources may send DTLS/SRTP before and after
// a pair is selected, which checks pass and what the others are answered, when consent is renewed, and how an
// ICE-lite agent follows a nomination from a new address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InboundCounters, InboundGuard, type GuardedIceAgent } from '../../../src/media/inbound-guard.js';
import { parseMessage } from 'werift';
import { parseBindingResponse } from '../../../src/media/stun-binding.js';
import { fingerprintValid, integrityValid, readStunMessage } from '../../../src/media/stun-message.js';
import { bindingRequest } from '../../helpers/stun-requests.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

type Address = Readonly<[string, number]>;
const SOCKET = {};
const OTHER_SOCKET = {};
const PEER: Address = ['127.0.0.1', 5000];
const SIGNALLED: Address = ['127.0.0.1', 5001];
const STRANGER: Address = ['127.0.0.1', 6666];

function setup(lite = true): {
  guard: InboundGuard;
  counters: InboundCounters;
  agent: GuardedIceAgent & { pair?: { transport: object; address: Address }; connected: boolean; forgotten: number; restarting: boolean };
} {
  const agent = {
    pair: undefined as { transport: object; address: Address } | undefined,
    connected: false,
    forgotten: 0,
    /** An ICE restart whose generation ('srv1') the stack has selected no pair of yet: `pair` is the old one. */
    restarting: false,
    passwordOf: (u: string) => (u === 'srv1' ? 'server-password-0123456789' : u === 'old0' ? 'old-password-0123456789' : undefined),
    remotePassword: () => 'client-password-0123456789',
    selected() {
      return this.pair;
    },
    isKnownRemote: (a: Address) => [PEER, SIGNALLED].some((k) => k[0] === a[0] && k[1] === a[1]),
    dtlsConnected() {
      return this.connected;
    },
    lite,
    forgetSelected() {
      this.forgotten++;
      this.pair = undefined;
    },
    awaitsNomination(ufrag: string) {
      return this.restarting && ufrag === 'srv1';
    },
  };
  const counters = new InboundCounters(() => {});
  const guard = new InboundGuard(agent, counters, () => {});
  return { guard, counters, agent };
}

const srtpLike = (): Buffer => rtpPacket({ payloadType: 111, ssrc: 0, payload: Buffer.alloc(28) });
const appData = (): Buffer => Buffer.concat([Buffer.from([23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 5, 0, 30]), Buffer.alloc(30)]);

test('before selection DTLS/SRTP only from known candidates; after, only from the selected pair on its socket', () => {
  const { guard, counters, agent } = setup();
  const reply = (): void => {};
  assert.ok(guard.admit(appData(), PEER, SOCKET, reply));
  assert.ok(guard.admit(srtpLike(), SIGNALLED, SOCKET, reply));
  assert.equal(guard.admit(appData(), STRANGER, SOCKET, reply), undefined);
  agent.pair = { transport: SOCKET, address: PEER };
  assert.ok(guard.admit(srtpLike(), PEER, SOCKET, reply));
  assert.equal(guard.admit(srtpLike(), SIGNALLED, SOCKET, reply), undefined);
  assert.equal(guard.admit(srtpLike(), PEER, OTHER_SOCKET, reply), undefined);
  assert.deepEqual(counters.dropped, { malformed: 0, unauthenticated: 0, unselected_source: 3, unknown_kind: 0 });
  assert.equal(guard.admit(Buffer.from([70, 1, 2, 3]), PEER, SOCKET, reply), undefined);
  assert.equal(counters.dropped.unknown_kind, 1);
});

test('after selection, a pair the peer proved with our credentials may carry DTLS/SRTP too (a full-ICE peer may nominate another pair than the stack keeps)', () => {
  const { guard, counters, agent } = setup(false);
  const reply = (): void => {};
  agent.pair = { transport: SOCKET, address: PEER };
  assert.equal(guard.admit(srtpLike(), SIGNALLED, SOCKET, reply), undefined, 'signalled only: refused');
  assert.ok(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789' }), SIGNALLED, SOCKET, reply));
  assert.ok(guard.admit(srtpLike(), SIGNALLED, SOCKET, reply), 'after an authenticated check from there: taken');
  assert.ok(guard.admit(appData(), SIGNALLED, SOCKET, reply));
  assert.equal(guard.admit(srtpLike(), SIGNALLED, OTHER_SOCKET, reply), undefined, 'only on the socket the check came to');
  // A check without our credentials proves nothing.
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'wrong' }), STRANGER, SOCKET, reply), undefined);
  assert.equal(guard.admit(appData(), STRANGER, SOCKET, reply), undefined);
  assert.equal(counters.dropped.unselected_source, 3);
});

test('checks need our credentials: 400/401 answers (rate-limited), nothing passed on, no consent', () => {
  const { guard, counters, agent } = setup();
  agent.pair = { transport: SOCKET, address: PEER };
  const replies: Buffer[] = [];
  const reply = (b: Buffer): void => void replies.push(b);
  const good = bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789' });
  // A consent check on the selected pair (ICE-lite) is answered by the guard, not passed on.
  assert.equal(guard.admit(good, PEER, SOCKET, reply), undefined);
  const consent = counters.consentAt;
  assert.ok(consent > 0);
  // An earlier generation's credentials still authenticate (an ICE restart in progress).
  assert.equal(guard.admit(bindingRequest({ username: 'old0:cli1', password: 'old-password-0123456789' }), PEER, SOCKET, reply), undefined);
  assert.equal(counters.consentAnswered, 2);
  assert.equal(counters.total(), 0, 'answered checks are not refusals');
  replies.length = 0;
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1' }), PEER, SOCKET, reply), undefined);
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'wrong' }), STRANGER, SOCKET, reply), undefined);
  assert.deepEqual(
    replies.map((r) => r[26] * 100 + r[27]),
    [400, 401],
  );
  for (let i = 0; i < 100; i++) guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'wrong' }), STRANGER, SOCKET, reply);
  assert.ok(replies.length <= 20, `error responses are rate-limited (${replies.length})`);
  assert.equal(counters.dropped.unauthenticated, 102);
  assert.equal(agent.forgotten, 0);
});

test('ICE-lite: an authenticated nomination from another address moves the selection; an unauthenticated one does not', () => {
  const { guard, agent } = setup(true);
  agent.pair = { transport: SOCKET, address: PEER };
  const reply = (): void => {};
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'nope', useCandidate: true }), STRANGER, SOCKET, reply), undefined);
  assert.equal(agent.forgotten, 0);
  assert.ok(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', useCandidate: true }), STRANGER, SOCKET, reply));
  assert.equal(agent.forgotten, 1);
  // Full ICE agents nominate by their own rules: the guard never forgets their selection.
  const full = setup(false);
  full.agent.pair = { transport: SOCKET, address: PEER };
  assert.ok(full.guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', useCandidate: true }), STRANGER, SOCKET, reply));
  assert.equal(full.agent.forgotten, 0);
});

test('ICE-lite through an ICE restart: the old pair still carries media and its old-generation consent is answered here; a check of the new generation from that same address goes to the stack, which selects from it', () => {
  const { guard, counters, agent } = setup(true);
  agent.pair = { transport: SOCKET, address: PEER };
  agent.restarting = true;
  const replies: Buffer[] = [];
  const reply = (b: Buffer): void => void replies.push(b);
  assert.ok(guard.admit(srtpLike(), PEER, SOCKET, reply), 'media on the pair of the previous generation');
  assert.equal(guard.admit(bindingRequest({ username: 'old0:cli0', password: 'old-password-0123456789', useCandidate: true }), PEER, SOCKET, reply), undefined);
  assert.equal(counters.consentAnswered, 1, 'old-generation consent answered by the guard');
  const fresh = bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', useCandidate: true });
  assert.equal(guard.admit(fresh, PEER, SOCKET, reply), fresh, 'the new generation nominating the same address reaches the stack');
  assert.equal(counters.consentAnswered, 1);
  assert.equal(agent.forgotten, 0);
  // Once the stack selected its pair, checks on it are consent again.
  agent.restarting = false;
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', useCandidate: true }), PEER, SOCKET, reply), undefined);
  assert.equal(counters.consentAnswered, 2);
  assert.equal(replies.length, 2);
});

test('partial DTLS handshake fragments are bounded per agent; other DTLS still passes', () => {
  const { guard, counters } = setup();
  const reply = (): void => {};
  // A record with one partial fragment (10 bytes of a 1000-byte message).
  const fragment = Buffer.concat([Buffer.from([11, 0, 0x03, 0xe8, 0, 1, 0, 0, 0, 0, 0, 10]), Buffer.alloc(10)]);
  const record = Buffer.concat([Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, fragment.length]), fragment]);
  let passed = 0;
  for (let i = 0; i < 100; i++) if (guard.admit(record, PEER, SOCKET, reply)) passed++;
  assert.equal(passed, 64);
  assert.equal(counters.dropped.malformed, 36);
  assert.ok(guard.admit(appData(), PEER, SOCKET, reply));
});

test('media is checked the way the stack demultiplexes it: second byte 209-223 is RTP to werift', () => {
  const { guard, counters } = setup();
  const reply = (): void => {};
  const deadly = Buffer.from('906f3f3000000000000004d2bedeffff21a9364b82bfbf8419de71', 'hex');
  for (const second of [0x6f, 0xd1, 0xdf]) {
    const b = Buffer.from(deadly);
    b[1] = second;
    assert.equal(guard.admit(b, PEER, SOCKET, reply), undefined, `second byte ${second}`);
  }
  assert.equal(counters.dropped.malformed, 3);
  // Second byte 200 (SR): only the SRTCP header is in the clear.
  const sr = Buffer.alloc(8 + 20 + 14);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(6, 2);
  assert.ok(guard.admit(sr, PEER, SOCKET, reply));
});

test('once DTLS is up, plaintext records are cut out of DTLS datagrams and counted', () => {
  const { guard, counters, agent } = setup();
  agent.pair = { transport: SOCKET, address: PEER };
  agent.connected = true;
  const reply = (): void => {};
  const closeNotify = Buffer.from([21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0]);
  assert.equal(guard.admit(closeNotify, PEER, SOCKET, reply), undefined);
  const app = appData();
  assert.equal(guard.admit(app, PEER, SOCKET, reply), app);
  assert.deepEqual(guard.admit(Buffer.concat([closeNotify, app]), PEER, SOCKET, reply), app);
  assert.equal(counters.dropped.malformed, 2);
});

test('ICE-lite consent on the selected pair is answered by the guard: a success with our integrity, the mapped address and a fingerprint; other pairs, role conflicts and full ICE go to the stack', () => {
  const { guard, counters, agent } = setup(true);
  agent.pair = { transport: SOCKET, address: PEER };
  const replies: Buffer[] = [];
  const reply = (b: Buffer, to: Address): void => {
    assert.deepEqual(to, PEER);
    replies.push(b);
  };
  const txid = Buffer.alloc(12, 7);
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', transactionId: txid }), PEER, SOCKET, reply), undefined);
  assert.equal(replies.length, 1);
  const answer = replies[0];
  const msg = readStunMessage(answer);
  assert.ok(typeof msg !== 'string' && msg.cls === 'success' && msg.method === 1, JSON.stringify(msg));
  assert.ok(integrityValid(answer, msg, 'server-password-0123456789'), 'MESSAGE-INTEGRITY with our password');
  assert.ok(fingerprintValid(answer, msg) && msg.attributes.some((a) => a.type === 0x8028), 'FINGERPRINT');
  assert.deepEqual(parseBindingResponse(answer, txid), { address: PEER[0], port: PEER[1] });
  // The peer's stack (werift here) takes it: integrity with our password, fingerprint, the address.
  const parsed = parseMessage(answer, Buffer.from('server-password-0123456789', 'utf8'));
  assert.ok(parsed, 'werift accepts the answer');
  assert.deepEqual(parsed.getAttributeValue('XOR-MAPPED-ADDRESS'), [PEER[0], PEER[1]]);
  // A browser keeps USE-CANDIDATE on its checks of the selected pair: that is consent too.
  assert.equal(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', useCandidate: true }), PEER, SOCKET, reply), undefined);
  assert.equal(counters.consentAnswered, 2);
  // What the stack must see: a check on another pair, a nomination of another pair.
  assert.ok(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789' }), PEER, OTHER_SOCKET, reply));
  assert.ok(guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', useCandidate: true }), SIGNALLED, SOCKET, reply));
  assert.equal(agent.forgotten, 1, 'the other nomination moves the selection');
  agent.pair = { transport: SOCKET, address: PEER };
  // A check without ICE-CONTROLLING (a role conflict for a lite agent) is the stack's too.
  const conflict = bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789', controlled: true });
  assert.ok(guard.admit(conflict, PEER, SOCKET, reply));
  assert.equal(counters.consentAnswered, 2);
  // Full ICE: every check goes to the stack.
  const full = setup(false);
  full.agent.pair = { transport: SOCKET, address: PEER };
  assert.ok(full.guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789' }), PEER, SOCKET, reply));
  assert.equal(full.counters.consentAnswered, 0);
});

test('the guard answers an IPv6 peer with its IPv6 mapped address', () => {
  const { guard, agent } = setup(true);
  const peer6: Address = ['2001:db8::7', 40000];
  agent.pair = { transport: SOCKET, address: peer6 };
  const replies: Buffer[] = [];
  assert.equal(
    guard.admit(bindingRequest({ username: 'srv1:cli1', password: 'server-password-0123456789' }), peer6, SOCKET, (b) => void replies.push(b)),
    undefined,
  );
  const parsed = parseMessage(replies[0], Buffer.from('server-password-0123456789', 'utf8'));
  assert.ok(parsed);
  assert.deepEqual(parsed.getAttributeValue('XOR-MAPPED-ADDRESS'), ['2001:db8::7', 40000]);
});

// The shared ICE port's routing: an address belongs to the endpoint whose credentials it proved, and nothing from
// an address reaches an endpoint it did not prove; answers come back where checks went; leaving frees everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedIcePort } from '../../../src/media/shared-ice-port.js';
import type { SharedPortEndpoint } from '../../../src/media/shared-port-endpoint.js';
import type { UdpEndpoint, UdpMessageHandler, UdpSource } from '../../../src/net/udp-endpoint.js';
import { bindingRequest } from '../../helpers/stun-requests.js';

interface Socket extends UdpEndpoint {
  inject(data: Buffer, from: UdpSource): void;
  readonly sent: Array<{ port: number; address: string }>;
}

function socket(): Socket {
  let handler: UdpMessageHandler | undefined;
  const sent: Array<{ port: number; address: string }> = [];
  return {
    family: 4,
    address: '127.0.0.1',
    port: 10000,
    dualStack: false,
    closed: false,
    sent,
    send: (_p, port, address) => void sent.push({ port, address }),
    sendPrefix: (_p, _l, port, address) => void sent.push({ port, address }),
    sendSoon: (_p, _l, port, address) => void sent.push({ port, address }),
    sendParts: (_p, port, address) => void sent.push({ port, address }),
    onMessage: (h) => (handler = h),
    onError: () => {},
    close: () => Promise.resolve(),
    inject: (data, from) => handler?.(data, from),
  };
}

function member(port: SharedIcePort, ufrag: string, password: string): { endpoint: SharedPortEndpoint; got: string[] } {
  const endpoint = port.join(`agent ${ufrag}`);
  endpoint.claimUfrag(ufrag, password);
  const got: string[] = [];
  endpoint.onMessage((data, from) => got.push(`${data[0] < 4 ? 'stun' : `rtp:${data.subarray(1).toString()}`}@${from.address}:${from.port}`));
  return { endpoint, got };
}

const X = { address: '192.0.2.1', port: 5000 };
const Y = { address: '192.0.2.1', port: 5001 };
const check = (ufrag: string, password: string): Buffer => bindingRequest({ username: `${ufrag}:remote`, password });
const media = (text: string): Buffer => Buffer.concat([Buffer.from([0x80]), Buffer.from(text)]);

test('an address is routed to the endpoint whose ufrag and password it proved, and to no other', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'aaaa', 'password-of-a-0123456');
  const b = member(port, 'bbbb', 'password-of-b-0123456');
  s.inject(media('before'), X);
  assert.deepEqual([a.got, b.got], [[], []], 'nothing is delivered before a check proves the address');
  assert.equal(port.counters.dropped.unknown_source, 1);
  s.inject(check('aaaa', 'password-of-a-0123456'), X);
  s.inject(media('one'), X);
  assert.deepEqual(a.got, ['stun@192.0.2.1:5000', 'rtp:one@192.0.2.1:5000']);
  assert.deepEqual(b.got, []);
  // B's ufrag with a password that is not B's, from A's address: dropped here, B never sees it.
  s.inject(check('bbbb', 'password-of-a-0123456'), X);
  s.inject(check('cccc', 'whatever-password-00000'), X);
  assert.deepEqual(b.got, []);
  assert.equal(port.counters.dropped.bad_integrity, 1);
  assert.equal(port.counters.dropped.unknown_ufrag, 1);
  s.inject(media('two'), X);
  assert.equal(a.got.at(-1), 'rtp:two@192.0.2.1:5000');
});

test('ufrags may collide: the password decides', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'abcd', 'password-of-a-0123456');
  const b = member(port, 'abcd', 'password-of-b-0123456');
  s.inject(check('abcd', 'password-of-b-0123456'), Y);
  s.inject(media('for-b'), Y);
  assert.deepEqual(a.got, []);
  assert.deepEqual(b.got, ['stun@192.0.2.1:5001', 'rtp:for-b@192.0.2.1:5001']);
});

test('a new address that proves the credentials is added (consent after a NAT rebinding), and one proving another endpoint moves', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'aaaa', 'password-of-a-0123456');
  const b = member(port, 'bbbb', 'password-of-b-0123456');
  s.inject(check('aaaa', 'password-of-a-0123456'), X);
  s.inject(check('aaaa', 'password-of-a-0123456'), Y);
  s.inject(media('x'), X);
  s.inject(media('y'), Y);
  assert.equal(a.got.filter((g) => g.startsWith('rtp:')).length, 2);
  // The client behind X now runs B's session (a new PeerConnection on the same port): X is B's from now on.
  s.inject(check('bbbb', 'password-of-b-0123456'), X);
  s.inject(media('x2'), X);
  assert.equal(b.got.at(-1), 'rtp:x2@192.0.2.1:5000');
  assert.equal(a.got.includes('rtp:x2@192.0.2.1:5000'), false);
});

test('ICE restart: the endpoint claims its new ufrag and the old address proves it', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'aaaa', 'password-of-a-0123456');
  s.inject(check('aaaa', 'password-of-a-0123456'), X);
  const restarted = member(port, 'a2a2', 'password-of-a2-012345');
  s.inject(check('a2a2', 'password-of-a2-012345'), X);
  s.inject(media('after'), X);
  assert.equal(restarted.got.at(-1), 'rtp:after@192.0.2.1:5000');
  assert.equal(a.got.includes('rtp:after@192.0.2.1:5000'), false);
});

test('answers to our own checks come back from where they went; other STUN answers are dropped', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'aaaa', 'password-of-a-0123456');
  const answer = Buffer.from(bindingRequest({ username: 'x:y', password: 'p' }));
  answer.writeUInt16BE(0x0101, 0); // a success response
  s.inject(answer, X);
  assert.deepEqual(a.got, []);
  a.endpoint.send(Buffer.from('check'), X.port, X.address);
  s.inject(answer, X);
  assert.deepEqual(a.got, ['stun@192.0.2.1:5000']);
  s.inject(media('not-yet'), X);
  assert.equal(a.got.length, 1, 'only STUN comes from an address we merely sent to');
  assert.deepEqual(s.sent, [{ port: 5000, address: '192.0.2.1' }]);
});

test('an endpoint that leaves takes its ufrags and addresses along', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'aaaa', 'password-of-a-0123456');
  s.inject(check('aaaa', 'password-of-a-0123456'), X);
  assert.equal(port.size, 1);
  void a.endpoint.close();
  assert.equal(port.size, 0);
  const before = a.got.length;
  s.inject(media('late'), X);
  s.inject(check('aaaa', 'password-of-a-0123456'), X);
  assert.equal(a.got.length, before);
  assert.equal(port.counters.dropped.unknown_source, 1);
  assert.equal(port.counters.dropped.unknown_ufrag, 1);
});

test('malformed STUN and garbage are counted, never delivered', () => {
  const s = socket();
  const port = new SharedIcePort(s, () => {});
  const a = member(port, 'aaaa', 'password-of-a-0123456');
  s.inject(check('aaaa', 'password-of-a-0123456'), X);
  for (const junk of [Buffer.alloc(0), Buffer.from([0, 1, 0, 0]), Buffer.alloc(30, 1), Buffer.alloc(100, 0xff)]) s.inject(junk, Y);
  assert.deepEqual(a.got, ['stun@192.0.2.1:5000']);
  assert.equal(port.counters.dropped.malformed_stun, 2);
  assert.equal(port.counters.dropped.unknown_source, 2);
});

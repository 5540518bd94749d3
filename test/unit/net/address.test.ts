import { test } from 'node:test';
import assert from 'node:assert/strict';
import { destinationFor, expandIPv6, parseHostPort, resolveBindSpec, sameAddress, unmapAddress, type InterfaceAddress } from '../../../src/net/address.js';
import { parsePortRange, PortSlider } from '../../../src/net/port-range.js';

const IFACES: InterfaceAddress[] = [
  { name: 'lo', address: '127.0.0.1', family: 4, internal: true },
  { name: 'lo', address: '::1', family: 6, internal: true },
  { name: 'eth0', address: '192.0.2.10', family: 4, internal: false },
  { name: 'eth0', address: '2001:db8::10', family: 6, internal: false },
  { name: 'v6only', address: 'fd00::5', family: 6, internal: false },
];
const withV6 = { ipv6Available: true, interfaces: IFACES };
const noV6 = { ipv6Available: false, interfaces: IFACES.filter((i) => i.family === 4) };

test('nothing given: dual-stack :: with IPv6, IPv4 0.0.0.0 without', () => {
  assert.deepEqual(resolveBindSpec(undefined, withV6), { ok: true, target: { family: 6, address: '::', dualStack: true } });
  assert.deepEqual(resolveBindSpec('', noV6), { ok: true, target: { family: 4, address: '0.0.0.0', dualStack: false } });
  assert.deepEqual(resolveBindSpec('  ', noV6), { ok: true, target: { family: 4, address: '0.0.0.0', dualStack: false } });
});

test('0.0.0.0 is IPv4 any on every host', () => {
  for (const host of [withV6, noV6]) {
    const r = resolveBindSpec('0.0.0.0', host);
    assert.ok(r.ok);
    assert.deepEqual(r.target, { family: 4, address: '0.0.0.0', dualStack: false, requested: '0.0.0.0' });
  }
});

test(':: in any spelling is IPv6 any (dual-stack), and an error without IPv6', () => {
  for (const spec of ['::', '[::]', '0:0:0:0:0:0:0:0', '::0']) {
    const r = resolveBindSpec(spec, withV6);
    assert.ok(r.ok, spec);
    assert.equal(r.target.family, 6);
    assert.equal(r.target.address, '::');
    assert.equal(r.target.dualStack, true);
    const n = resolveBindSpec(spec, noV6);
    assert.ok(!n.ok);
    assert.equal(n.error.kind, 'ipv6-unavailable');
  }
  const v6only = resolveBindSpec('::', withV6, { v6Only: true });
  assert.ok(v6only.ok && !v6only.target.dualStack);
});

test('address literals must be local; loopback always is', () => {
  assert.ok(resolveBindSpec('192.0.2.10', withV6).ok);
  assert.ok(resolveBindSpec('127.0.0.1', noV6).ok);
  assert.ok(resolveBindSpec('127.0.0.2', noV6).ok);
  const far = resolveBindSpec('203.0.113.1', withV6);
  assert.ok(!far.ok && far.error.kind === 'unknown');
  assert.ok(resolveBindSpec('2001:DB8:0::10', withV6).ok, 'IPv6 compared in canonical form');
  assert.ok(resolveBindSpec('[::1]', withV6).ok);
  const v6 = resolveBindSpec('::1', noV6);
  assert.ok(!v6.ok && v6.error.kind === 'ipv6-unavailable');
});

test('interface names pick IPv4 first, IPv6 when that is all they have', () => {
  const eth = resolveBindSpec('eth0', withV6);
  assert.ok(eth.ok);
  assert.deepEqual(eth.target, { family: 4, address: '192.0.2.10', dualStack: false, requested: 'eth0' });
  const v6 = resolveBindSpec('v6only', withV6);
  assert.ok(v6.ok && v6.target.family === 6 && v6.target.address === 'fd00::5' && !v6.target.dualStack);
  const gone = resolveBindSpec('v6only', noV6);
  assert.ok(!gone.ok && gone.error.kind === 'unknown');
  assert.ok(!resolveBindSpec('wlan7', withV6).ok);
});

test('IPv6 helpers', () => {
  assert.equal(expandIPv6('::1'), '0000:0000:0000:0000:0000:0000:0000:0001');
  assert.equal(expandIPv6('::ffff:1.2.3.4'), '0000:0000:0000:0000:0000:ffff:0102:0304');
  assert.ok(sameAddress('fe80::1%eth0', 'FE80:0::1'));
  assert.ok(!sameAddress('1.2.3.4', '::ffff:1.2.3.4'));
  assert.equal(destinationFor('127.0.0.1', 6), '::ffff:127.0.0.1');
  assert.equal(destinationFor('127.0.0.1', 4), '127.0.0.1');
  assert.equal(destinationFor('::1', 6), '::1');
  assert.equal(unmapAddress('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(unmapAddress('::1'), '::1');
});

test('host:port parsing', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  assert.equal(parseHostPort('::1:80'), undefined);
  assert.equal(parseHostPort('host:99999'), undefined);
  assert.equal(parseHostPort(':80'), undefined);
});

test('port ranges parse and the slider walks the range once', () => {
  assert.deepEqual(parsePortRange('10000-60000'), { min: 10000, max: 60000 });
  assert.deepEqual(parsePortRange(' 20 - 10 '), { min: 10, max: 20 });
  assert.equal(parsePortRange('0-10'), undefined);
  assert.equal(parsePortRange('a-b'), undefined);
  const s = new PortSlider({ min: 5, max: 7 });
  assert.deepEqual([...s.candidates()], [5, 6, 7]);
  const it = s.candidates();
  assert.equal(it.next().value, 5);
  assert.deepEqual([...s.candidates()], [6, 7, 5]);
});

test('fuzz: resolveBindSpec never throws on arbitrary text', () => {
  const alphabet = ':.[]0123456789abcdefABCDEF%lo eth';
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 5000; i++) {
    let s = '';
    const len = Math.floor(rand() * 24);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const r = resolveBindSpec(s, rand() < 0.5 ? withV6 : noV6);
    if (r.ok) assert.ok(r.target.family === 4 || r.target.family === 6);
    parseHostPort(s);
  }
});

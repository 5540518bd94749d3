// Janus's access lists: prefixes of address text, IPv4 on a dual-stack socket, X-Forwarded-For's first entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { accessList, aclAllows, forwardedAllowed, forwardedFor, parseAcl } from '../../../src/transports/address-acl.js';

test('a list is comma-separated prefixes; empty lets everyone in; matching is by prefix of the text', () => {
  assert.deepEqual(parseAcl(' 127., ,192.168.0.,::1 '), ['127.', '192.168.0.', '::1']);
  assert.equal(aclAllows([], '203.0.113.1'), true);
  const list = parseAcl('127.,192.168.0.,::1');
  assert.equal(aclAllows(list, '127.0.0.1'), true);
  assert.equal(aclAllows(list, '::ffff:127.0.0.1'), true, 'IPv4 seen on an IPv6 socket');
  assert.equal(aclAllows(list, '192.168.1.4'), false);
  assert.equal(aclAllows(list, '::1'), true);
  assert.equal(aclAllows(list, '::2'), false);
  assert.equal(aclAllows(list, undefined), false);
  assert.equal(aclAllows(parseAcl('FE80::'), 'fe80::1%lo'), true, 'case does not matter');
});

test('X-Forwarded-For: the first address; checked only when asked and a list is set', () => {
  assert.equal(forwardedFor('10.0.0.1, 127.0.0.1'), '10.0.0.1');
  assert.equal(forwardedFor(['10.0.0.2', '1.1.1.1']), '10.0.0.2');
  assert.equal(forwardedFor(' '), undefined);
  assert.equal(forwardedFor(undefined), undefined);
  assert.equal(forwardedAllowed(accessList('127.', true), { 'x-forwarded-for': '10.0.0.1' }), false);
  assert.equal(forwardedAllowed(accessList('127.', false), { 'x-forwarded-for': '10.0.0.1' }), true);
  assert.equal(forwardedAllowed(accessList('127.', true), {}), true);
  assert.equal(forwardedAllowed(accessList('', true), { 'x-forwarded-for': '10.0.0.1' }), true);
});

test('fuzz: any header text gives an answer, never a throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60 }), (header, list) => {
      assert.equal(typeof forwardedAllowed(accessList(list, true), { 'x-forwarded-for': header }), 'boolean');
    }),
    { numRuns: Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 2000) },
  );
});

// The transport-wide sequence number read straight from a decrypted packet's header extensions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transportSequenceOf } from '../../../src/media/transport-sequence.js';

test('transportSequenceOf reads the transport-wide number in one- and two-byte extension headers', () => {
  // One-byte form (0xBEDE): id 3, two bytes 0x0102.
  const one = Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x31, 0x01, 0x02, 0]);
  assert.equal(transportSequenceOf(one, 3), 0x0102);
  assert.equal(transportSequenceOf(one, 4), -1);
  assert.equal(transportSequenceOf(one, 0), -1);
  // Two-byte form (0x100x): id 5, length 2, 0xabcd.
  const two = Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0, 1, 5, 2, 0xab, 0xcd]);
  assert.equal(transportSequenceOf(two, 5), 0xabcd);
  // An extension block that claims more than the packet holds.
  const cut = Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 4, 0x31, 0x01, 0x02, 0]);
  assert.equal(transportSequenceOf(cut, 3), -1);
});

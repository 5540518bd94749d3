// The bounded DTLS record check: a real handshake flight passes; records and handshake fragments that lie about
// their lengths, oversized handshake messages and alerts werift would misread are refused; nothing throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dtlsDatagramProblem, MAX_DTLS_HANDSHAKE_BYTES, withoutPlaintextRecords } from '../../../src/media/dtls-check.js';

function record(type: number, epoch: number, fragment: Buffer): Buffer {
  const h = Buffer.alloc(13);
  h[0] = type;
  h[1] = 0xfe;
  h[2] = 0xfd;
  h.writeUInt16BE(epoch, 3);
  h.writeUInt16BE(fragment.length, 11);
  return Buffer.concat([h, fragment]);
}

function handshake(msgType: number, length: number, offset: number, body: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = msgType;
  h.writeUIntBE(length, 1, 3);
  h.writeUIntBE(offset, 6, 3);
  h.writeUIntBE(body.length, 9, 3);
  return Buffer.concat([h, body]);
}

test('a flight of several records with whole and fragmented handshakes passes', () => {
  const hello = handshake(1, 100, 0, Buffer.alloc(100, 7));
  const certPart = handshake(11, 3000, 1000, Buffer.alloc(1000, 1));
  const flight = Buffer.concat([record(22, 0, hello), record(22, 0, certPart), record(20, 0, Buffer.from([1])), record(22, 1, Buffer.alloc(40, 9))]);
  assert.equal(dtlsDatagramProblem(flight), undefined);
  // Application data and an encrypted alert after the handshake.
  const alert = Buffer.alloc(26, 0x33);
  alert[1] = 1; // the explicit nonce's epoch byte
  assert.equal(dtlsDatagramProblem(Buffer.concat([record(23, 1, Buffer.alloc(60)), record(21, 1, alert)])), undefined);
});

test('lengths past the end, oversized handshake messages and misleading alerts are refused', () => {
  const hello = record(22, 0, handshake(1, 10, 0, Buffer.alloc(10)));
  assert.match(dtlsDatagramProblem(hello.subarray(0, hello.length - 1)) ?? '', /past the end/);
  assert.match(dtlsDatagramProblem(hello.subarray(0, 10)) ?? '', /header past the end/);
  assert.match(dtlsDatagramProblem(record(22, 0, handshake(1, 0xffffff, 0xfffff0, Buffer.alloc(15)))) ?? '', /too large/);
  assert.ok(MAX_DTLS_HANDSHAKE_BYTES < 0xffffff);
  assert.match(dtlsDatagramProblem(record(22, 0, handshake(1, 100, 90, Buffer.alloc(20)))) ?? '', /outside its message/);
  const lying = handshake(1, 100, 0, Buffer.alloc(10));
  lying.writeUIntBE(60, 9, 3); // claims 60 bytes of fragment, has 10
  assert.match(dtlsDatagramProblem(record(22, 0, lying)) ?? '', /past the record/);
  assert.equal(dtlsDatagramProblem(record(21, 0, Buffer.from([1, 0]))), undefined);
  // An "encrypted" alert werift would read as a plaintext close_notify without decrypting it.
  const forged = Buffer.alloc(26);
  forged[0] = 1;
  forged[1] = 0;
  assert.match(dtlsDatagramProblem(record(21, 1, forged)) ?? '', /read as plaintext/);
  assert.match(dtlsDatagramProblem(record(21, 1, Buffer.from([1, 0]))) ?? '', /wrong size/);
  assert.match(dtlsDatagramProblem(record(99, 0, Buffer.alloc(4))) ?? '', /content type/);
  assert.match(dtlsDatagramProblem(Buffer.concat(Array.from({ length: 20 }, () => record(23, 1, Buffer.alloc(1))))) ?? '', /too many/);
});

test('after the handshake, plaintext records are cut out and encrypted ones of the same datagram kept', () => {
  const hello = record(22, 0, handshake(1, 10, 0, Buffer.alloc(10)));
  const finished = record(22, 1, Buffer.alloc(40, 9));
  const app = record(23, 1, Buffer.alloc(30, 4));
  assert.equal(withoutPlaintextRecords(app), app, 'nothing to cut: the same buffer');
  assert.equal(withoutPlaintextRecords(hello).length, 0);
  assert.equal(withoutPlaintextRecords(record(21, 0, Buffer.from([1, 0]))).length, 0);
  // A retransmitted flight: Certificate... in the clear, then the encrypted Finished.
  const flight = Buffer.concat([hello, record(20, 0, Buffer.from([1])), finished]);
  assert.deepEqual(withoutPlaintextRecords(flight), finished);
});

test('property: the check never throws, and what it passes is a sequence of whole records', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const b = Buffer.from(bytes);
      if (b.length > 0) b[0] = 20 + (b[0] % 4);
      if (dtlsDatagramProblem(b) !== undefined) return;
      let at = 0;
      while (at < b.length) at += 13 + b.readUInt16BE(at + 11);
      assert.equal(at, b.length);
      const kept = withoutPlaintextRecords(b);
      assert.equal(dtlsDatagramProblem(kept), undefined);
    }),
    { numRuns: 5000 },
  );
});

// The bounded DTLS record check: a real handshake flight passes; records and handshake fragments that lie about
// their lengths, oversized handshake messages and alerts werift would misread are refused; nothing throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dtlsDatagramProblem, MAX_DTLS_HANDSHAKE_BYTES } from '../../src/media/dtls-check.js';

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

const before = { connected: false };
const after = { connected: true };

test('a flight of several records with whole and fragmented handshakes passes', () => {
  const hello = handshake(1, 100, 0, Buffer.alloc(100, 7));
  const certPart = handshake(11, 3000, 1000, Buffer.alloc(1000, 1));
  const flight = Buffer.concat([record(22, 0, hello), record(22, 0, certPart), record(20, 0, Buffer.from([1])), record(22, 1, Buffer.alloc(40, 9))]);
  assert.equal(dtlsDatagramProblem(flight, before), undefined);
  // Application data and an encrypted alert after the handshake.
  const alert = Buffer.alloc(26, 0x33);
  alert[1] = 1; // the explicit nonce's epoch byte
  assert.equal(dtlsDatagramProblem(Buffer.concat([record(23, 1, Buffer.alloc(60)), record(21, 1, alert)]), after), undefined);
});

test('lengths past the end, oversized handshake messages and misleading alerts are refused', () => {
  const hello = record(22, 0, handshake(1, 10, 0, Buffer.alloc(10)));
  assert.match(dtlsDatagramProblem(hello.subarray(0, hello.length - 1), before) ?? '', /past the end/);
  assert.match(dtlsDatagramProblem(hello.subarray(0, 10), before) ?? '', /header past the end/);
  assert.match(dtlsDatagramProblem(record(22, 0, handshake(1, 0xffffff, 0xfffff0, Buffer.alloc(15))), before) ?? '', /too large/);
  assert.ok(MAX_DTLS_HANDSHAKE_BYTES < 0xffffff);
  assert.match(dtlsDatagramProblem(record(22, 0, handshake(1, 100, 90, Buffer.alloc(20))), before) ?? '', /outside its message/);
  const lying = handshake(1, 100, 0, Buffer.alloc(10));
  lying.writeUIntBE(60, 9, 3); // claims 60 bytes of fragment, has 10
  assert.match(dtlsDatagramProblem(record(22, 0, lying), before) ?? '', /past the record/);
  // A plaintext close_notify after the handshake: the peer's would be encrypted.
  assert.equal(dtlsDatagramProblem(record(21, 0, Buffer.from([1, 0])), before), undefined);
  assert.match(dtlsDatagramProblem(record(21, 0, Buffer.from([1, 0])), after) ?? '', /plaintext alert/);
  // A plaintext ClientHello after the handshake: werift would restart the handshake (renegotiation).
  assert.equal(dtlsDatagramProblem(hello, before), undefined);
  assert.match(dtlsDatagramProblem(hello, after) ?? '', /plaintext record after the handshake/);
  // An "encrypted" alert werift would read as a plaintext close_notify without decrypting it.
  const forged = Buffer.alloc(26);
  forged[0] = 1;
  forged[1] = 0;
  assert.match(dtlsDatagramProblem(record(21, 1, forged), after) ?? '', /read as plaintext/);
  assert.match(dtlsDatagramProblem(record(21, 1, Buffer.from([1, 0])), after) ?? '', /wrong size/);
  assert.match(dtlsDatagramProblem(record(99, 0, Buffer.alloc(4)), before) ?? '', /content type/);
  assert.match(dtlsDatagramProblem(Buffer.concat(Array.from({ length: 20 }, () => record(23, 1, Buffer.alloc(1)))), after) ?? '', /too many/);
});

test('property: the check never throws, and what it passes is a sequence of whole records', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, connected) => {
      const b = Buffer.from(bytes);
      if (b.length > 0) b[0] = 20 + (b[0] % 4);
      if (dtlsDatagramProblem(b, { connected }) !== undefined) return;
      let at = 0;
      while (at < b.length) at += 13 + b.readUInt16BE(at + 11);
      assert.equal(at, b.length);
    }),
    { numRuns: 5000 },
  );
});

// The bounded SCTP check in front of werift's SCTP parser: real chunk layouts pass; zero lengths (werift loops on
// them forever), parameters and SACK lists past their chunk are refused; nothing throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_SCTP_CHUNKS, sctpPacketProblem } from '../../../src/media/sctp-check.js';

function chunk(type: number, body: Buffer, flags = 0): Buffer {
  const length = 4 + body.length;
  const c = Buffer.alloc(length + ((4 - (length % 4)) % 4));
  c[0] = type;
  c[1] = flags;
  c.writeUInt16BE(length, 2);
  body.copy(c, 4);
  return c;
}

/** A type-length-value parameter, padded to 32 bits. */
function param(type: number, value: Buffer): Buffer {
  const length = 4 + value.length;
  const p = Buffer.alloc(length + ((4 - (length % 4)) % 4));
  p.writeUInt16BE(type, 0);
  p.writeUInt16BE(length, 2);
  value.copy(p, 4);
  return p;
}

function packet(...chunks: Buffer[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(5000, 0);
  header.writeUInt16BE(5000, 2);
  return Buffer.concat([header, ...chunks]);
}

const init = (params: Buffer[]): Buffer => chunk(1, Buffer.concat([Buffer.alloc(16, 1), ...params]));

test('real layouts pass: INIT with parameters, DATA, SACK with gaps, HEARTBEAT, FORWARD-TSN', () => {
  const sack = Buffer.alloc(12 + 8);
  sack.writeUInt16BE(1, 8); // one gap
  sack.writeUInt16BE(1, 10); // one duplicate
  const ok = [
    packet(init([param(0x8008, Buffer.from([0x82, 0xc0])), param(0xc000, Buffer.alloc(0)), param(0x8002, Buffer.alloc(32, 3))])),
    packet(chunk(0, Buffer.concat([Buffer.alloc(12), Buffer.from('hello')]), 3), chunk(3, sack)),
    packet(chunk(4, param(1, Buffer.alloc(10)))),
    packet(chunk(192, Buffer.alloc(8))),
  ];
  for (const p of ok) assert.equal(sctpPacketProblem(p), undefined, p.toString('hex'));
});

test('zero lengths, parameters and lists past their chunk are refused', () => {
  const zeroChunk = packet(Buffer.from([0, 0, 0, 0]));
  assert.match(sctpPacketProblem(zeroChunk) ?? '', /shorter than its header/);
  const zeroParam = packet(init([Buffer.from([0x80, 0x08, 0, 0])]));
  assert.match(sctpPacketProblem(zeroParam) ?? '', /parameter shorter/);
  const longParam = packet(init([Buffer.from([0x80, 0x08, 0, 40, 1, 2, 3, 4])]));
  assert.match(sctpPacketProblem(longParam) ?? '', /parameter past the chunk/);
  const sack = Buffer.alloc(12);
  sack.writeUInt16BE(1000, 8);
  assert.match(sctpPacketProblem(packet(chunk(3, sack))) ?? '', /SACK/);
  const longChunk = packet(chunk(0, Buffer.alloc(12)));
  longChunk.writeUInt16BE(200, 14);
  assert.match(sctpPacketProblem(longChunk) ?? '', /past the end/);
  assert.match(sctpPacketProblem(packet(...Array.from({ length: MAX_SCTP_CHUNKS + 1 }, () => chunk(11, Buffer.alloc(0))))) ?? '', /too many/);
});

test('property: the check never throws, and what it passes has whole chunks of at least 4 bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const b = Buffer.from(bytes);
      if (sctpPacketProblem(b) !== undefined) return;
      let at = 12;
      while (at + 4 <= b.length) {
        const length = b.readUInt16BE(at + 2);
        assert.ok(length >= 4 && at + length <= b.length);
        at += length + ((4 - (length % 4)) % 4);
      }
    }),
    { numRuns: 5000 },
  );
});

// The capture formats byte by byte: the libpcap headers (made-up addresses and ports per direction, lengths,
// truncation) and text2pcap's line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pcapFileHeader, pcapRecord, text2pcapLine } from '../../../src/core/pcap-format.js';

test('the libpcap file header: magic, version 2.4, snap length, Ethernet', () => {
  const h = pcapFileHeader();
  assert.equal(h.length, 24);
  assert.equal(h.readUInt32LE(0), 0xa1b2c3d4);
  assert.deepEqual([h.readUInt16LE(4), h.readUInt16LE(6)], [2, 4]);
  assert.equal(h.readUInt32LE(16), 65535);
  assert.equal(h.readUInt32LE(20), 1);
});

test('a record: time, lengths, IPv4/UDP from the peer (10.1.1.1:1000) or the server (10.2.2.2:2000), the packet; truncation', () => {
  const packet = Buffer.from('80606162636465666768696a6b6c', 'hex');
  const r = pcapRecord(true, 1_700_000_000_123_456, packet, 0);
  assert.equal(r.readUInt32LE(0), 1_700_000_000);
  assert.equal(r.readUInt32LE(4), 123_456);
  assert.equal(r.readUInt32LE(8), 42 + packet.length);
  assert.equal(r.readUInt32LE(12), 42 + packet.length);
  assert.equal(r.readUInt16BE(16 + 12), 0x0800);
  const ip = 16 + 14;
  assert.equal(r[ip], 0x45);
  assert.equal(r.readUInt16BE(ip + 2), 28 + packet.length);
  assert.equal(r[ip + 9], 17);
  assert.deepEqual([...r.subarray(ip + 12, ip + 20)], [10, 1, 1, 1, 10, 2, 2, 2]);
  assert.deepEqual([r.readUInt16BE(ip + 20), r.readUInt16BE(ip + 22), r.readUInt16BE(ip + 24)], [1000, 2000, 8 + packet.length]);
  assert.deepEqual(r.subarray(16 + 42), packet);
  const out = pcapRecord(false, 0, packet, 4);
  assert.equal(out.readUInt32LE(8), 42 + 4, 'captured length truncated');
  assert.equal(out.readUInt32LE(12), 42 + packet.length, 'original length kept');
  assert.deepEqual([...out.subarray(16 + 14 + 12, 16 + 14 + 20)], [10, 2, 2, 2, 10, 1, 1, 1]);
  assert.equal(out.length, 16 + 42 + 4);
});

test('a text2pcap line: direction, time of day, offset, hex bytes (truncated), kind, CRLF', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 678);
  assert.equal(text2pcapLine(true, at, Buffer.from([0x80, 0x6f, 0x01]), 0, 'RTP'), 'I 03:04:05.678000 000000  80 6f 01 RTP\r\n');
  assert.equal(text2pcapLine(false, at, Buffer.from([0x81, 0xc9, 0, 7]), 2, 'RTCP'), 'O 03:04:05.678000 000000  81 c9 RTCP\r\n');
});

// Where each packet of a peer's compound RTCP goes (our own RTCP receive path): a sender report to the stream the
// peer sends, report blocks and feedback to the streams we send, the rest nowhere; and garbage never throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildFir, buildNack, buildPli, buildReceiverReport, buildRemb, buildSenderReport } from '../../../src/rtp/rtcp.js';
import { rtcpRoute, splitRtcpCompound } from '../../../src/rtp/rtcp-route.js';

function rr(sender: number, about: number[]): Buffer {
  return buildReceiverReport(sender, about.length, (b, at, i) => b.writeUInt32BE(about[i], at));
}

test('a sender report belongs to the stream the peer sends, its report blocks to ours', () => {
  const sr = buildSenderReport(0xaaaa, Date.now(), 1000, 10, 1000);
  assert.deepEqual(rtcpRoute(sr), { remote: 0xaaaa, local: [] });
});

test('a receiver report names each stream of ours it reports on', () => {
  assert.deepEqual(rtcpRoute(rr(1, [0x1111, 0x2222])), { local: [0x1111, 0x2222] });
  assert.deepEqual(rtcpRoute(rr(1, [])), { local: [] });
});

test('NACK and PLI go to their media SSRC, FIR to the SSRC in its FCI, REMB to each SSRC it lists', () => {
  assert.deepEqual(rtcpRoute(buildNack(1, 0x3333, [5, 6])), { local: [0x3333] });
  assert.deepEqual(rtcpRoute(buildPli(1, 0x4444)), { local: [0x4444] });
  assert.deepEqual(rtcpRoute(buildFir(1, 0x5555, 3)), { local: [0x5555] });
  assert.deepEqual(rtcpRoute(buildRemb(1, 300_000, [0x6666, 0x7777])), { local: [0x6666, 0x7777] });
});

test('SDES, BYE and short packets go nowhere', () => {
  const sdes = Buffer.from([0x81, 202, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]);
  const bye = Buffer.from([0x81, 203, 0, 1, 0, 0, 0, 1]);
  assert.equal(rtcpRoute(sdes), undefined);
  assert.equal(rtcpRoute(bye), undefined);
  assert.equal(rtcpRoute(Buffer.from([0x80, 201, 0])), undefined);
});

test('a compound splits into copies of its packets, and stops at one running past the end', () => {
  const a = buildSenderReport(0xaaaa, Date.now(), 1, 1, 1);
  const b = buildPli(1, 2);
  const parts = splitRtcpCompound(Buffer.concat([a, b]));
  assert.deepEqual(parts, [a, b]);
  const compound = Buffer.concat([a, b]);
  splitRtcpCompound(compound)[0].fill(0);
  assert.deepEqual(compound.subarray(0, a.length), a, 'the parts are copies');
  const cut = Buffer.concat([a, b.subarray(0, 8)]);
  cut.writeUInt16BE(10, a.length + 2);
  assert.deepEqual(splitRtcpCompound(cut), [a]);
});

test('fuzz: any bytes route or not, never throw, and name at most what fits', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const buf = Buffer.from(bytes);
      for (const p of splitRtcpCompound(buf)) {
        const route = rtcpRoute(p);
        if (route) assert.ok(route.local.length <= p.length / 4);
      }
      const route = rtcpRoute(buf);
      if (route) assert.ok(route.local.length <= buf.length / 4);
    }),
    { numRuns: 2000 },
  );
});

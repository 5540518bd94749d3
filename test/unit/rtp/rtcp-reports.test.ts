// Report blocks read from SRs and RRs, and the round trip they tell as Janus computes it (rtt, rtt-values of the
// media statistics event): NTP's middle 32 bits now, less the LSR and the DLSR, in whole ms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReceiverReport, ntpMiddle, roundTrip, summarizeRtcp } from '../../../src/rtp/rtcp.js';

test('every report block of an RR is read: SSRC, signed cumulative loss, jitter, LSR, DLSR', () => {
  const rr = buildReceiverReport(0x1234, 2, (b, at, i) => {
    b.writeUInt32BE(i === 0 ? 0xaaaa0001 : 0xbbbb0002, at);
    b[at + 4] = 0;
    b.writeIntBE(i === 0 ? 7 : -2, at + 5, 3);
    b.writeUInt32BE(100, at + 8);
    b.writeUInt32BE(i === 0 ? 450 : 9, at + 12);
    b.writeUInt32BE(i === 0 ? 0x12345678 : 0, at + 16);
    b.writeUInt32BE(i === 0 ? 0x8000 : 0, at + 20);
  });
  assert.deepEqual(summarizeRtcp(rr)?.reports, [
    { ssrc: 0xaaaa0001, lost: 7, jitter: 450, lsr: 0x12345678, dlsr: 0x8000 },
    { ssrc: 0xbbbb0002, lost: -2, jitter: 9, lsr: 0, dlsr: 0 },
  ]);
  assert.equal(summarizeRtcp(buildReceiverReport(1, 0, () => undefined))?.reports, undefined, 'an RR without blocks has none');
});

test('the round trip: a Sender Report sent 250 ms ago, held 200 ms by the client, is 50 ms', () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const lsr = ntpMiddle(now - 250);
  const dlsr = 0.2 * 65536;
  const rtt = roundTrip(lsr, dlsr, now);
  assert.ok(rtt);
  assert.ok(rtt.ms === 49 || rtt.ms === 50, `${rtt.ms} ms`);
  assert.deepEqual([rtt.ntp, rtt.lsr, rtt.dlsr], [ntpMiddle(now), lsr, dlsr]);
  assert.equal(roundTrip(0, 123, now), undefined, 'no Sender Report referred to yet');
  // The middle bits: the low 16 of the NTP seconds, the high 16 of the fraction.
  assert.equal(ntpMiddle(Date.UTC(1970, 0, 1) + 500), (((2208988800 & 0xffff) << 16) | 0x8000) >>> 0);
});

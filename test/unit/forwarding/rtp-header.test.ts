// The one RTP header view (src/rtp/rtp-header.ts): CSRCs, extension block, padding; garbage never throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeRtcpReport, parseRtpHeader, rtpExtensionStart, rtpPayloadEnd, rtpPayloadStart, RtpHeaderView } from '../../../src/rtp/rtp-header.js';
import { garbage, rtp } from './rtp-packets.js';

test('header fields, and where the payload starts and ends past CSRCs, extension and padding', () => {
  const p = rtp(Buffer.from([1, 2, 3]), { pt: 111, marker: true, seq: 0xfffe, ts: 0xfffffff0, ssrc: 0xdeadbeef, csrcs: 2, extWords: 1, padding: 4 });
  assert.deepEqual(parseRtpHeader(p), { payloadType: 111, marker: true, sequence: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, headerLength: 12 + 8 + 8 });
  const view = new RtpHeaderView();
  assert.equal(view.read(p), true);
  assert.equal(view.headerLength, 28);
  assert.equal(view.payloadEnd, p.length - 4);
  assert.deepEqual([...p.subarray(view.headerLength, view.payloadEnd)], [1, 2, 3]);
  assert.equal(rtpPayloadStart(p), 28);
  assert.equal(rtpExtensionStart(p), 20);
  assert.equal(rtpExtensionStart(rtp(Buffer.from([1]))), -1, 'no extension block');
  assert.equal(rtpPayloadEnd(p, 28), p.length - 4);
});

test('the view is reused: a failed read leaves the last good packet in it', () => {
  const view = new RtpHeaderView();
  assert.equal(view.read(rtp(Buffer.from([9]), { seq: 7 })), true);
  assert.equal(view.read(Buffer.from([0x80, 0x60])), false);
  assert.equal(view.sequence, 7);
});

test('unusable headers: short, wrong version, CSRCs / extension past the end, zero or oversized padding', () => {
  const bad = [
    Buffer.alloc(11),
    (() => {
      const b = rtp(Buffer.from([1]));
      b[0] = 0x40;
      return b;
    })(),
    (() => {
      const b = rtp(Buffer.alloc(0));
      b[0] |= 0x0f;
      return b;
    })(),
    (() => {
      const b = rtp(Buffer.alloc(0), { extWords: 0 });
      b.writeUInt16BE(9, 14);
      return b;
    })(),
    (() => {
      const b = rtp(Buffer.from([1, 2]), { padding: 1 });
      b[b.length - 1] = 0;
      return b;
    })(),
    (() => {
      const b = rtp(Buffer.from([1, 2]), { padding: 1 });
      b[b.length - 1] = 200;
      return b;
    })(),
  ];
  for (const [i, b] of bad.entries()) {
    assert.equal(parseRtpHeader(b), undefined, `case ${i}`);
    assert.equal(new RtpHeaderView().read(b), false, `case ${i}`);
  }
  for (let i = 0; i < 3000; i++) {
    const b = garbage(40);
    if (i % 2) b[0] = 0x80 | (b[0] & 0x3f); // version 2: the walk gets further
    parseRtpHeader(b);
  }
});

test('an RTCP report on a plain-RTP port: SR, RR, SDES, BYE, APP only', () => {
  const rtcp = (type: number): Buffer => Buffer.from([0x80, type, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(
    [199, 200, 201, 202, 203, 204, 205].map((t) => looksLikeRtcpReport(rtcp(t))),
    [false, true, true, true, true, true, false],
  );
  assert.equal(looksLikeRtcpReport(Buffer.from([0x80, 200, 0, 1])), false, 'too short');
});

// The bounded RTP/RTCP checks that run before werift's parsers: real packets pass; what they refuse is what would
// make werift read past the end, spin or build unbounded arrays; and what they pass, werift parses in bounded work.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RtcpPacketConverter, RtpHeader, RtpPacket } from 'werift';
import { MAX_RTP_EXTENSION_ELEMENTS, rtcpCompoundProblem, rtpHeaderProblem, rtpPacketProblem, srtcpHeaderProblem } from '../../../src/rtp/packet-check.js';
import { buildFir, buildNack, buildPli, buildReceiverReport, buildRemb, buildSenderReport } from '../../../src/rtp/rtcp.js';
import { TransportCcRecorder } from '../../../src/media/twcc-feedback.js';

/** The packet that spun werift's RtpHeader.deSerialize for ~25 s: a one-byte extension block claiming 0xffff words. */
const DEADLY = Buffer.from('906f3f3000000000000004d2bedeffff21a9364b82bfbf8419de71', 'hex');

function rtp(extensions: { id: number; payload: Buffer }[] = [], payload = Buffer.from('hello'), padding = 0): Buffer {
  const header = new RtpHeader({ sequenceNumber: 7, timestamp: 960, payloadType: 111, ssrc: 1234, marker: true, extensions, extension: extensions.length > 0 });
  if (padding > 0) {
    header.padding = true;
    header.paddingSize = padding;
  }
  return new RtpPacket(header, payload).serialize();
}

/** Cost of werift's header parse, measured in extension elements it produced. */
function weriftElements(b: Buffer): number {
  return RtpHeader.deSerialize(b).extensions.length;
}

test('the 27-byte packet is refused, and real RTP packets pass', () => {
  assert.equal(DEADLY.length, 27);
  assert.match(rtpHeaderProblem(DEADLY) ?? '', /extension length past the end/);
  assert.equal(rtpHeaderProblem(rtp()), undefined);
  const withExt = rtp([
    { id: 1, payload: Buffer.from([0x30]) },
    { id: 3, payload: Buffer.from([1, 2, 3]) },
    { id: 4, payload: Buffer.from([0, 1]) },
  ]);
  assert.equal(rtpHeaderProblem(withExt), undefined);
  assert.equal(rtpPacketProblem(withExt), undefined);
  // The SRTP tag must fit after the header.
  assert.match(rtpHeaderProblem(rtp([], Buffer.alloc(0)), 10) ?? '', /shorter/);
  assert.match(rtpHeaderProblem(rtp([{ id: 1, payload: Buffer.from([1, 2]) }], Buffer.alloc(8)), 10) ?? '', /past the end/);
  assert.match(rtpHeaderProblem(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])) ?? '', /version/);
  assert.match(rtpHeaderProblem(Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])) ?? '', /CSRC/);
});

test('padding must lie within the payload', () => {
  assert.equal(rtpPacketProblem(rtp([], Buffer.from('abcdef'), 4)), undefined);
  const bad = rtp([], Buffer.from('abcdef'), 4);
  bad[bad.length - 1] = 200;
  assert.match(rtpPacketProblem(bad) ?? '', /padding/);
  bad[bad.length - 1] = 0;
  assert.match(rtpPacketProblem(bad) ?? '', /padding/);
});

test('an extension block full of elements within the packet is refused (werift copies its list per element)', () => {
  const many = Array.from({ length: 600 }, () => ({ id: 1, payload: Buffer.from([0]) }));
  const packet = rtp(many);
  assert.equal(weriftElements(packet), 600, 'werift would walk every one of them');
  assert.match(rtpHeaderProblem(packet) ?? '', /too many header extension elements/);
  const fine = rtp(Array.from({ length: MAX_RTP_EXTENSION_ELEMENTS }, () => ({ id: 2, payload: Buffer.from([9]) })));
  assert.equal(rtpHeaderProblem(fine), undefined);
});

test('property: any bytes the RTP check passes, werift parses without reading past the end or unbounded work', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (bytes, forceExt) => {
      const b = Buffer.from(bytes);
      if (forceExt && b.length >= 16) {
        b[0] = (b[0] & 0x2f) | 0x90; // version 2, extension bit, CSRC count kept small
        b[0] &= 0xf3;
        b[12] = 0xbe;
        b[13] = 0xde;
      }
      const problem = rtpHeaderProblem(b);
      if (problem !== undefined) return;
      const header = RtpHeader.deSerialize(b);
      assert.ok(header.payloadOffset <= b.length, 'payload offset within the packet');
      assert.ok(header.extensions.length <= MAX_RTP_EXTENSION_ELEMENTS);
    }),
    { numRuns: 3000 },
  );
});

function twccFeedback(): Buffer {
  const rec = new TransportCcRecorder();
  for (let i = 0; i < 40; i++) if (i % 7 !== 3) rec.onPacket(100 + i, 1_000_000 + i * 2500);
  const [fb] = rec.takeFeedback(1, 2);
  assert.ok(fb);
  return fb;
}

function realCompounds(): Buffer[] {
  const rr = buildReceiverReport(1, 2, (b, at, i) => b.writeUInt32BE(10 + i, at));
  const sr = buildSenderReport(5, Date.now(), 1234, 10, 1000, 'cname-abc');
  return [rr, sr, Buffer.concat([rr, buildNack(1, 2, [5, 6, 9, 40])]), Buffer.concat([sr, buildPli(1, 2)]), buildRemb(1, 500_000, [2, 3]), buildFir(1, 2, 3), twccFeedback()];
}

test('real RTCP compounds (SR with SDES, RR, NACK, PLI, FIR, REMB, TWCC) pass', () => {
  for (const c of realCompounds()) {
    assert.equal(rtcpCompoundProblem(c), undefined, c.toString('hex'));
    assert.equal(srtcpHeaderProblem(Buffer.concat([c, Buffer.alloc(14)]), 14), undefined);
  }
});

test('RTCP lengths, counts and feedback contents must lie within the datagram', () => {
  const rr = buildReceiverReport(1, 1, (b, at) => b.writeUInt32BE(10, at));
  const longer = Buffer.from(rr);
  longer.writeUInt16BE(longer.readUInt16BE(2) + 1, 2);
  assert.match(rtcpCompoundProblem(longer) ?? '', /length past the end/);
  const moreBlocks = Buffer.from(rr);
  moreBlocks[0] = (moreBlocks[0] & 0xe0) | 5;
  assert.match(rtcpCompoundProblem(moreBlocks) ?? '', /report blocks/);
  const fb = twccFeedback();
  const lying = Buffer.from(fb);
  lying.writeUInt16BE(0xffff, 14); // status count far beyond the chunks present
  assert.match(rtcpCompoundProblem(lying) ?? '', /TWCC/);
  const remb = buildRemb(1, 1000, [2]);
  remb[16] = 200; // number of SSRCs
  assert.match(rtcpCompoundProblem(remb) ?? '', /REMB/);
  // Many small packets in one datagram: werift parses the rest of the datagram for each of them.
  const pli = buildPli(1, 2);
  assert.match(rtcpCompoundProblem(Buffer.concat(Array.from({ length: 40 }, () => pli))) ?? '', /too many packets/);
  assert.match(rtcpCompoundProblem(Buffer.alloc(3000, 0)) ?? '', /too large/);
  // Padding only on the last packet, within it.
  const padded = Buffer.concat([pli, Buffer.from([0, 0, 0, 4])]);
  padded[0] |= 0x20;
  padded.writeUInt16BE(3, 2);
  assert.equal(rtcpCompoundProblem(padded), undefined);
  padded[padded.length - 1] = 40;
  assert.match(rtcpCompoundProblem(padded) ?? '', /padding/);
});

test('property: mutated RTCP compounds either are refused or parse in werift without throwing out of it', () => {
  const seeds = realCompounds();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.integer({ min: -8, max: 8 }),
      (which, edits, resize) => {
        let b = Buffer.from(seeds[which]);
        for (const [at, v] of edits) b[at % b.length] = v;
        if (resize < 0) b = b.subarray(0, Math.max(0, b.length + resize));
        else if (resize > 0) b = Buffer.concat([b, Buffer.alloc(resize, 0xff)]);
        const problem = rtcpCompoundProblem(b);
        if (problem !== undefined) return;
        const packets = RtcpPacketConverter.deSerialize(b);
        assert.ok(packets.length <= 16);
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: the checks never throw on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), (bytes, trailer) => {
      const b = Buffer.from(bytes);
      rtpHeaderProblem(b, trailer);
      rtpPacketProblem(b);
      rtcpCompoundProblem(b);
      srtcpHeaderProblem(b, trailer);
    }),
    { numRuns: 5000 },
  );
});

// Pure parts of the media layer: SDP parsing and offer planning, candidates, local endpoint policy, RTCP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCandidate } from '../../../src/media/candidate.js';
import { selectLocalEndpoints } from '../../../src/media/local-addresses.js';
import { planAnswer, finishAnswer } from '../../../src/media/offer-plan.js';
import { buildPli, buildRemb, summarizeRtcp } from '../../../src/rtp/rtcp.js';
import { parseSdp, SdpError } from '../../../src/media/sdp.js';
import type { InterfaceAddress } from '../../../src/net/address.js';
import { chromeLikeOffer } from '../../helpers/chrome-offer.js';

test('parseSdp reads codecs, extmaps, candidates, fingerprints', () => {
  const s = parseSdp(chromeLikeOffer());
  assert.equal(s.media.length, 3);
  assert.deepEqual(
    s.media[0].codecs.map((c) => c.name),
    ['opus', 'PCMU', 'PCMA'],
  );
  assert.equal(s.media[1].codecs.find((c) => c.pt === 103)?.fmtp, 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f');
  assert.deepEqual(s.media[1].codecs.find((c) => c.pt === 96)?.rtcpFb, ['nack', 'nack pli']);
  assert.equal(s.media[0].candidates.length, 2);
  assert.equal(s.media[0].fingerprints[0].algorithm, 'sha-256');
  assert.equal(s.media[2].sctpPort, 5000);
  assert.deepEqual(s.groups[0], { semantics: 'BUNDLE', mids: ['0', '1', '2'] });
  assert.throws(() => parseSdp('v=0\r\nnonsense\r\n'), SdpError);
});

test('planAnswer picks one codec per m-line and filters the stack offer', () => {
  const plan = planAnswer(chromeLikeOffer(), { audio: true, video: true, data: true });
  assert.equal(plan.media[0].codec?.name, 'opus');
  assert.equal(plan.media[1].codec?.name, 'VP8');
  assert.equal(plan.media[1].rtx?.pt, 97);
  assert.equal(plan.droppedCandidates, 1, 'the mDNS candidate is dropped');
  assert.match(plan.stackSdp, /m=video 9 UDP\/TLS\/RTP\/SAVPF 96 97\r\n/);
  assert.doesNotMatch(plan.stackSdp, /H264/);
  const h264 = planAnswer(chromeLikeOffer(), { videoCodecs: ['h264'] });
  assert.equal(h264.media[1].codec?.pt, 103, 'H.264 with packetization-mode=1 preferred');
  const pcmu = planAnswer(chromeLikeOffer(), { audioCodecs: ['pcmu', 'opus'] });
  assert.equal(pcmu.media[0].codec?.name, 'PCMU');
  const noVideo = planAnswer(chromeLikeOffer(), { video: false });
  assert.equal(noVideo.media[1].accepted, false);
  assert.match(noVideo.stackSdp, /a=group:BUNDLE 0 2\r\n/);
});

test('finishAnswer refuses an answer whose m-lines do not match the offer', () => {
  const plan = planAnswer(chromeLikeOffer(), {});
  assert.throws(() => finishAnswer('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', plan), SdpError);
});

test('parseCandidate accepts RFC 8839 candidates and refuses garbage', () => {
  const c = parseCandidate('candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 10.0.0.1 rport 46154 generation 0');
  assert.equal(c?.type, 'srflx');
  assert.equal(c?.relatedAddress, '10.0.0.1');
  assert.equal(parseCandidate('a=candidate:1 1 UDP 1 ::1 9 typ host')?.transport, 'udp');
  for (const bad of ['', 'candidate:', 'candidate:1 1 udp 1 1.2.3.4 99999 typ host', 'candidate:1 1 sctp 1 1.2.3.4 9 typ host', 'candidate:1 1 udp 1 1.2.3.4 9 type host', 42, null]) {
    assert.equal(parseCandidate(bad), undefined, String(bad));
  }
});

const iface = (name: string, address: string, family: 4 | 6, internal = false): InterfaceAddress => ({ name, address, family, internal });

test('selectLocalEndpoints: loopback-only host, enforce/ignore lists, IPv6 switch, 1:1 NAT', () => {
  const loOnly = { ipv6Available: true, interfaces: [iface('lo', '127.0.0.1', 4, true), iface('lo', '::1', 6, true)] };
  assert.deepEqual(
    selectLocalEndpoints(loOnly, { ipv6: true }).map((e) => e.bind),
    ['127.0.0.1', '::1'],
  );
  assert.deepEqual(
    selectLocalEndpoints(loOnly, { ipv6: false }).map((e) => e.bind),
    ['127.0.0.1'],
  );
  const host = {
    ipv6Available: true,
    interfaces: [
      iface('lo', '127.0.0.1', 4, true),
      iface('lo', '::1', 6, true),
      iface('eth0', '192.0.2.2', 4),
      iface('eth0', 'fd00::2', 6),
      iface('eth0', 'fe80::1', 6),
      iface('docker0', '172.17.0.1', 4),
    ],
  };
  assert.deepEqual(
    selectLocalEndpoints(host, { ipv6: true }).map((e) => e.bind),
    ['192.0.2.2', '172.17.0.1', 'fd00::2'],
  );
  assert.deepEqual(
    selectLocalEndpoints(host, { ipv6: true, iceIgnoreList: ['docker'] }).map((e) => e.bind),
    ['192.0.2.2', 'fd00::2'],
  );
  assert.deepEqual(
    selectLocalEndpoints(host, { ipv6: true, iceEnforceList: ['lo'] }).map((e) => e.bind),
    ['127.0.0.1', '::1'],
  );
  assert.deepEqual(
    selectLocalEndpoints(host, { ipv6: true, iceEnforceList: ['192.0.'] }).map((e) => e.bind),
    ['192.0.2.2'],
  );
  assert.deepEqual(
    selectLocalEndpoints({ ...host, ipv6Available: false }, { ipv6: true }).map((e) => e.family),
    [4, 4],
    'no IPv6 when the host has none',
  );
  const nat = selectLocalEndpoints(host, { ipv6: false, iceIgnoreList: ['docker'], nat1to1: ['203.0.113.9'] });
  assert.deepEqual(nat, [{ iface: 'eth0', bind: '192.0.2.2', advertise: '203.0.113.9', family: 4 }]);
});

test('RTCP builders round-trip through summarizeRtcp', () => {
  const pli = buildPli(1, 2);
  assert.equal(summarizeRtcp(pli)?.keyframeRequest, true);
  const remb = buildRemb(1, 256_000, [2, 3]);
  const s = summarizeRtcp(Buffer.concat([remb, pli]));
  assert.ok(s && s.remb !== undefined && Math.abs(s.remb - 256_000) / 256_000 < 0.001);
  assert.equal(summarizeRtcp(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])), undefined);
  assert.equal(summarizeRtcp(pli.subarray(0, 10)), undefined);
});

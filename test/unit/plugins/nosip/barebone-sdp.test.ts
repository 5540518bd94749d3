// The barebone SDP reader and writer (pure): a browser's offer and a plain peer's SDP read into m-lines, codecs,
// addresses, directions and SDES keys; what we write; what is refused and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerDirection, mediaAddress, parseSdp, peerReceives, writeBarebone, type SdpDescription } from '../../../../src/plugins/nosip/barebone-sdp.js';

const BROWSER_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdabcdabcdabcdabcdabcd',
  'a=fingerprint:sha-256 00:11',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:1 cname:x',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000',
  'a=rtcp-fb:* ccm fir',
  'a=fmtp:102 profile-level-id=42e01f;packetization-mode=1',
  '',
].join('\r\n');

function read(text: string): SdpDescription {
  const d = parseSdp(text);
  assert.ok(typeof d !== 'string', typeof d === 'string' ? d : '');
  return d;
}

test("a browser's offer: m-lines, codecs in order with fmtp and feedback, mids, directions", () => {
  const d = read(BROWSER_OFFER);
  assert.equal(d.media.length, 2);
  const [a, v] = d.media;
  assert.equal(a.kind, 'audio');
  assert.equal(a.port, 9);
  assert.equal(a.proto, 'UDP/TLS/RTP/SAVPF');
  assert.deepEqual(a.payloads, [111, 63, 9, 0, 8, 13, 110, 126]);
  assert.deepEqual(a.codecs[0], { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: ['transport-cc'] });
  assert.equal(a.mid, '0');
  assert.equal(a.address, '0.0.0.0');
  assert.equal(a.rtcpPort, 9);
  assert.deepEqual(a.extensions, [{ id: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' }]);
  assert.equal(v.direction, 'recvonly');
  assert.deepEqual(
    v.codecs.map((c) => c.name),
    ['VP8', 'rtx', 'H264'],
  );
  assert.deepEqual(v.codecs[0].feedback, ['goog-remb', 'nack', 'nack pli', 'ccm fir'], 'rtcp-fb:* applies to every payload type');
  assert.equal(mediaAddress(d, a), undefined, '0.0.0.0 is no address to send to');
});

test("a plain peer's SDP: static payload types without rtpmap, session c=, media c= over it, crypto, session direction", () => {
  const d = read(
    'v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 10.0.0.1\na=sendonly\nm=audio 4000 RTP/SAVP 0 8 101\na=rtpmap:101 telephone-event/8000\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk|2^20|1:4\nm=video 4002 RTP/AVP 96\nc=IN IP6 fd00::5\na=rtpmap:96 VP8/90000\na=inactive\n',
  );
  const [a, v] = d.media;
  assert.deepEqual(
    a.codecs.map((c) => [c.pt, c.name, c.clockRate]),
    [
      [0, 'PCMU', 8000],
      [8, 'PCMA', 8000],
      [101, 'telephone-event', 8000],
    ],
  );
  assert.equal(a.direction, 'sendonly', 'the session-level direction');
  assert.deepEqual(a.crypto, [{ tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', key: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk' }]);
  assert.equal(mediaAddress(d, a), '10.0.0.1');
  assert.equal(mediaAddress(d, v), 'fd00::5');
  assert.equal(v.direction, 'inactive');
});

test('what is refused, and why', () => {
  assert.equal(parseSdp(''), 'empty SDP');
  assert.equal(parseSdp('m=audio 1 RTP/AVP 0'), 'no v=0 line first');
  assert.equal(parseSdp('v=0\r\nm=audio 1 RTP/AVP 0\r\n'), 'missing o=, s= or m= line');
  assert.equal(parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'), 'missing o=, s= or m= line');
  assert.equal(parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio RTP/AVP'), 'malformed m-line');
  assert.equal(parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 70000 RTP/AVP 0'), 'invalid port in m-line');
  assert.equal(parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN XX 1\r\n'), 'malformed c= line');
  assert.equal(parseSdp('v=0\r\ngarbage\r\n'), 'malformed line "garbage"');
  assert.equal(parseSdp(`v=0\r\n${'m=audio 1 RTP/AVP 0\r\n'.repeat(17)}`), 'too many m-lines');
  assert.equal(parseSdp(`v=0\r\n${'a=x\r\n'.repeat(20000)}`), 'SDP too long');
  // Odd but harmless lines are skipped, not refused.
  const d = read('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 1 RTP/AVP 0 999 abc\r\na=rtpmap:999 x/1\r\na=crypto:bad\r\na=rtcp:notaport\r\n');
  assert.deepEqual(d.media[0].payloads, [0]);
  assert.deepEqual(d.media[0].crypto, []);
  assert.equal(d.media[0].rtcpPort, undefined);
});

test('writing a barebone SDP: plain RTP lines, our address, a rejected line keeps its format, crypto, direction; it reads back', () => {
  const sdp = writeBarebone({ address: '192.0.2.7', sessionId: '42', version: 3 }, [
    {
      kind: 'audio',
      port: 20000,
      proto: 'RTP/SAVP',
      codecs: [{ pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1', feedback: ['transport-cc'] }],
      direction: 'sendrecv',
      crypto: { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: 'a2V5' },
    },
    {
      kind: 'video',
      port: 20002,
      proto: 'RTP/AVP',
      codecs: [{ pt: 96, name: 'VP8', clockRate: 90000, feedback: ['goog-remb', 'nack', 'nack pli', 'ccm fir', 'transport-cc'] }],
      direction: 'recvonly',
    },
    { kind: 'application', port: 0, proto: 'UDP/DTLS/SCTP', codecs: [], direction: 'inactive' },
  ]);
  assert.equal(
    sdp,
    [
      'v=0',
      'o=- 42 3 IN IP4 192.0.2.7',
      's=Portunus NoSIP',
      'c=IN IP4 192.0.2.7',
      't=0 0',
      'm=audio 20000 RTP/SAVP 111',
      'c=IN IP4 192.0.2.7',
      'a=rtpmap:111 opus/48000/2',
      'a=fmtp:111 useinbandfec=1',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:a2V5',
      'a=sendrecv',
      'm=video 20002 RTP/AVP 96',
      'c=IN IP4 192.0.2.7',
      'a=rtpmap:96 VP8/90000',
      'a=rtcp-fb:96 nack',
      'a=rtcp-fb:96 nack pli',
      'a=rtcp-fb:96 ccm fir',
      'a=recvonly',
      'm=application 0 UDP/DTLS/SCTP 0',
      'c=IN IP4 192.0.2.7',
      '',
    ].join('\r\n'),
  );
  const back = read(sdp);
  assert.deepEqual(
    back.media.map((m) => [m.kind, m.port, m.direction]),
    [
      ['audio', 20000, 'sendrecv'],
      ['video', 20002, 'recvonly'],
      ['application', 0, 'sendrecv'],
    ],
  );
  assert.match(writeBarebone({ address: '::1', sessionId: '1', version: 1 }, []), /^o=- 1 1 IN IP6 ::1\r\ns=Portunus NoSIP\r\nc=IN IP6 ::1\r$/m);
});

test('directions: what an answerer takes, whether a peer receives', () => {
  assert.equal(answerDirection('sendonly'), 'recvonly');
  assert.equal(answerDirection('recvonly'), 'sendonly');
  assert.equal(answerDirection('sendrecv'), 'sendrecv');
  assert.equal(answerDirection('inactive'), 'inactive');
  assert.deepEqual((['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const).map(peerReceives), [true, false, true, false]);
});

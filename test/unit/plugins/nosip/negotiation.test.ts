// How a WebRTC description and a barebone one map (pure): the bridged lines, the codecs a peer is offered, the
// codec an answer chose, the offer and the answer we write from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSdp, type SdpDescription } from '../../../../src/plugins/nosip/barebone-sdp.js';
import { answeredCodec, answerToPeer, bridgedLines, codecName, offerFromBrowser, supportsPli, usableCodecs, usableCrypto } from '../../../../src/plugins/nosip/negotiation.js';

function read(text: string): SdpDescription {
  const d = parseSdp(text);
  assert.ok(typeof d !== 'string', typeof d === 'string' ? d : '');
  return d;
}

const OFFER = read(
  [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'm=audio 9 UDP/TLS/RTP/SAVPF 63 111 0 110',
    'a=mid:a',
    'a=rtpmap:63 red/48000/2',
    'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:110 telephone-event/48000',
    'm=audio 9 UDP/TLS/RTP/SAVPF 0',
    'a=mid:a2',
    'm=video 0 UDP/TLS/RTP/SAVPF 96',
    'a=mid:dead',
    'a=rtpmap:96 VP8/90000',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 100',
    'a=mid:v',
    'a=sendonly',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=rtpmap:98 VP8/90000',
    'a=rtpmap:100 H264/90000',
    '',
  ].join('\r\n'),
);

test('the first live audio and video lines are bridged; disabled lines are not', () => {
  assert.deepEqual(bridgedLines(OFFER), { audio: 0, video: 3 });
  assert.deepEqual(bridgedLines(read('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 0 RTP/AVP 0\r\n')), {});
});

test('usable codecs: only those the media layer negotiates, one per name, in order', () => {
  assert.deepEqual(
    usableCodecs(OFFER.media[0], 'audio').map((c) => c.pt),
    [111, 0],
  );
  assert.deepEqual(
    usableCodecs(OFFER.media[3], 'video').map((c) => c.pt),
    [96, 100],
  );
  assert.equal(codecName(OFFER.media[3].codecs[3], 'video'), 'h264');
  assert.equal(codecName(OFFER.media[0].codecs[0], 'audio'), undefined, 'RED is not bridged');
  assert.ok(supportsPli(OFFER.media[3].codecs[0]));
  assert.ok(!supportsPli(OFFER.media[0].codecs[1]));
});

test('the barebone offer: bridged lines with our ports, codecs and the browser direction; the rest disabled', () => {
  const lines = bridgedLines(OFFER);
  const media = offerFromBrowser(OFFER, lines, { audio: { port: 20000 }, video: { port: 20002, crypto: { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: 'k' } } }, 'RTP/AVP');
  assert.deepEqual(
    media.map((m) => [m.kind, m.port, m.proto, m.codecs.map((c) => c.pt), m.direction, m.crypto?.key]),
    [
      ['audio', 20000, 'RTP/AVP', [111, 0], 'sendrecv', undefined],
      ['audio', 0, 'RTP/AVP', [0], 'inactive', undefined],
      ['video', 0, 'RTP/AVP', [96], 'inactive', undefined],
      ['video', 20002, 'RTP/AVP', [96, 100], 'sendonly', 'k'],
    ],
  );
});

test("the codec an answer chose: its first payload type we offered; a peer's SDES line of a known suite (and our tag)", () => {
  const offered = usableCodecs(OFFER.media[0], 'audio');
  const answer = read(
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8 0 111\r\na=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:abc\r\na=crypto:1 F8_128_HMAC_SHA1_80 inline:def\r\n',
  ).media[0];
  assert.equal(answeredCodec(answer, offered)?.pt, 0);
  assert.equal(answeredCodec(read('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 4000 RTP/AVP 8\r\n').media[0], offered), undefined);
  // A peer numbering opus its own way: the offered codec under the answer's number.
  const renumbered = answeredCodec(read('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 4000 RTP/AVP 109\r\na=rtpmap:109 OPUS/48000/2\r\n').media[0], offered);
  assert.deepEqual([renumbered?.name, renumbered?.pt], ['opus', 109]);
  const known = (s: string): boolean => s === 'AES_CM_128_HMAC_SHA1_80';
  assert.equal(usableCrypto(answer, known)?.tag, 3);
  assert.equal(usableCrypto(answer, known, 1), undefined, 'not the tag we offered');
});

test("the barebone answer to a peer's offer: the lines taken with our port and the one codec, the others disabled", () => {
  const peer = read('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0 8\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\nm=text 4004 RTP/AVP 98\r\n');
  const media = answerToPeer(peer, new Map([[0, { port: 30000, codec: peer.media[0].codecs[1], direction: 'sendrecv' as const }]]), 'RTP/AVP');
  assert.deepEqual(
    media.map((m) => [m.kind, m.port, m.codecs.map((c) => c.pt), m.direction]),
    [
      ['audio', 30000, [8], 'sendrecv'],
      ['video', 0, [96], 'inactive'],
      ['text', 0, [], 'inactive'],
    ],
  );
});

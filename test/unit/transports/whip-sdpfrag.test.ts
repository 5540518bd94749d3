// RFC 8840 fragments as WHIP/WHEP PATCH bodies carry them: read, bounded, written back for an ICE restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSdpFrag, iceUfragOf, parseSdpFrag, restartFragmentOf, SdpFragError, SDPFRAG_LIMITS, withIceCredentials } from '../../../src/transports/whip/sdpfrag.js';

const TRICKLE = [
  'a=ice-options:trickle ice2',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
  'a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1',
  'a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2',
  'a=end-of-candidates',
  '',
].join('\r\n');

test('the RFC 9725 trickle example: credentials, the mid, both candidates, the end of them', () => {
  const f = parseSdpFrag(TRICKLE);
  assert.equal(f.ufrag, 'EsAw');
  assert.equal(f.pwd, 'P2uYro0UCOQ4zxjKXaWCBui1');
  assert.equal(f.iceOptions, 'trickle ice2');
  assert.equal(f.media.length, 1);
  assert.equal(f.media[0].mid, '0');
  assert.deepEqual(
    f.media[0].candidates.map((c) => c.split(' ')[4]),
    ['192.0.2.1', '198.51.100.2'],
  );
  assert.ok(f.media[0].candidates[0].startsWith('candidate:1387637174 '));
  assert.equal(f.endOfCandidates, true);
});

test('session-level credentials and candidates, LF line ends, end of candidates alone', () => {
  const f = parseSdpFrag('a=ice-ufrag:abcd\na=ice-pwd:0123456789abcdef01234567\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\n');
  assert.equal(f.ufrag, 'abcd');
  assert.deepEqual(f.sessionCandidates, ['candidate:1 1 udp 1 127.0.0.1 9 typ host']);
  assert.equal(f.endOfCandidates, false);
  assert.equal(parseSdpFrag('a=end-of-candidates\r\n').endOfCandidates, true);
  assert.equal(parseSdpFrag('').media.length, 0);
});

test('what RFC 8840 does not allow is an SdpFragError', () => {
  for (const bad of [
    'garbage',
    'a=mid:0',
    'm=audio nine UDP',
    'a=ice-ufrag:only-ufrag!',
    'a=ice-ufrag:abcd',
    'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=candidate:1 1 udp',
    'm=audio 9 X 0\r\na=ice-ufrag:aaaa\r\na=ice-pwd:bbbbbbbbbbbbbbbbbbbbbbbb\r\nm=video 9 X 0\r\na=ice-ufrag:cccc\r\na=ice-pwd:dddddddddddddddddddddddd',
    'x'.repeat(SDPFRAG_LIMITS.maxLength + 1),
    'a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n'.repeat(SDPFRAG_LIMITS.maxCandidates + 1),
  ]) {
    assert.throws(() => parseSdpFrag(bad), SdpFragError, JSON.stringify(bad.slice(0, 60)));
  }
});

const ANSWER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=ice-lite',
  'a=group:BUNDLE 0 1',
  'm=audio 40000 UDP/TLS/RTP/SAVPF 111',
  'a=ice-ufrag:NEWU',
  'a=ice-pwd:newpasswordnewpassword',
  'a=mid:0',
  'a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host',
  'a=end-of-candidates',
  'm=video 40000 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=candidate:2 1 udp 2130706431 127.0.0.1 40002 typ host',
  '',
].join('\r\n');

test("an answer's restart fragment: ice-lite, credentials, the bundle, the first m= section's line (port 9), mid and candidates", () => {
  const r = restartFragmentOf(ANSWER)!;
  assert.deepEqual(r, {
    iceLite: true,
    ufrag: 'NEWU',
    pwd: 'newpasswordnewpassword',
    bundle: '0 1',
    mline: 'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    mid: '0',
    candidates: ['candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host'],
  });
  const text = formatSdpFrag(r);
  assert.equal(
    text,
    'a=ice-lite\r\na=ice-ufrag:NEWU\r\na=ice-pwd:newpasswordnewpassword\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n',
  );
  // What we write, we read.
  const back = parseSdpFrag(text);
  assert.equal(back.ufrag, 'NEWU');
  assert.equal(back.endOfCandidates, true);
  assert.equal(restartFragmentOf('v=0\r\n'), undefined);
});

test('the new offer of an ICE restart: new credentials everywhere, no candidates', () => {
  const offer = withIceCredentials(ANSWER, 'U2', 'P2P2P2P2P2P2P2P2P2P2P2');
  assert.equal(iceUfragOf(offer), 'U2');
  assert.ok(!offer.includes('a=candidate:') && !offer.includes('end-of-candidates') && !offer.includes('NEWU'));
  assert.equal(offer.match(/a=ice-pwd:P2P2/g)?.length, 1);
  assert.ok(offer.endsWith('\r\n'));
});

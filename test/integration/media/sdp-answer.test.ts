// The SDP answer of a real WebRtcPeer (it gathers candidates on loopback sockets) to an offer it can only partly take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSdp } from '../../../src/media/sdp.js';
import { WebRtcPeer } from '../../../src/media/werift/peer.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { chromeLikeOffer } from '../../helpers/chrome-offer.js';

test('an m-line without a supported codec is answered with port 0, the rest works', { timeout: 15_000 }, async () => {
  const offer = chromeLikeOffer('a=rtpmap:98 MP4V-ES/90000', '98');
  const peer = new WebRtcPeer({ network: new HostNetwork(await discoverNetworkHost()), iceEnforceList: ['lo'], log: () => {} });
  try {
    const answer = parseSdp(await peer.acceptOffer(offer, { audio: true, video: true, data: true }));
    assert.equal(answer.media.length, 3);
    assert.equal(answer.media[1].kind, 'video');
    assert.equal(answer.media[1].port, 0);
    assert.equal(answer.media[1].mid, '1');
    assert.notEqual(answer.media[0].port, 0);
    assert.deepEqual(answer.groups.find((g) => g.semantics === 'BUNDLE')?.mids, ['0', '2']);
    assert.deepEqual(
      answer.media[0].codecs.map((c) => c.name.toLowerCase()),
      ['opus'],
    );
  } finally {
    peer.close();
  }
});

test('multiopus: an offer of multiopus/48000/6 is answered with its channel count (the browser sends nothing otherwise)', { timeout: 15_000 }, async () => {
  const offer = chromeLikeOffer()
    .replace('m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8', 'm=audio 9 UDP/TLS/RTP/SAVPF 112 111')
    .replace(
      'a=rtpmap:111 opus/48000/2',
      'a=rtpmap:112 multiopus/48000/6\r\na=fmtp:112 channel_mapping=0,4,1,2,3,5;coupled_streams=2;minptime=10;num_streams=4;useinbandfec=1\r\na=rtpmap:111 opus/48000/2',
    );
  const peer = new WebRtcPeer({ network: new HostNetwork(await discoverNetworkHost()), iceEnforceList: ['lo'], log: () => {} });
  try {
    const sdp = await peer.acceptOffer(offer, { audio: true, video: true, data: true, audioCodecs: ['multiopus'] });
    assert.match(sdp, /a=rtpmap:112 multiopus\/48000\/6\r\n/);
    assert.match(sdp, /a=fmtp:112 .*channel_mapping=0,4,1,2,3,5/);
    // Stereo Opus keeps its /2 and mono codecs get no count, as before.
    const plain = new WebRtcPeer({ network: new HostNetwork(await discoverNetworkHost()), iceEnforceList: ['lo'], log: () => {} });
    try {
      const answer = await plain.acceptOffer(chromeLikeOffer(), { audio: true, video: true, data: true });
      assert.match(answer, /a=rtpmap:111 opus\/48000\/2\r\n/);
      assert.match(answer, /a=rtpmap:96 VP8\/90000\r\n/);
    } finally {
      plain.close();
    }
  } finally {
    peer.close();
  }
});

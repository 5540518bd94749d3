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

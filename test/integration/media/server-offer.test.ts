// Server-initiated negotiation (Streaming-style): WebRtcPeer offers, a werift client answers, RTP flows out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTCPeerConnection, useOPUS, useVP8 } from 'werift';
import { parseSdp } from '../../../src/media/sdp.js';
import { UdpIceTransport } from '../../../src/media/udp-ice-transport.js';
import { WebRtcPeer } from '../../../src/media/werift/peer.js';
import { takeOverIceGathering } from '../../../src/media/werift/ice-gathering.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { rtpWithText } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';

test('createOffer + acceptAnswer: mids, codecs and PTs as asked; RTP reaches the client', { timeout: 20_000 }, async () => {
  const network = new HostNetwork(await discoverNetworkHost());
  const peer = new WebRtcPeer({ network, iceEnforceList: ['lo'], log: () => {} });
  const client = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, codecs: { audio: [useOPUS()], video: [useVP8()] } });
  const sockets: UdpIceTransport[] = [];
  const received: string[] = [];
  client.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => received.push(`${track.kind}:${rtp.payload.toString()}`)));
  let up = false;
  peer.on('webrtcup', () => (up = true));
  try {
    const offer = await peer.createOffer([
      { kind: 'audio', mid: 'a', codec: 'opus', pt: 111 },
      { kind: 'video', mid: 'v', codec: 'VP8', pt: 100 },
    ]);
    const parsed = parseSdp(offer);
    assert.deepEqual(
      parsed.media.map((m) => m.mid),
      ['a', 'v'],
    );
    assert.deepEqual(
      parsed.media.map((m) => m.codecs.map((c) => `${c.pt} ${c.name}`)),
      [['111 opus'], ['100 VP8']],
    );
    assert.ok(parsed.iceLite);
    // What we send carries no transport-wide sequence numbers: we do not ask for that feedback.
    assert.ok(
      parsed.media.every((m) => m.codecs.every((c) => !c.rtcpFb.some((f) => f.startsWith('transport-cc')))),
      'no transport-cc feedback asked',
    );
    assert.ok(
      parsed.media.every((m) => !m.extmaps.some((e) => e.uri.includes('transport-wide-cc'))),
      'no transport-wide CC extension',
    );
    await client.setRemoteDescription({ type: 'offer', sdp: offer });
    takeOverIceGathering(
      client,
      async () => {
        const t = new UdpIceTransport(await network.openUdp({ what: 'test client', bind: '127.0.0.1' }), () => {});
        sockets.push(t);
        return [{ transport: t, advertise: '127.0.0.1' }];
      },
      () => {},
    );
    await client.setLocalDescription(await client.createAnswer());
    await peer.acceptAnswer(client.localDescription!.sdp);
    await waitFor(() => up, { timeout: 10_000, what: 'webrtcup' });
    for (let i = 0; i < 10; i++) {
      peer.relayRtp('v', rtpWithText(i, 42, 96, `frame-${i}`).serialize());
      peer.relayRtp('a', rtpWithText(i, 43, 0, `sample-${i}`).serialize());
      await sleep(10);
    }
    await waitFor(() => received.filter((r) => r.startsWith('video:')).length >= 8 && received.filter((r) => r.startsWith('audio:')).length >= 8, { timeout: 5000, what: 'client received' });
    assert.ok(received.includes('video:frame-3'));
  } finally {
    peer.close();
    await client.close();
    await Promise.all(sockets.map((s) => s.close()));
  }
});

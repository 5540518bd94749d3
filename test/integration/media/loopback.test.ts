// Two peers over loopback: a werift client offers audio+video+data, WebRtcPeer answers and echoes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { parseSdp } from '../../../src/media/sdp.js';
import { runLoopbackEcho } from '../../helpers/loopback-echo.js';
import { sleep, waitFor } from '../../../support/wait.js';

test('loopback echo: RTP and data channel come back intact, webrtcup fires, close frees sockets', { timeout: 30_000 }, async () => {
  const network = new HostNetwork(await discoverNetworkHost());
  const r = await runLoopbackEcho(network, { iceEnforceList: ['lo'] });

  const answer = parseSdp(r.answer);
  assert.equal(answer.media.length, 3);
  assert.ok(answer.iceLite, 'answer advertises ice-lite');
  const audio = answer.media.find((m) => m.kind === 'audio')!;
  const video = answer.media.find((m) => m.kind === 'video')!;
  assert.deepEqual(
    audio.codecs.map((c) => c.name.toLowerCase()),
    ['opus'],
  );
  assert.deepEqual(
    video.codecs.map((c) => c.name.toLowerCase()),
    ['vp8'],
  );
  assert.ok(
    audio.extmaps.some((e) => e.uri.endsWith('sdes:mid')),
    'mid extension negotiated',
  );
  assert.ok(
    audio.candidates.every((c) => / (127\.0\.0\.1|::1) /.test(c)),
    `only loopback candidates: ${audio.candidates.join(' | ')}`,
  );

  for (let i = 0; i < 15; i++) {
    assert.ok(r.audioEchoed.includes(`audio-${i}`), `audio-${i} echoed`);
    assert.ok(r.videoEchoed.includes(`video-${i}`), `video-${i} echoed`);
  }
  assert.ok(r.dataEchoed.includes('hello portunus'), 'text message echoed');
  const bin = r.dataEchoed.find((d) => Buffer.isBuffer(d));
  assert.ok(bin && Buffer.compare(bin, Buffer.from([0, 1, 2, 250, 251, 252])) === 0, 'binary message echoed');
  assert.ok(
    r.localCandidates.some((c) => 'candidate' in c && c.candidate.includes('127.0.0.1')),
    'trickled a loopback candidate',
  );
  assert.ok(
    r.localCandidates.some((c) => 'completed' in c),
    'trickled end of candidates',
  );
  assert.ok(
    r.mediaEvents.some((e) => e.type === 'audio' && e.receiving),
    'media receiving audio',
  );
  assert.ok(
    r.mediaEvents.some((e) => e.type === 'video' && e.receiving),
    'media receiving video',
  );
  assert.deepEqual(r.hangups, ['Close PC'], 'one hangup with the close reason');
  assert.equal(r.openSocketsAfterClose, 0, 'every ICE socket freed');
  console.log(`loopback connect time (offer → both connected): ${r.connectMs} ms`);
});

test('full ICE (nat.ice_lite = false): no ice-lite in the answer, the server checks too, the echo works', { timeout: 30_000 }, async () => {
  const network = new HostNetwork(await discoverNetworkHost());
  const r = await runLoopbackEcho(network, { iceEnforceList: ['lo'], iceLite: false });
  assert.equal(parseSdp(r.answer).iceLite, false);
  assert.ok(r.audioEchoed.length >= 15 && r.videoEchoed.length >= 15 && r.dataEchoed.length >= 2);
  assert.equal(r.openSocketsAfterClose, 0, 'every ICE socket freed');
});

test(
  'renegotiation: a second offer on the same m-lines is answered and the echo goes on; a new m-line is accepted when the plugin takes new streams, a removed one refused (ICE restart: see the janus.js echotest)',
  { timeout: 40_000 },
  async () => {
    const { WebRtcPeer } = await import('../../../src/media/werift/peer.js');
    const { clientOffer, createLoopbackClient, rtpWithText } = await import('../../../support/werift-client.js');
    const network = new HostNetwork(await discoverNetworkHost());
    const logs: string[] = [];
    const peer = new WebRtcPeer({ network, log: (l, m) => logs.push(`${l}: ${m}`), iceEnforceList: ['lo'], ipv6: false });
    const client = createLoopbackClient(network);
    const echoed: string[] = [];
    client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p) => echoed.push(p.payload.toString())));
    peer.on('rtp', (track, packet) => peer.relayRtp(track.mid, packet));
    const hangups: string[] = [];
    peer.on('hangup', (r) => hangups.push(r));
    try {
      let up = false;
      peer.on('webrtcup', () => (up = true));
      const first = await peer.acceptOffer(await clientOffer(client), { audio: true, video: true, data: true });
      await client.pc.setRemoteDescription({ type: 'answer', sdp: first });
      await waitFor(() => up && client.pc.connectionState === 'connected', { timeout: 15_000, what: 'webrtcup' });
      const pt = client.audio.sender.codec?.payloadType ?? 111;
      const send = async (from: number, n: number): Promise<void> => {
        for (let i = from; i < from + n; i++) {
          await client.audio.sender.sendRtp(rtpWithText(i, 5555, pt, `a${i}`));
          await sleep(10);
        }
      };
      await send(0, 20);
      await waitFor(() => echoed.includes('a19'), { timeout: 5000, what: 'echo before' });
      const ufrag = (sdp: string): string | undefined => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
      // The client offers again on the same m-lines (as janus.js does to renegotiate).
      const offer = await client.pc.createOffer();
      await client.pc.setLocalDescription(offer);
      const second = await peer.acceptOffer(client.pc.localDescription!.sdp, { audio: true, video: true, data: true });
      assert.equal(ufrag(second), ufrag(first), 'same ICE credentials: no restart');
      await client.pc.setRemoteDescription({ type: 'answer', sdp: second });
      await send(100, 30);
      await waitFor(() => echoed.includes('a129'), { timeout: 8000, what: 'echo after' });
      assert.ok(!logs.some((l) => /ICE restart/.test(l)));
      assert.deepEqual(hangups, []);
      // A new m-line (a client adding a stream) is answered and becomes a track of the peer.
      const added = client.pc.addTransceiver('video', { direction: 'sendrecv' });
      await client.pc.setLocalDescription(await client.pc.createOffer());
      const more = client.pc.localDescription!.sdp;
      await assert.rejects(peer.acceptOffer(more, { audio: true, video: true, data: true }), /may not add m-lines/, 'unless the plugin takes new streams');
      const third = await peer.acceptOffer(more, { audio: true, video: true, data: true, newStreams: true });
      assert.equal(parseSdp(third).media.length, 4);
      assert.ok(parseSdp(third).media[3].port !== 0, 'the new m-line is accepted');
      assert.ok(
        peer.tracks.some((t) => t.mid === added.mid && t.kind === 'video'),
        'and is a track of the peer',
      );
      await client.pc.setRemoteDescription({ type: 'answer', sdp: third });
      await send(200, 20);
      await waitFor(() => echoed.includes('a219'), { timeout: 8000, what: 'echo after the new m-line' });
      // An offer without an m-line negotiated before is refused.
      const fewer = more
        .split(/^(?=m=)/m)
        .slice(0, -1)
        .join('');
      await assert.rejects(peer.acceptOffer(fewer, { audio: true, video: true, data: true }), /may not remove or reorder m-lines/);
    } finally {
      peer.close();
      await client.close();
    }
  },
);

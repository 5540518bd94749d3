// The two-peer loopback echo scenario: a werift client offers audio+video+data to a WebRtcPeer that echoes
// everything back. Used by the loopback test and by the no-IPv6 child process.
import type { RtpPacket } from 'werift';
import { WebRtcPeer } from '../../src/media/werift/peer.js';
import { errorText } from '../../src/logging/error-text.js';
import type { LocalCandidateEvent, MediaStateEvent, WebRtcPeerOptions } from '../../src/media/peer-types.js';
import type { Network } from '../../src/net/network.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../support/werift-client.js';
import { sleep, waitFor } from '../../support/wait.js';

export interface EchoResult {
  readonly connectMs: number;
  readonly answer: string;
  readonly localCandidates: LocalCandidateEvent[];
  readonly mediaEvents: MediaStateEvent[];
  readonly audioEchoed: string[];
  readonly videoEchoed: string[];
  readonly dataEchoed: (string | Buffer)[];
  readonly hangups: string[];
  readonly openSocketsAfterClose: number;
}

export async function runLoopbackEcho(network: Network, extra: Partial<WebRtcPeerOptions> = {}, timeoutMs = 15_000, rewriteAnswer: (sdp: string) => string = (sdp) => sdp): Promise<EchoResult> {
  const logs: string[] = [];
  const peer = new WebRtcPeer({ network, log: (level, msg) => logs.push(`${level}: ${msg}`), noMediaTimerMs: 1000, ...extra });
  const client = createLoopbackClient(network);
  const localCandidates: LocalCandidateEvent[] = [];
  const mediaEvents: MediaStateEvent[] = [];
  const hangups: string[] = [];
  let webrtcup = false;
  // Echo wiring, as the EchoTest plugin does it.
  peer.on('rtp', (track, packet) => peer.relayRtp(track.mid, packet));
  peer.on('data', (m) => peer.relayData(m.data, m.label));
  peer.on('localCandidate', (c) => localCandidates.push(c));
  peer.on('media', (e) => mediaEvents.push(e));
  peer.on('webrtcup', () => (webrtcup = true));
  peer.on('hangup', (r) => hangups.push(r));

  const audioEchoed: string[] = [];
  const videoEchoed: string[] = [];
  const dataEchoed: (string | Buffer)[] = [];
  const collect = (into: string[]) => (rtp: RtpPacket) => {
    into.push(rtp.payload.toString());
  };
  // Receiving tracks are created when the answer is applied; they are announced on the transceiver.
  client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(collect(audioEchoed)));
  client.video.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(collect(videoEchoed)));
  client.channel.onMessage.subscribe((d) => dataEchoed.push(d));
  try {
    const started = Date.now();
    const offer = await clientOffer(client);
    const answer = await peer.acceptOffer(offer, { audio: true, video: true, data: true });
    await client.pc.setRemoteDescription({ type: 'answer', sdp: rewriteAnswer(answer) });
    await waitFor(() => webrtcup, { timeout: timeoutMs, what: 'webrtcup' });
    await waitFor(() => client.pc.connectionState === 'connected', { timeout: timeoutMs, what: 'client connected' });
    const connectMs = Date.now() - started;
    await waitFor(() => client.channel.readyState === 'open', { timeout: timeoutMs, what: 'data channel open' });

    const audioPt = client.audio.sender.codec?.payloadType ?? 111;
    const videoPt = client.video.sender.codec?.payloadType ?? 96;
    for (let i = 0; i < 20; i++) {
      await client.audio.sender.sendRtp(rtpWithText(1000 + i, 1111, audioPt, `audio-${i}`));
      await client.video.sender.sendRtp(rtpWithText(2000 + i, 2222, videoPt, `video-${i}`));
      await sleep(10);
    }
    client.channel.send('hello portunus');
    client.channel.send(Buffer.from([0, 1, 2, 250, 251, 252]));
    await waitFor(() => audioEchoed.length >= 15 && videoEchoed.length >= 15 && dataEchoed.length >= 2, { timeout: timeoutMs, what: 'echoed media' });

    peer.close('Close PC');
    peer.close('again'); // idempotent
    await sleep(100);
    const openSocketsAfterClose = peer.localPorts.length > 0 ? await countOpen(peer.localPorts) : 0;
    return { connectMs, answer, localCandidates, mediaEvents, audioEchoed, videoEchoed, dataEchoed, hangups, openSocketsAfterClose };
  } catch (err) {
    throw new Error(`${errorText(err)}\npeer log:\n${logs.join('\n')}`, { cause: err });
  } finally {
    peer.close('test end');
    await client.close();
  }
}

/** How many of the given UDP ports are still bound (probing by binding them ourselves). */
async function countOpen(ports: readonly { address: string; port: number }[]): Promise<number> {
  const dgram = await import('node:dgram');
  let open = 0;
  for (const p of ports) {
    const s = dgram.createSocket(p.address.includes(':') ? 'udp6' : 'udp4');
    const inUse = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(true));
      s.bind({ address: p.address, port: p.port, exclusive: true }, () => resolve(false));
    });
    if (inUse) open++;
    try {
      s.close();
    } catch {
      // never bound
    }
  }
  return open;
}

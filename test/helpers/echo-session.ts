// One EchoTest call by a werift peer over the Janus API (WebSocket), kept up with media for a while: what the
// event handler tests watch the server report. The caller hangs up, detaches and destroys through the result.
import assert from 'node:assert/strict';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText, type LoopbackClient } from '../../support/werift-client.js';
import { sleep } from '../../support/wait.js';

export interface EchoCall {
  readonly janus: JanusWs;
  readonly client: LoopbackClient;
  readonly session: number;
  readonly handle: number;
  /** Audio and video packets echoed back so far. */
  echoed(): number;
  /** Sends audio and video for `ms` (every 20 ms). */
  sendFor(ms: number): Promise<void>;
  /** Hangs up, detaches, destroys the session and closes the client. */
  end(): Promise<void>;
}

/** `opaqueId` undefined: attached without one (as Nextcloud's signaling server attaches its handles). */
export async function startEchoCall(wsUrl: string, opaqueId: string | undefined): Promise<EchoCall> {
  const network = new HostNetwork(await discoverNetworkHost());
  const client = createLoopbackClient(network, '127.0.0.1');
  const janus = await JanusWs.open(wsUrl);
  let back = 0;
  client.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => back++));
  client.video.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => back++));
  const session = ((await janus.request({ janus: 'create' })).data as { id: number }).id;
  const handle = ((await janus.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest', ...(opaqueId !== undefined ? { opaque_id: opaqueId } : {}) })).data as { id: number })
    .id;
  const offer = await clientOffer(client);
  const ack = await janus.request({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true, video: true, bitrate: 256000 }, jsep: { type: 'offer', sdp: offer } });
  assert.equal(ack.janus, 'ack');
  const ev = await janus.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'echotest answer');
  const jsep = ev.jsep as { type: string; sdp: string };
  await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(jsep.sdp) });
  await janus.wait((m) => m.janus === 'webrtcup' && m.sender === handle, 15_000, 'webrtcup');
  let seq = 0;
  const sendFor = async (ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      seq++;
      await client.audio.sender.sendRtp(rtpWithText(seq, 1111, client.audio.sender.codec?.payloadType ?? 111, `audio-${seq}`));
      await client.video.sender.sendRtp(rtpWithText(seq, 2222, client.video.sender.codec?.payloadType ?? 96, `video-${seq}`));
      await sleep(20);
    }
  };
  const end = async (): Promise<void> => {
    try {
      await janus.request({ janus: 'hangup', session_id: session, handle_id: handle });
      await janus.wait((m: Msg) => m.janus === 'hangup' && m.sender === handle, 5000, 'hangup');
      await janus.request({ janus: 'detach', session_id: session, handle_id: handle });
      await janus.request({ janus: 'destroy', session_id: session });
    } finally {
      janus.close();
      await client.close();
    }
  };
  return { janus, client, session, handle, echoed: () => back, sendFor, end };
}

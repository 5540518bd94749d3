// The EchoTest as a werift peer runs it through a server over the Janus API (WebSocket), checking content and order.
import assert from 'node:assert/strict';
import type { RtpPacket } from 'werift';
import { DATA_PREFIX } from '../../src/plugins/echotest/echotest.js';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../support/werift-client.js';
import { sleep, waitUntil } from '../../support/wait.js';

export interface EchoOutcome {
  readonly connectMs: number;
  readonly answerSdp: string;
}

/** `attach`: extra fields of the attach request (e.g. min_port/max_port); `bind`: the client's address. */
export async function runWeriftEchoTest(wsUrl: string, attach: Msg = {}, bind = '127.0.0.1'): Promise<EchoOutcome> {
  const network = new HostNetwork(await discoverNetworkHost());
  const client = createLoopbackClient(network, bind);
  const c = await JanusWs.open(wsUrl);
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest', ...attach })).data as { id: number }).id;
    const audioBack: string[] = [];
    const videoBack: string[] = [];
    client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p: RtpPacket) => audioBack.push(p.payload.toString())));
    client.video.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p: RtpPacket) => videoBack.push(p.payload.toString())));
    const dataBack: string[] = [];
    client.channel.onMessage.subscribe((d: string | Buffer) => dataBack.push(d.toString()));
    const offer = await clientOffer(client);
    const started = Date.now();
    const ack = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true, video: true }, jsep: { type: 'offer', sdp: offer } });
    assert.equal(ack.janus, 'ack');
    const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'echotest answer');
    assert.deepEqual((ev.plugindata as Msg).data, { echotest: 'event', result: 'ok' });
    const jsep = ev.jsep as { type: string; sdp: string };
    assert.equal(jsep.type, 'answer');
    assert.match(jsep.sdp, /a=fingerprint:/);
    await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(jsep.sdp) });
    await c.wait((m) => m.janus === 'webrtcup' && m.sender === handle, 15_000, 'webrtcup');
    const connectMs = Date.now() - started;

    const deadline = Date.now() + 10_000;
    let seq = 0;
    while (Date.now() < deadline && (audioBack.length < 5 || videoBack.length < 5 || dataBack.length === 0)) {
      seq++;
      await client.audio.sender.sendRtp(rtpWithText(seq, 1111, client.audio.sender.codec?.payloadType ?? 111, `audio-${seq}`));
      await client.video.sender.sendRtp(rtpWithText(seq, 2222, client.video.sender.codec?.payloadType ?? 96, `video-${seq}`));
      if (client.channel.readyState === 'open' && seq % 10 === 0 && dataBack.length === 0) client.channel.send('hi there');
      await sleep(20);
    }
    assert.ok(
      audioBack.some((p) => p.startsWith('audio-')),
      `audio echoed: ${audioBack.length}`,
    );
    assert.ok(
      videoBack.some((p) => p.startsWith('video-')),
      `video echoed: ${videoBack.length}`,
    );
    assert.equal(dataBack[0], `${DATA_PREFIX}hi there`);
    await c.wait((m) => m.janus === 'media' && m.type === 'audio' && m.receiving === true, 5000, 'media audio receiving');

    // keyframe: true makes the server ask the client's video sender for a keyframe (PLI).
    let plis = 0;
    client.video.sender.onPictureLossIndication.subscribe(() => plis++);
    const kf = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { keyframe: true } });
    await c.wait((m) => m.janus === 'event' && m.transaction === kf.transaction, 5000, 'keyframe result');
    await waitUntil(() => plis > 0, { timeout: 3000, interval: 20 });
    assert.ok(plis > 0, 'PLI reached the client after keyframe: true');

    // Hangup: the core's hangup event (reason "Janus API"), then the plugin's "done".
    assert.equal((await c.request({ janus: 'hangup', session_id: session, handle_id: handle })).janus, 'success');
    const hangup = await c.wait((m) => m.janus === 'hangup' && m.sender === handle, 5000, 'hangup');
    assert.equal(hangup.reason, 'Janus API');
    await c.wait((m) => m.janus === 'event' && ((m.plugindata as Msg).data as Msg).result === 'done', 5000, 'done');
    const order = c.events.map((m) => m.janus);
    assert.ok(order.indexOf('webrtcup') < order.indexOf('hangup'));

    assert.equal((await c.request({ janus: 'detach', session_id: session, handle_id: handle })).janus, 'success');
    await c.wait((m) => m.janus === 'detached', 5000, 'detached');
    assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
    return { connectMs, answerSdp: jsep.sdp };
  } finally {
    c.close();
    await client.close();
  }
}

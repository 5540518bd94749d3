// Workload 3: echo latency (median, p99) and connect time (offer to webrtcup) through the EchoTest plugin.
// A werift client offers audio+video; it stamps audio RTP payloads with a send time and measures when each
// packet comes back. Both servers get the same client and the same pacing, so the ratio compares the servers.
import type { RtpPacket } from 'werift';
import { discoverNetworkHost } from '../src/net/network-host.js';
import { HostNetwork } from '../src/net/host-network.js';
import type { Network } from '../src/net/network.js';
import { JanusWs, type Msg } from '../support/janus-ws.js';
import { candidatesOn } from '../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../support/werift-client.js';
import type { RunningServer } from './janus-reference.js';
import { cpuSeconds } from './process-stats.js';
import { sleep } from '../support/wait.js';

export interface EchoBenchResult {
  readonly connectMs: number[];
  readonly rttMs: number[];
  readonly sent: number;
  readonly received: number;
  /** Server CPU time per packet echoed during the burst phase (decrypt, plugin, encrypt, send). */
  readonly cpuUsPerPacket: number[];
}

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function summarize(r: EchoBenchResult): { connectMedian: number; rttMedian: number; rttP99: number; loss: number; cpuUsPerPacket: number } {
  return {
    connectMedian: percentile(r.connectMs, 50),
    rttMedian: percentile(r.rttMs, 50),
    rttP99: percentile(r.rttMs, 99),
    loss: 1 - r.received / Math.max(1, r.sent),
    cpuUsPerPacket: percentile(r.cpuUsPerPacket, 50),
  };
}

/** Called around each call's burst phase, outside the CPU figure (the echo profile records the burst only). */
export interface BurstWatch {
  begin(): Promise<void>;
  end(): Promise<void>;
}

async function oneCall(server: RunningServer, network: Network, packets: number, into: EchoBenchResult, watch?: BurstWatch): Promise<void> {
  const client = createLoopbackClient(network, server.clientAddress);
  const c = await JanusWs.open(server.wsUrl);
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
    const sentAt = new Map<number, number>();
    let echoed = 0;
    client.video.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => echoed++));
    client.audio.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((p: RtpPacket) => {
        const text = p.payload.toString();
        if (!text.startsWith('t')) return;
        const seq = Number(text.slice(1));
        const t0 = sentAt.get(seq);
        if (t0 === undefined) return;
        sentAt.delete(seq);
        into.rttMs.push(performance.now() - t0);
        (into as { received: number }).received++;
      }),
    );
    const offer = await clientOffer(client);
    const started = performance.now();
    const ack = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true, video: true }, jsep: { type: 'offer', sdp: offer, trickle: false } });
    const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction && m.jsep !== undefined, 10_000, 'answer');
    await client.pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn((ev.jsep as Msg).sdp as string, server.mediaAddress) });
    await c.wait((m) => m.janus === 'webrtcup' && m.sender === handle, 15_000, 'webrtcup');
    into.connectMs.push(performance.now() - started);
    await sleep(200);
    const pt = client.audio.sender.codec?.payloadType ?? 111;
    for (let i = 0; i < packets; i++) {
      sentAt.set(i, performance.now());
      await client.audio.sender.sendRtp(rtpWithText(i, 4242, pt, `t${i}`));
      (into as { sent: number }).sent++;
      await sleep(10); // 100 packets/s, like a real audio stream
    }
    await sleep(300);
    // Burst phase: 2000 video-sized packets/s for 2 s; server CPU per packet echoed.
    echoed = 0;
    const vpt = client.video.sender.codec?.payloadType ?? 96;
    const payload = 'v'.repeat(1100);
    await watch?.begin();
    const cpu0 = cpuSeconds(server.pid);
    for (let i = 0; i < 200; i++) {
      for (let k = 0; k < 20; k++) await client.video.sender.sendRtp(rtpWithText(i * 20 + k, 9999, vpt, payload));
      await sleep(10);
    }
    await sleep(300);
    const cpu = cpuSeconds(server.pid) - cpu0;
    await watch?.end();
    if (echoed > 0) into.cpuUsPerPacket.push((cpu * 1e6) / echoed);
    await c.request({ janus: 'destroy', session_id: session });
  } finally {
    c.close();
    await client.close();
  }
}

export async function runEchoBench(server: RunningServer, calls: number, packetsPerCall: number, watch?: BurstWatch): Promise<EchoBenchResult> {
  const network = new HostNetwork(await discoverNetworkHost());
  const result: EchoBenchResult = { connectMs: [], rttMs: [], sent: 0, received: 0, cpuUsPerPacket: [] };
  for (let i = 0; i < calls; i++) await oneCall(server, network, packetsPerCall, result, watch);
  return result;
}

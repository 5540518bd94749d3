// Workload 1: one mountpoint fed over UDP (video-sized packets at ~1 Mbit/s plus Opus-sized audio) to N werift
// viewers in the bench process. Figures: server CPU per 1000 packets forwarded, loss per viewer, and the largest
// N with under 1 % loss. Each load-client viewer completes ICE and DTLS with werift, then counts every SRTP
// packet from its clear-text header at the socket and decrypts one in 50 (a sample that proves the content is
// valid SRTP); its own CPU is reported next to the server's so a reader knows how much of the machine each had.
import dgram from 'node:dgram';
import { discoverNetworkHost } from '../src/net/network-host.js';
import { HostNetwork } from '../src/net/host-network.js';
import { JanusWs, type Msg } from '../support/janus-ws.js';
import { watch, type Viewer } from '../support/streaming-viewer.js';
import type { RunningServer } from './janus-reference.js';
import { cpuSeconds, residentBytes } from './process-stats.js';
import { sleep } from '../support/wait.js';

export interface FanoutStep {
  readonly viewers: number;
  readonly sent: number;
  readonly forwarded: number;
  readonly worstLoss: number;
  readonly serverCpuUsPerPacket: number;
  readonly clientCpuShare: number;
  /** Server resident-set growth since before the first viewer, divided by the viewers connected. */
  readonly rssBytesPerViewer: number;
}

const VIDEO_PPS = 100; // 1100-byte payloads: ~0.9 Mbit/s
const AUDIO_PPS = 50;
/** The load client counts every packet from its clear-text header and decrypts one in this many. */
const CLIENT_SAMPLE_EVERY = 50;

export async function runFanout(server: RunningServer, steps: readonly number[], seconds: number): Promise<FanoutStep[]> {
  const network = new HostNetwork(await discoverNetworkHost());
  const admin = await JanusWs.open(server.wsUrl);
  const session = ((await admin.request({ janus: 'create' })).data as { id: number }).id;
  const handle = ((await admin.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
  const created = await admin.request({
    janus: 'message',
    session_id: session,
    handle_id: handle,
    body: {
      request: 'create',
      type: 'rtp',
      media: [
        { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
        { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
      ],
    },
  });
  const stream = ((created.plugindata as Msg).data as Msg).stream as { id: number; ports: Array<{ mid: string; port: number }> };
  const aport = stream.ports.find((p) => p.mid === 'a')!.port;
  const vport = stream.ports.find((p) => p.mid === 'v')!.port;
  const sender = dgram.createSocket('udp4');
  let vseq = 0;
  let aseq = 0;
  let tick = 0;
  let sent = 0;
  const packet = (pt: number, ssrc: number, seq: number, ts: number, size: number): Buffer => {
    const b = Buffer.alloc(12 + size);
    b[0] = 0x80;
    b[1] = pt;
    b.writeUInt16BE(seq & 0xffff, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(ssrc, 8);
    return b;
  };
  const timer = setInterval(() => {
    for (let k = 0; k < VIDEO_PPS / 50; k++) sender.send(packet(100, 0x1111, vseq++, tick * 1800, 1100), vport, server.mediaAddress);
    sender.send(packet(111, 0x2222, aseq++, tick * 960, 120), aport, server.mediaAddress);
    tick++;
    sent += VIDEO_PPS / 50 + AUDIO_PPS / 50;
  }, 20);
  const viewers: Viewer[] = [];
  const results: FanoutStep[] = [];
  await sleep(500);
  const rss0 = residentBytes(server.pid);
  try {
    for (const n of steps) {
      while (viewers.length < n) viewers.push(await watch(server.wsUrl, network, stream.id, { sampleEvery: CLIENT_SAMPLE_EVERY, bind: server.clientAddress, serverAddress: server.mediaAddress }));
      await sleep(1000);
      const counts0 = viewers.map((v) => v.seqs.length);
      const sent0 = sent;
      const cpu0 = cpuSeconds(server.pid);
      const client0 = process.cpuUsage();
      const t0 = performance.now();
      await sleep(seconds * 1000);
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(server.pid) - cpu0;
      const client = process.cpuUsage(client0);
      const sentNow = sent - sent0;
      const got = viewers.map((v, i) => v.seqs.length - counts0[i]);
      const forwarded = got.reduce((a, b) => a + b, 0);
      const worstLoss = Math.max(0, ...got.map((g) => 1 - g / sentNow));
      results.push({
        viewers: n,
        sent: sentNow,
        forwarded,
        worstLoss,
        serverCpuUsPerPacket: (cpu * 1e6) / Math.max(1, forwarded),
        clientCpuShare: (client.user + client.system) / 1e6 / elapsed,
        rssBytesPerViewer: (residentBytes(server.pid) - rss0) / n,
      });
      if (worstLoss > 0.05) break;
    }
  } finally {
    clearInterval(timer);
    sender.close();
    for (const v of viewers) await v.leave().catch(() => {});
    admin.close();
  }
  return results;
}

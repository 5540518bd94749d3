// Workload 1: one mountpoint fed over UDP (video-sized packets at ~1 Mbit/s plus Opus-sized audio) to N werift
// viewers in the bench process. Figures: server CPU per packet forwarded, loss per viewer, the largest N with under
// 1 % loss, and memory per viewer (server RSS, and for Portunus its JavaScript heap from the Admin API).
//
// Each viewer completes ICE and DTLS with werift. Its RTP is counted per viewer and stream either in the kernel
// (bench/kernel-counter.ts: nftables counters on the host side, the RTP dropped before the socket except one in
// 50 for one viewer in 20, which werift decrypts, so 1000 viewers cost the bench little), or, without nftables or
// with BENCH_KERNEL_COUNT=0, at the viewer's socket from the clear-text header as before (one in 50 decrypted).
// With BENCH_KERNEL_COUNT=check both count, the kernel without dropping, and the step reports their largest
// difference per viewer. The bench client's own CPU is reported next to the server's.
import dgram from 'node:dgram';
import { discoverNetworkHost } from '../src/net/network-host.js';
import { HostNetwork } from '../src/net/host-network.js';
import { errorText } from '../src/logging/error-text.js';
import { JanusWs, type Msg } from '../support/janus-ws.js';
import { watch, type Viewer } from '../support/streaming-viewer.js';
import { adminMemory, type RunningServer } from './janus-reference.js';
import { packetsToPort, type KernelRtpCounter } from './kernel-counter.js';
import { cpuSeconds, residentBytes } from './process-stats.js';
import { sleep } from '../support/wait.js';

export interface FanoutStep {
  /** Viewers connected during the window (fewer than `asked` when some could not connect). */
  readonly viewers: number;
  readonly asked: number;
  /** Viewers that failed or timed out while connecting for this step (the workload stops after such a step). */
  readonly connectFailures: number;
  /** Time to connect this step's new viewers (batches of BENCH_CONNECT_BATCH at once). */
  readonly connectSeconds: number;
  readonly sent: number;
  readonly forwarded: number;
  readonly worstLoss: number;
  readonly meanLoss: number;
  readonly serverCpuUsPerPacket: number;
  readonly clientCpuShare: number;
  /** Of that, the kernel's share (system time of the bench process). */
  readonly clientSystemShare: number;
  /** Server resident-set growth since before the first viewer, divided by the viewers connected. */
  readonly rssBytesPerViewer: number;
  /** Portunus only (Admin get_status memory.heap_used): JavaScript heap growth since before the first viewer, per viewer. */
  readonly heapBytesPerViewer: number | undefined;
  /** Who counted the packets: the kernel (nftables), the viewers' sockets in JavaScript, or both (check mode). */
  readonly countedBy: 'kernel' | 'js' | 'both';
  /** Check mode: the largest |kernel − JavaScript| count of one viewer over the window. */
  readonly kernelJsMaxDiff: number | undefined;
  /** The measured window (tick-aligned). */
  readonly windowSeconds: number;
}

const VIDEO_PPS = 100; // 1100-byte payloads: ~0.9 Mbit/s
const AUDIO_PPS = 50;
/** The feed sends two video packets and one audio packet per tick: 150 packets/s at 20 ms (a larger tick, a lighter feed). */
const TICK_MS = Number(process.env.BENCH_FANOUT_TICK_MS ?? 20);
/** The load client decrypts one packet in this many (the kernel or the socket handler picks them). */
const CLIENT_SAMPLE_EVERY = 50;
/** With kernel counting, one viewer in this many gets the kernel's samples (see KernelRtpCounter.sample). */
const SAMPLED_VIEWER_EVERY = 20;
/** Viewers connecting at once, and how long one may take before it counts as failed. */
const CONNECT_BATCH = Number(process.env.BENCH_CONNECT_BATCH ?? 20);
const CONNECT_TIMEOUT_MS = 30_000;
/** A step's connecting gives up after this long in all (its viewers so far are measured, then the workload stops). */
const STEP_CONNECT_BUDGET_MS = Number(process.env.BENCH_CONNECT_BUDGET_SECONDS ?? 120) * 1000;
/** No step starts once the workload has run this long (the whole bench stays bounded whatever the server does). */
const WORKLOAD_BUDGET_MS = Number(process.env.BENCH_FANOUT_BUDGET_SECONDS ?? 480) * 1000;
/** The workload stops after a step with more worst loss than this (later steps would only be worse); 1 = never. */
const STOP_LOSS = Number(process.env.BENCH_FANOUT_STOP_LOSS ?? 0.05);

/** Resolves with `p`, or rejects after `ms`; a late result is handed to `late` (to be torn down). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string, late: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const t = setTimeout(() => {
      done = true;
      reject(new Error(`${what}: no answer within ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        if (done) late(v);
        else resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        if (!done) reject(err instanceof Error ? err : new Error(errorText(err)));
      },
    );
  });
}

/** Runs `fn` on each item with at most `limit` running at once; results in order, failures as errors. */
async function bounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<Array<R | Error>> {
  const out: Array<R | Error> = new Array<R | Error>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (err) {
        out[i] = err instanceof Error ? err : new Error(errorText(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export async function runFanout(server: RunningServer, steps: readonly number[], seconds: number, kernel?: KernelRtpCounter, notes: string[] = []): Promise<FanoutStep[]> {
  const network = new HostNetwork(await discoverNetworkHost());
  const admin = await JanusWs.open(server.wsUrl);
  const session = ((await admin.request({ janus: 'create' })).data as { id: number }).id;
  const keepalive = setInterval(() => admin.send({ janus: 'keepalive', session_id: session }), 15_000);
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
  // Snapshots are taken at the start of a tick, before its packets go out: what earlier ticks sent has reached
  // the viewers by then unless the server runs behind, so the window holds (nearly) no packets in flight.
  let atTick: (() => void) | undefined;
  const onTick = <T>(take: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the media timer stopped')), 2000);
      atTick = () => {
        clearTimeout(t);
        try {
          resolve(take());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(errorText(err)));
        }
      };
    });
  const timer = setInterval(() => {
    const take = atTick;
    atTick = undefined;
    take?.();
    for (let k = 0; k < VIDEO_PPS / 50; k++) sender.send(packet(100, 0x1111, vseq++, tick * 1800, 1100), vport, server.mediaAddress);
    sender.send(packet(111, 0x2222, aseq++, tick * 960, 120), aport, server.mediaAddress);
    tick++;
    sent += VIDEO_PPS / 50 + AUDIO_PPS / 50;
  }, TICK_MS);
  const mode: FanoutStep['countedBy'] = !kernel ? 'js' : kernel.drops ? 'kernel' : 'both';
  const viewers: Viewer[] = [];
  const stragglers: Viewer[] = [];
  let finished = false;
  const results: FanoutStep[] = [];
  kernel?.reset();
  await sleep(500);
  const rss0 = residentBytes(server.pid);
  const heap0 = await adminMemory(server);
  const connectOne = (): Promise<Viewer> =>
    withTimeout(
      watch(server.wsUrl, network, stream.id, {
        ...(mode === 'kernel' ? { countedInKernel: true } : { sampleEvery: CLIENT_SAMPLE_EVERY }),
        bind: server.clientAddress,
        serverAddress: server.mediaAddress,
        keepaliveMs: 15_000,
      }),
      CONNECT_TIMEOUT_MS,
      'viewer connect',
      (v) => (finished ? void v.leave().catch(() => {}) : stragglers.push(v)),
    );
  const w0 = performance.now();
  try {
    for (const n of steps) {
      if (performance.now() - w0 > WORKLOAD_BUDGET_MS) {
        notes.push(`fan-out on ${server.name}: stopped before ${n} viewers, the workload's ${WORKLOAD_BUDGET_MS / 1000} s were up`);
        break;
      }
      const c0 = performance.now();
      let failures = 0;
      let firstError = '';
      while (viewers.length < n && failures === 0 && performance.now() - c0 < STEP_CONNECT_BUDGET_MS) {
        const batch = Math.min(CONNECT_BATCH, n - viewers.length);
        const got = await bounded(
          Array.from({ length: batch }, (_, i) => i),
          batch,
          () => connectOne(),
        );
        for (const g of got) {
          if (g instanceof Error) {
            failures++;
            firstError ||= g.message;
          } else {
            if (kernel) for (const port of g.ports) kernel.watch(port, viewers.length % SAMPLED_VIEWER_EVERY === 0);
            viewers.push(g);
          }
        }
      }
      const connectSeconds = (performance.now() - c0) / 1000;
      if (viewers.length < n)
        notes.push(
          `fan-out on ${server.name}: ${viewers.length} of ${n} viewers connected in ${connectSeconds.toFixed(0)} s (${failures} failed${firstError ? `: ${firstError.slice(0, 160)}` : ''}); the workload stops here`,
        );
      if (viewers.length === 0) break;
      await sleep(1000);
      const snapshot = () => ({
        sent,
        kernel: kernel?.read(),
        js: mode === 'kernel' ? undefined : viewers.map((v) => v.seqs.length),
        cpu: cpuSeconds(server.pid),
        client: process.cpuUsage(),
        t: performance.now(),
      });
      const start = await onTick(snapshot);
      await sleep(seconds * 1000);
      const end = await onTick(snapshot);
      const elapsed = (end.t - start.t) / 1000;
      const cpu = end.cpu - start.cpu;
      const client = process.cpuUsage(start.client);
      const sentNow = end.sent - start.sent;
      const kernelGot = start.kernel && end.kernel ? viewers.map((v) => v.ports.reduce((a, port) => a + packetsToPort(end.kernel!, port) - packetsToPort(start.kernel!, port), 0)) : undefined;
      const jsGot = start.js && end.js ? viewers.map((_, i) => end.js![i] - start.js![i]) : undefined;
      const got = kernelGot ?? jsGot ?? [];
      const forwarded = got.reduce((a, b) => a + b, 0);
      const losses = got.map((g) => Math.max(0, 1 - g / sentNow));
      const memory = await adminMemory(server);
      results.push({
        viewers: viewers.length,
        asked: n,
        connectFailures: failures,
        connectSeconds,
        sent: sentNow,
        forwarded,
        worstLoss: Math.max(0, ...losses),
        meanLoss: losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length),
        serverCpuUsPerPacket: (cpu * 1e6) / Math.max(1, forwarded),
        clientCpuShare: (client.user + client.system) / 1e6 / elapsed,
        clientSystemShare: client.system / 1e6 / elapsed,
        rssBytesPerViewer: (residentBytes(server.pid) - rss0) / viewers.length,
        heapBytesPerViewer: heap0 && memory ? (memory.heap_used - heap0.heap_used) / viewers.length : undefined,
        countedBy: mode,
        kernelJsMaxDiff: kernelGot && jsGot ? Math.max(0, ...kernelGot.map((k, i) => Math.abs(k - jsGot[i]))) : undefined,
        windowSeconds: elapsed,
      });
      if (viewers.length < n || Math.max(0, ...losses) > STOP_LOSS) break;
    }
  } finally {
    finished = true;
    clearInterval(timer);
    sender.close();
    await bounded([...viewers, ...stragglers], CONNECT_BATCH, (v) => withTimeout(v.leave(), 5000, 'viewer leave', () => {}).catch(() => {}));
    clearInterval(keepalive);
    admin.close();
    kernel?.reset(); // no port stays watched for the workloads after this one (echo's sockets may get them)
  }
  return results;
}

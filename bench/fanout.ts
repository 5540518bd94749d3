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

/** One measured window of a fan-out: a FanoutStep without what its connecting took. */
export type FanoutWindow = Omit<FanoutStep, 'asked' | 'connectFailures' | 'connectSeconds'>;

/** What growing a fan-out to N viewers took. */
export interface FanoutGrowth {
  readonly connectSeconds: number;
  readonly failures: number;
  readonly firstError: string;
}

/**
 * One mountpoint on one server, fed from its opening to its closing, and the viewers connected to it so far:
 * the fan-out workload's pieces, so that a workload can grow it, measure windows (of several loads at once), and
 * close it. The caller resets the kernel counters around it (they may serve several loads at once).
 */
export class FanoutLoad {
  readonly viewers: Viewer[] = [];
  private readonly stragglers: Viewer[] = [];
  private finished = false;
  private sent = 0;
  private atTick: (() => void) | undefined;
  private feedTimer: NodeJS.Timeout | undefined;
  private rss0 = 0;
  private heap0: Awaited<ReturnType<typeof adminMemory>>;
  readonly mode: FanoutStep['countedBy'];

  private constructor(
    private readonly server: RunningServer,
    private readonly network: HostNetwork,
    private readonly admin: JanusWs,
    private readonly keepalive: NodeJS.Timeout,
    private readonly streamId: number,
    private readonly sender: dgram.Socket,
    private readonly kernel: KernelRtpCounter | undefined,
  ) {
    this.mode = !kernel ? 'js' : kernel.drops ? 'kernel' : 'both';
  }

  /** Creates the mountpoint and starts its feed; memory is taken as the baseline half a second later. */
  static async open(server: RunningServer, kernel?: KernelRtpCounter): Promise<FanoutLoad> {
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
    const load = new FanoutLoad(server, network, admin, keepalive, stream.id, dgram.createSocket('udp4'), kernel);
    load.feed(stream.ports.find((p) => p.mid === 'a')!.port, stream.ports.find((p) => p.mid === 'v')!.port);
    await sleep(500);
    load.rss0 = residentBytes(server.pid);
    load.heap0 = await adminMemory(server);
    return load;
  }

  private feed(aport: number, vport: number): void {
    let vseq = 0;
    let aseq = 0;
    let tick = 0;
    const packet = (pt: number, ssrc: number, seq: number, ts: number, size: number): Buffer => {
      const b = Buffer.alloc(12 + size);
      b[0] = 0x80;
      b[1] = pt;
      b.writeUInt16BE(seq & 0xffff, 2);
      b.writeUInt32BE(ts >>> 0, 4);
      b.writeUInt32BE(ssrc, 8);
      return b;
    };
    this.feedTimer = setInterval(() => {
      const take = this.atTick;
      this.atTick = undefined;
      take?.();
      for (let k = 0; k < VIDEO_PPS / 50; k++) this.sender.send(packet(100, 0x1111, vseq++, tick * 1800, 1100), vport, this.server.mediaAddress);
      this.sender.send(packet(111, 0x2222, aseq++, tick * 960, 120), aport, this.server.mediaAddress);
      tick++;
      this.sent += VIDEO_PPS / 50 + AUDIO_PPS / 50;
    }, TICK_MS);
  }

  // Snapshots are taken at the start of a tick, before its packets go out: what earlier ticks sent has reached
  // the viewers by then unless the server runs behind, so the window holds (nearly) no packets in flight.
  private onTick<T>(take: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the media timer stopped')), 2000);
      this.atTick = () => {
        clearTimeout(t);
        try {
          resolve(take());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(errorText(err)));
        }
      };
    });
  }

  private connectOne(): Promise<Viewer> {
    const server = this.server;
    return withTimeout(
      watch(server.wsUrl, this.network, this.streamId, {
        ...(this.mode === 'kernel' ? { countedInKernel: true } : { sampleEvery: CLIENT_SAMPLE_EVERY }),
        bind: server.clientAddress,
        serverAddress: server.mediaAddress,
        keepaliveMs: 15_000,
      }),
      CONNECT_TIMEOUT_MS,
      'viewer connect',
      (v) => (this.finished ? void v.leave().catch(() => {}) : this.stragglers.push(v)),
    );
  }

  /** Connects viewers, CONNECT_BATCH at once, until there are `n`, one fails, or the step's budget is spent. */
  async grow(n: number): Promise<FanoutGrowth> {
    const c0 = performance.now();
    let failures = 0;
    let firstError = '';
    const viewers = this.viewers;
    while (viewers.length < n && failures === 0 && performance.now() - c0 < STEP_CONNECT_BUDGET_MS) {
      const batch = Math.min(CONNECT_BATCH, n - viewers.length);
      const got = await bounded(
        Array.from({ length: batch }, (_, i) => i),
        batch,
        () => this.connectOne(),
      );
      for (const g of got) {
        if (g instanceof Error) {
          failures++;
          firstError ||= g.message;
        } else {
          if (this.kernel) for (const port of g.ports) this.kernel.watch(port, viewers.length % SAMPLED_VIEWER_EVERY === 0);
          viewers.push(g);
        }
      }
    }
    return { connectSeconds: (performance.now() - c0) / 1000, failures, firstError };
  }

  /** Measures one window of about `seconds`, tick-aligned: packets sent and counted, loss, server CPU, memory. */
  async measure(seconds: number): Promise<FanoutWindow> {
    const { server, viewers, kernel, mode } = this;
    const snapshot = () => ({
      sent: this.sent,
      kernel: kernel?.read(),
      js: mode === 'kernel' ? undefined : viewers.map((v) => v.seqs.length),
      cpu: cpuSeconds(server.pid),
      client: process.cpuUsage(),
      t: performance.now(),
    });
    const start = await this.onTick(snapshot);
    await sleep(seconds * 1000);
    const end = await this.onTick(snapshot);
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
    return {
      viewers: viewers.length,
      sent: sentNow,
      forwarded,
      worstLoss: Math.max(0, ...losses),
      meanLoss: losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length),
      serverCpuUsPerPacket: (cpu * 1e6) / Math.max(1, forwarded),
      clientCpuShare: (client.user + client.system) / 1e6 / elapsed,
      clientSystemShare: client.system / 1e6 / elapsed,
      rssBytesPerViewer: (residentBytes(server.pid) - this.rss0) / viewers.length,
      heapBytesPerViewer: this.heap0 && memory ? (memory.heap_used - this.heap0.heap_used) / viewers.length : undefined,
      countedBy: mode,
      kernelJsMaxDiff: kernelGot && jsGot ? Math.max(0, ...kernelGot.map((k, i) => Math.abs(k - jsGot[i]))) : undefined,
      windowSeconds: elapsed,
    };
  }

  /** Stops the feed; every viewer (late ones too) leaves. */
  async close(): Promise<void> {
    this.finished = true;
    clearInterval(this.feedTimer);
    this.sender.close();
    await bounded([...this.viewers, ...this.stragglers], CONNECT_BATCH, (v) => withTimeout(v.leave(), 5000, 'viewer leave', () => {}).catch(() => {}));
    clearInterval(this.keepalive);
    this.admin.close();
  }
}

export async function runFanout(server: RunningServer, steps: readonly number[], seconds: number, kernel?: KernelRtpCounter, notes: string[] = []): Promise<FanoutStep[]> {
  kernel?.reset();
  const load = await FanoutLoad.open(server, kernel);
  const results: FanoutStep[] = [];
  const w0 = performance.now();
  try {
    for (const n of steps) {
      if (performance.now() - w0 > WORKLOAD_BUDGET_MS) {
        notes.push(`fan-out on ${server.name}: stopped before ${n} viewers, the workload's ${WORKLOAD_BUDGET_MS / 1000} s were up`);
        break;
      }
      const { connectSeconds, failures, firstError } = await load.grow(n);
      const viewers = load.viewers;
      if (viewers.length < n)
        notes.push(
          `fan-out on ${server.name}: ${viewers.length} of ${n} viewers connected in ${connectSeconds.toFixed(0)} s (${failures} failed${firstError ? `: ${firstError.slice(0, 160)}` : ''}); the workload stops here`,
        );
      if (viewers.length === 0) break;
      await sleep(1000);
      const w = await load.measure(seconds);
      results.push({ ...w, asked: n, connectFailures: failures, connectSeconds });
      if (viewers.length < n || w.worstLoss > STOP_LOSS) break;
    }
  } finally {
    await load.close();
    kernel?.reset(); // no port stays watched for the workloads after this one (echo's sockets may get them)
  }
  return results;
}

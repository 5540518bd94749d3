// `npm run bench`: the same workloads against Janus and Portunus in one run; a table of ratios and a JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runChurn, type ChurnResult } from './churn.js';
import { ensureDebianPackage, ensureJanus, startJanus, startPortunus, type RunningServer } from './janus-reference.js';
import { measureMemory } from './memory.js';
import { runEchoBench, summarize } from './echo.js';
import { runFanout, type FanoutStep } from './fanout.js';
import { parseVideoRoomSizes, runVideoRoom, type VideoRoomStep } from './videoroom.js';
import { chromiumAvailable, runBrowserConnect } from './browser-connect.js';
import type { KernelRtpCounter } from './kernel-counter.js';
import { SAMPLE_EVERY, setUpPlacement } from './bench-placement.js';
import { observabilityFromEnv, observabilityReport, runObservability, type ObservabilityResult } from './observability.js';
import { clusterFromEnv, clusterReport, runCluster, type ClusterResult } from './cluster.js';
import { AUDIOBRIDGE_WARMUP_SECONDS, runAudioBridge, type AudioBridgeStep } from './audiobridge.js';
import { errorDetail, errorText } from '../src/logging/error-text.js';

interface Row {
  readonly workload: string;
  readonly unit: string;
  readonly portunus: number;
  readonly janus: number | undefined;
  /** True when a larger number is better. */
  readonly higherIsBetter: boolean;
}

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CHURN_SECONDS = Number(process.env.BENCH_CHURN_SECONDS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function churnFigures(server: RunningServer, transport: 'rest' | 'ws'): Promise<{ rate: number; cpu: number; all: ChurnResult[] }> {
  await runChurn(server, transport, 1); // warm-up
  const all: ChurnResult[] = [];
  for (let i = 0; i < REPEATS; i++) all.push(await runChurn(server, transport, CHURN_SECONDS));
  return { rate: median(all.map((r) => r.cyclesPerSecond)), cpu: median(all.map((r) => r.serverCpuMsPerCycle)), all };
}

const FANOUT_STEPS = (process.env.BENCH_FANOUT_STEPS ?? '10,100,150,200,250,300,400,600,800,1000').split(',').map(Number);
const FANOUT_SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 4);
/** Publishers × subscribers per VideoRoom step ("" turns the workload off). */
const VIDEOROOM_SIZES = parseVideoRoomSizes(process.env.BENCH_VIDEOROOM_SIZES ?? '2x5,4x20,6x30,10x50');
const VIDEOROOM_SECONDS = Number(process.env.BENCH_VIDEOROOM_SECONDS ?? 4);
/** Participants per AudioBridge step, of whom the first TALKERS send a tone ("" turns the workload off). */
const AUDIOBRIDGE_SIZES = (process.env.BENCH_AUDIOBRIDGE_SIZES ?? '10,25,50')
  .split(',')
  .map((v) => v.trim())
  .filter((v) => v !== '')
  .map(Number);
const AUDIOBRIDGE_TALKERS = Number(process.env.BENCH_AUDIOBRIDGE_TALKERS ?? 2);
const AUDIOBRIDGE_SECONDS = Number(process.env.BENCH_AUDIOBRIDGE_SECONDS ?? 4);
/** The plugins both servers load: those the workloads use. */
const PLUGINS = ['echotest', 'streaming', ...(VIDEOROOM_SIZES.length > 0 ? ['videoroom'] : []), ...(AUDIOBRIDGE_SIZES.length > 0 ? ['audiobridge'] : [])];
const ECHO_CALLS = Number(process.env.BENCH_ECHO_CALLS ?? 5);
const ECHO_PACKETS = Number(process.env.BENCH_ECHO_PACKETS ?? 300);
/**
 * How the load clients count RTP: "1" (default) in the kernel with nftables, all but a sample dropped before the
 * sockets; "0" at the sockets in JavaScript (the light viewers as before); "check" both, the kernel without
 * dropping, to compare the two counts.
 */
const KERNEL_COUNT = process.env.BENCH_KERNEL_COUNT ?? '1';

const notes: string[] = [];

let kernel: KernelRtpCounter | undefined;

async function measure(server: RunningServer) {
  const t0 = performance.now();
  let echo: ReturnType<typeof summarize> | undefined;
  try {
    // One call first, not counted, on each server: a fresh Node process is still compiling its media path (V8's
    // optimising compiler runs on its own thread and is counted as server CPU); a server in service is warm.
    await runEchoBench(server, 1, 50);
    echo = summarize(await runEchoBench(server, ECHO_CALLS, ECHO_PACKETS));
  } catch (err) {
    notes.push(`echo on ${server.name} failed: ${errorText(err).slice(0, 200)}`);
  }
  let browser: { webrtcup: number; page: number } | undefined;
  if (chromiumAvailable()) {
    try {
      const b = await runBrowserConnect(server, ECHO_CALLS);
      browser = { webrtcup: median(b.webrtcupMs), page: median(b.pageConnectedMs) };
    } catch (err) {
      notes.push(`Chromium connect on ${server.name} failed: ${errorText(err).slice(0, 200)}`);
    }
  } else notes.push('no Chromium: the browser connect rows are n/a');
  let fanout: FanoutStep[] = [];
  try {
    fanout = await runFanout(server, FANOUT_STEPS, FANOUT_SECONDS, kernel, notes);
  } catch (err) {
    notes.push(`fan-out on ${server.name} failed: ${errorText(err).slice(0, 200)}`);
  }
  let videoroom: VideoRoomStep[] = [];
  if (VIDEOROOM_SIZES.length > 0) {
    try {
      videoroom = await runVideoRoom(server, VIDEOROOM_SIZES, VIDEOROOM_SECONDS, kernel, notes);
    } catch (err) {
      notes.push(`VideoRoom on ${server.name} failed: ${errorText(err).slice(0, 400)}`);
    }
  }
  let audiobridge: AudioBridgeStep[] = [];
  if (AUDIOBRIDGE_SIZES.length > 0) {
    try {
      audiobridge = await runAudioBridge(server, AUDIOBRIDGE_SIZES, AUDIOBRIDGE_TALKERS, AUDIOBRIDGE_SECONDS, notes);
    } catch (err) {
      notes.push(`AudioBridge on ${server.name} failed: ${errorText(err).slice(0, 400)}`);
    }
  }
  const rest = await churnFigures(server, 'rest');
  const ws = await churnFigures(server, 'ws');
  const memory = await measureMemory(server, 10000);
  return { echo, browser, fanout, videoroom, audiobridge, rest, ws, memory, seconds: (performance.now() - t0) / 1000 };
}

type Measured = Awaited<ReturnType<typeof measure>>;

function sameSize(a: { publishers: number; subscribers: number }, b: { publishers: number; subscribers: number }): boolean {
  return a.publishers === b.publishers && a.subscribers === b.subscribers;
}

/** The most viewers of a fan-out step that had all it asked for and under 1 % worst loss. */
function largestFanoutUnderOnePercent(steps: readonly FanoutStep[]): string {
  const ok = steps.filter((st) => st.worstLoss < 0.01 && st.viewers === st.asked).pop();
  return ok ? String(ok.viewers) : 'none';
}

function largestUnderOnePercent(steps: readonly VideoRoomStep[]): string {
  const ok = steps.filter((st) => st.worstLoss < 0.01).pop();
  return ok ? `${ok.publishers}×${ok.subscribers}` : 'none';
}

async function main(): Promise<void> {
  const haveJanus = ensureJanus();
  ensureDebianPackage('chromium', '/usr/bin/chromium'); // the browser connect workload
  const setup = setUpPlacement(notes, KERNEL_COUNT, SAMPLE_EVERY);
  const { placement, cleanup } = setup;
  kernel = setup.kernel;
  const started = performance.now();
  let p: Measured | undefined;
  let j: Measured | undefined;
  let observability: ObservabilityResult | undefined;
  let cluster: ClusterResult | undefined;
  try {
    const portunus = await startPortunus({ http: 18088, ws: 18188, admin: 17088 }, [], placement, PLUGINS);
    try {
      p = await measure(portunus);
    } finally {
      await portunus.stop();
    }
    // Portunus only, each run on a fresh server of its own, after the one above has stopped.
    const obs = observabilityFromEnv(placement, kernel);
    if (obs) {
      try {
        observability = await runObservability(obs, notes);
      } catch (err) {
        notes.push(`observability on Portunus failed: ${errorText(err).slice(0, 300)}`);
      }
    }
    // Portunus only too: one node against local nodes over NATS, each on a fresh server.
    const clusterOptions = clusterFromEnv(process.env);
    if (clusterOptions) cluster = await runCluster(clusterOptions, placement, kernel, notes);
    if (haveJanus) {
      const janus = await startJanus({ http: 28088, ws: 28188 }, PLUGINS, placement);
      try {
        j = await measure(janus);
      } finally {
        await janus.stop();
      }
    }
  } finally {
    cleanup();
  }
  const rows: Row[] = [
    { workload: 'echo: connect, werift client (offer to webrtcup)', unit: 'ms, median', portunus: p.echo?.connectMedian ?? NaN, janus: j?.echo?.connectMedian, higherIsBetter: false },
    { workload: 'echo: connect, Chromium (offer to webrtcup)', unit: 'ms, median', portunus: p.browser?.webrtcup ?? NaN, janus: j?.browser?.webrtcup, higherIsBetter: false },
    { workload: 'echo: connect, Chromium (answer applied to page connected)', unit: 'ms, median', portunus: p.browser?.page ?? NaN, janus: j?.browser?.page, higherIsBetter: false },
    { workload: 'echo: round trip client-server-client', unit: 'ms, median', portunus: p.echo?.rttMedian ?? NaN, janus: j?.echo?.rttMedian, higherIsBetter: false },
    { workload: 'echo: round trip client-server-client', unit: 'ms, p99', portunus: p.echo?.rttP99 ?? NaN, janus: j?.echo?.rttP99, higherIsBetter: false },
    { workload: 'echo: server CPU per echoed 1100-byte packet', unit: 'µs', portunus: p.echo?.cpuUsPerPacket ?? NaN, janus: j?.echo?.cpuUsPerPacket, higherIsBetter: false },
    { workload: 'echo: packets lost', unit: 'fraction', portunus: p.echo?.loss ?? NaN, janus: j?.echo?.loss, higherIsBetter: false },
    { workload: 'session churn over REST', unit: 'cycles/s', portunus: p.rest.rate, janus: j?.rest.rate, higherIsBetter: true },
    { workload: 'session churn over REST', unit: 'server CPU ms/cycle', portunus: p.rest.cpu, janus: j?.rest.cpu, higherIsBetter: false },
    { workload: 'session churn over WS', unit: 'cycles/s', portunus: p.ws.rate, janus: j?.ws.rate, higherIsBetter: true },
    { workload: 'session churn over WS', unit: 'server CPU ms/cycle', portunus: p.ws.cpu, janus: j?.ws.cpu, higherIsBetter: false },
    ...VIDEOROOM_SIZES.map((z): Row => ({
      workload: `VideoRoom ${z.publishers}x${z.subscribers}: server CPU per forwarded packet`,
      unit: 'µs',
      portunus: p.videoroom.find((st) => sameSize(st, z))?.serverCpuUsPerPacket ?? NaN,
      janus: j?.videoroom.find((st) => sameSize(st, z))?.serverCpuUsPerPacket,
      higherIsBetter: false,
    })),
    ...AUDIOBRIDGE_SIZES.map((n): Row => ({
      workload: `AudioBridge ${n} participants (${Math.min(AUDIOBRIDGE_TALKERS, n)} talking): server CPU per participant`,
      unit: '% of a core',
      portunus: p.audiobridge.find((st) => st.participants === n)?.cpuPercentPerParticipant ?? NaN,
      janus: j?.audiobridge.find((st) => st.participants === n)?.cpuPercentPerParticipant,
      higherIsBetter: false,
    })),
    { workload: 'memory per idle session', unit: 'bytes', portunus: p.memory.bytesPerSession, janus: j?.memory.bytesPerSession, higherIsBetter: false },
    { workload: 'memory per handle', unit: 'bytes', portunus: p.memory.bytesPerHandle, janus: j?.memory.bytesPerHandle, higherIsBetter: false },
  ];
  const fmt = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? 'n/a' : n >= 100 ? n.toFixed(0) : n.toFixed(3));
  const lines = [
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.versions.node}; ${REPEATS} runs of ${CHURN_SECONDS} s each after a warm-up, medians; 8 parallel clients.`,
    'Ratio = Portunus / Janus for rates, Janus / Portunus for costs (above 1 = Portunus better).',
    placement.netns
      ? `Both servers ran inside the bench's network namespace, reached over a veth pair (${placement.netns.clientAddress} -> ${placement.netns.serverAddress}); load clients on the host side.`
      : 'Both servers ran on loopback.',
    placement.cpu !== undefined ? `Each server pinned to CPU ${placement.cpu}, the bench and its load clients to the other CPU(s).` : 'No CPU pinning.',
    '',
    '| workload | unit | Portunus | Janus | ratio |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const ratio = r.janus === undefined || r.portunus === 0 || r.janus === 0 ? undefined : r.higherIsBetter ? r.portunus / r.janus : r.janus / r.portunus;
      return `| ${r.workload} | ${r.unit} | ${fmt(r.portunus)} | ${fmt(r.janus)} | ${ratio === undefined ? 'n/a' : ratio.toFixed(2)} |`;
    }),
    '',
    `Echo: ${ECHO_CALLS} calls, ${ECHO_PACKETS} audio packets each at 100/s, werift client in the bench process (its own cost is inside every round trip, the same for both servers).`,
    '',
    'Streaming fan-out (one mountpoint, ~1 Mbit/s video-sized + audio packets, N werift viewers in the bench process):',
    '',
    `RTP counted ${kernel ? (kernel.drops ? 'in the kernel (nftables counters per viewer and stream; dropped before the socket except a random 1 in ' + SAMPLE_EVERY + " for 1 viewer in 20, which werift decrypts; the server's RTCP to the viewers dropped too)" : 'both in the kernel and at the sockets (check mode; the kernel drops nothing)') : "at the viewers' sockets in JavaScript (1 in 50 decrypted)"}; viewers connect ${process.env.BENCH_CONNECT_BATCH ?? 20} at a time.`,
    '',
    '| viewers | server | packets forwarded | worst loss per viewer | mean loss | server CPU µs per forwarded packet | ratio (Janus / Portunus) | server RSS growth per viewer | server heap growth per viewer | connect (s) | bench client CPU (cores) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...p.fanout.flatMap((ps) => {
      const js = j?.fanout.find((s) => s.asked === ps.asked);
      const row = (name: string, st: FanoutStep, ratio: string): string =>
        `| ${st.viewers === st.asked ? st.viewers : `${st.viewers} of ${st.asked}`} | ${name} | ${st.forwarded} | ${(st.worstLoss * 100).toFixed(2)} % | ${(st.meanLoss * 100).toFixed(2)} % | ${st.serverCpuUsPerPacket.toFixed(1)} | ${ratio} | ${(st.rssBytesPerViewer / 1024).toFixed(0)} KiB | ${st.heapBytesPerViewer === undefined ? 'n/a' : `${(st.heapBytesPerViewer / 1024).toFixed(0)} KiB`} | ${st.connectSeconds.toFixed(1)} | ${st.clientCpuShare.toFixed(2)} |${st.kernelJsMaxDiff === undefined ? '' : ` kernel vs JS: ${st.kernelJsMaxDiff} |`}`;
      const ratio = js ? (js.serverCpuUsPerPacket / ps.serverCpuUsPerPacket).toFixed(2) : 'n/a';
      return [row('Portunus', ps, ratio), ...(js ? [row('Janus', js, '')] : [])];
    }),
    ...(j?.fanout ?? [])
      .filter((js) => !p.fanout.some((ps) => ps.asked === js.asked))
      .map(
        (st) =>
          `| ${st.viewers} | Janus | ${st.forwarded} | ${(st.worstLoss * 100).toFixed(2)} % | ${(st.meanLoss * 100).toFixed(2)} % | ${st.serverCpuUsPerPacket.toFixed(1)} |  | ${(st.rssBytesPerViewer / 1024).toFixed(0)} KiB | n/a | ${st.connectSeconds.toFixed(1)} | ${st.clientCpuShare.toFixed(2)} |`,
      ),
    `Largest N under 1 % loss (same CPU set): Portunus ${largestFanoutUnderOnePercent(p.fanout)}, Janus ${j && j.fanout.length > 0 ? largestFanoutUnderOnePercent(j.fanout) : 'n/a'}. Heap growth from Portunus's Admin get_status (memory.heap_used); Janus, being C, has none to report.`,
    '',
    ...(VIDEOROOM_SIZES.length === 0
      ? ['VideoRoom P×S: not run (BENCH_VIDEOROOM_SIZES is empty).']
      : [
          `VideoRoom P×S (one room per step; P werift publishers each sending ~1 Mbit/s of VP8-shaped video + Opus-sized audio; S werift subscribers, each subscribed to all P publishers in one subscription; ${VIDEOROOM_SECONDS} s per step after 1 s settling):`,
          '',
          '| P×S | server | packets sent | packets forwarded | worst loss per subscriber stream | server CPU µs per forwarded packet | ratio (Janus / Portunus) | server RSS growth | per PeerConnection | bench client CPU (cores) |',
          '|---|---|---|---|---|---|---|---|---|---|',
          ...VIDEOROOM_SIZES.flatMap((z) => {
            const ps = p.videoroom.find((st) => sameSize(st, z));
            const js = j?.videoroom.find((st) => sameSize(st, z));
            const row = (name: string, st: VideoRoomStep, ratio: string): string =>
              `| ${st.publishers}×${st.subscribers} | ${name} | ${st.sent} | ${st.forwarded} | ${(st.worstLoss * 100).toFixed(2)} % | ${st.serverCpuUsPerPacket.toFixed(1)} | ${ratio} | ${(st.rssGrowthBytes / 1048576).toFixed(1)} MiB | ${(st.rssBytesPerPeer / 1024).toFixed(0)} KiB | ${st.clientCpuShare.toFixed(2)} |${st.kernelJsMaxDiff === undefined ? '' : ` kernel vs JS: ${st.kernelJsMaxDiff} |`}`;
            const ratio = ps && js ? (js.serverCpuUsPerPacket / ps.serverCpuUsPerPacket).toFixed(2) : 'n/a';
            return [...(ps ? [row('Portunus', ps, ratio)] : []), ...(js ? [row('Janus', js, ps ? '' : ratio)] : [])];
          }),
          `Largest P×S under 1 % loss: Portunus ${largestUnderOnePercent(p.videoroom)}, Janus ${j && j.videoroom.length > 0 ? largestUnderOnePercent(j.videoroom) : 'n/a'}. RSS growth is since before the first step's room (steps grow, so it reads as the peak so far).`,
        ]),
    '',
    ...(AUDIOBRIDGE_SIZES.length === 0
      ? ['AudioBridge: not run (BENCH_AUDIOBRIDGE_SIZES is empty).']
      : [
          `AudioBridge N (one 16 kHz room per step; N werift participants each sending one Opus packet every 20 ms, the first ${AUDIOBRIDGE_TALKERS} a tone, the others Opus silence; every participant gets the mix; ${AUDIOBRIDGE_SECONDS} s per step after ${AUDIOBRIDGE_WARMUP_SECONDS} s of warm-up; arrival times kept at ${8} participants):`,
          '',
          '| N | server | server CPU (cores) | per participant (% of a core) | ratio (Janus / Portunus) | mix packets received / expected | worst loss | inter-arrival − 20 ms, median | p99 | setup (s) | bench stall max (ms) |',
          '|---|---|---|---|---|---|---|---|---|---|---|',
          ...AUDIOBRIDGE_SIZES.flatMap((n) => {
            const ps = p.audiobridge.find((st) => st.participants === n);
            const js = j?.audiobridge.find((st) => st.participants === n);
            const row = (name: string, st: AudioBridgeStep, ratio: string): string =>
              `| ${st.participants} | ${name} | ${st.serverCores.toFixed(3)} | ${st.cpuPercentPerParticipant.toFixed(2)} | ${ratio} | ${st.received} / ${st.expected} | ${(st.worstLoss * 100).toFixed(1)} % | ${st.jitterMedianMs.toFixed(2)} ms | ${st.jitterP99Ms.toFixed(2)} ms | ${st.setupSeconds.toFixed(1)} | ${st.clientMaxStallMs.toFixed(0)} |`;
            const ratio = ps && js ? (js.cpuPercentPerParticipant / ps.cpuPercentPerParticipant).toFixed(2) : 'n/a';
            return [...(ps ? [row('Portunus', ps, ratio)] : []), ...(js ? [row('Janus', js, ps ? '' : ratio)] : [])];
          }),
        ]),
    '',
    ...(observability ? observabilityReport(observability) : ['Observability cost: not run (BENCH_OBSERVABILITY=0).']),
    '',
    ...(cluster ? clusterReport(cluster) : ['VideoRoom over local nodes: not run (BENCH_CLUSTER=0).']),
    ...notes.map((n) => `Note: ${n}`),
    `Run time: ${((performance.now() - started) / 60000).toFixed(1)} min (Portunus ${(p.seconds / 60).toFixed(1)} min${j ? `, Janus ${(j.seconds / 60).toFixed(1)} min` : ''}).`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync('bench/results', { recursive: true });
  // BENCH_RESULTS names another file (a trial run that should not replace the day's results).
  const file = process.env.BENCH_RESULTS ?? `bench/results/${new Date().toISOString().slice(0, 10)}.json`;
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        repeats: REPEATS,
        videoroom: { sizes: VIDEOROOM_SIZES, seconds: VIDEOROOM_SECONDS },
        audiobridge: { sizes: AUDIOBRIDGE_SIZES, talkers: AUDIOBRIDGE_TALKERS, seconds: AUDIOBRIDGE_SECONDS },
        rows,
        portunus: p,
        janus: j,
        observability,
        cluster,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nwritten ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${errorDetail(err)}\n`);
  process.exit(1);
});

// Workload 8: one VideoRoom over local nodes (issue 17). One publisher and S subscribers (300 unless said) in one
// room, first on a single Portunus node, then on `cluster.local_nodes = N` (3 unless said) coordinated over a
// nats-server started here: each subscriber's WebSocket connection reaches the next node in turn, so the
// subscribers are spread over the nodes and the publisher's stream crosses once to each other node. Both runs are
// the VideoRoom workload (videoroom.ts) in the bench's namespace, unpinned (the nodes are meant to use every
// core); the figures are server CPU per forwarded packet (every node's CPU summed with the supervisor's) and the
// worst loss, the cluster's against the single node's of the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPortunus, type Placement, type RunningServer } from './janus-reference.js';
import type { KernelRtpCounter } from './kernel-counter.js';
import { runVideoRoom, type VideoRoomStep } from './videoroom.js';
import { errorText } from '../src/logging/error-text.js';
import { sleep } from '../support/wait.js';

export interface ClusterOptions {
  readonly nodes: number;
  readonly subscribers: number;
  readonly seconds: number;
}

export interface ClusterResult extends ClusterOptions {
  readonly single?: VideoRoomStep;
  readonly cluster?: VideoRoomStep;
}

const NATS_SERVER = '/usr/sbin/nats-server';
const NATS_PORT = 14222;

/** BENCH_CLUSTER=0 turns the workload off; BENCH_CLUSTER_NODES, _SUBSCRIBERS, _SECONDS size it. */
export function clusterFromEnv(env: NodeJS.ProcessEnv): ClusterOptions | undefined {
  if (env.BENCH_CLUSTER === '0') return undefined;
  return {
    nodes: Number(env.BENCH_CLUSTER_NODES ?? 3),
    subscribers: Number(env.BENCH_CLUSTER_SUBSCRIBERS ?? 300),
    seconds: Number(env.BENCH_CLUSTER_SECONDS ?? 4),
  };
}

function inPlace(placement: Placement, program: string, args: readonly string[]): [string, string[]] {
  return placement.netns ? ['ip', ['netns', 'exec', placement.netns.name, program, ...args]] : [program, [...args]];
}

/** nats-server with JetStream on the server's address, its store in a folder of its own. */
async function startNats(placement: Placement, address: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const store = mkdtempSync(join(tmpdir(), 'portunus-bench-nats-'));
  const [program, args] = inPlace(placement, NATS_SERVER, ['-js', '-a', address, '-p', String(NATS_PORT), '-sd', store]);
  const child: ChildProcess = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 10_000;
  while (!output.includes('Server is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(store, { recursive: true, force: true });
      throw new Error(`nats-server did not start:\n${output}`);
    }
    await sleep(50);
  }
  return {
    url: `nats://${address}:${NATS_PORT}`,
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/** Resolves once the Admin API's cluster_info shows `count` nodes (every local node up and heard). */
async function clusterUp(server: RunningServer, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(server.adminUrl ?? '', { method: 'POST', body: JSON.stringify({ janus: 'cluster_info', transaction: 'c' }) });
      const info = ((await r.json()) as { cluster?: { nodes?: unknown[] } }).cluster;
      if ((info?.nodes?.length ?? 0) >= count) return;
    } catch {
      // not answering yet
    }
    await sleep(200);
  }
  throw new Error(`the ${count} local nodes were not all up within 20 s`);
}

async function oneRun(
  placement: Placement,
  kernel: KernelRtpCounter | undefined,
  options: ClusterOptions,
  extraArgs: readonly string[],
  notes: string[],
  label: string,
): Promise<VideoRoomStep | undefined> {
  const server = await startPortunus({ http: 18088, ws: 18188, admin: 17088 }, ['--media.single_port=10000', ...extraArgs], placement, ['videoroom']);
  try {
    if (extraArgs.some((a) => a.startsWith('--cluster.local_nodes='))) await clusterUp(server, options.nodes);
    const steps = await runVideoRoom({ ...server, name: `portunus (${label})` }, [{ publishers: 1, subscribers: options.subscribers }], options.seconds, kernel, notes);
    return steps[0];
  } finally {
    await server.stop();
  }
}

export async function runCluster(options: ClusterOptions, placement: Placement, kernel: KernelRtpCounter | undefined, notes: string[]): Promise<ClusterResult> {
  // Unpinned: the local nodes are there to use every core, and the single node is measured the same way.
  const free: Placement = { ...(placement.netns ? { netns: placement.netns } : {}), ...(placement.nodeArgs ? { nodeArgs: placement.nodeArgs } : {}) };
  const address = placement.netns?.serverAddress ?? '127.0.0.1';
  let single: VideoRoomStep | undefined;
  let cluster: VideoRoomStep | undefined;
  try {
    single = await oneRun(free, kernel, options, [], notes, 'one node');
  } catch (err) {
    notes.push(`cluster workload, single node: ${errorText(err).slice(0, 300)}`);
  }
  let nats: Awaited<ReturnType<typeof startNats>> | undefined;
  try {
    nats = await startNats(free, address);
    cluster = await oneRun(
      free,
      kernel,
      options,
      [`--cluster.nats=${nats.url}`, `--cluster.local_nodes=${options.nodes}`, `--cluster.media_ip=${address}`, '--cluster.heartbeat_ms=500'],
      notes,
      `${options.nodes} local nodes`,
    );
  } catch (err) {
    notes.push(`cluster workload, ${options.nodes} local nodes: ${errorText(err).slice(0, 300)}`);
  } finally {
    await nats?.stop();
  }
  return { ...options, single, cluster };
}

export function clusterReport(r: ClusterResult): string[] {
  const cell = (s: VideoRoomStep | undefined, f: (s: VideoRoomStep) => string): string => (s ? f(s) : 'n/a');
  const us = (s: VideoRoomStep): string => s.serverCpuUsPerPacket.toFixed(2);
  const loss = (s: VideoRoomStep): string => `${(s.worstLoss * 100).toFixed(2)} %`;
  const ratio = r.single && r.cluster ? (r.cluster.serverCpuUsPerPacket / r.single.serverCpuUsPerPacket).toFixed(2) : 'n/a';
  return [
    `VideoRoom over local nodes: 1 publisher, ${r.subscribers} subscribers, first on one node, then on ${r.nodes} local nodes over NATS (subscribers spread by connection), unpinned, ${r.seconds} s windows:`,
    '',
    '| | one node | local nodes | ratio |',
    '|---|---|---|---|',
    `| server CPU µs per forwarded packet (all nodes summed) | ${cell(r.single, us)} | ${cell(r.cluster, us)} | ${ratio} |`,
    `| worst subscriber loss | ${cell(r.single, loss)} | ${cell(r.cluster, loss)} | |`,
    `| packets forwarded in the window | ${cell(r.single, (s) => String(s.forwarded))} | ${cell(r.cluster, (s) => String(s.forwarded))} | |`,
  ];
}

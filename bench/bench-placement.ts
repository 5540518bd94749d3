// Where the bench puts the servers under test and how its load clients count RTP, shared by `npm run bench` and
// the workloads that can also run alone: the bench's own network namespace when the host allows it, the server
// pinned to the last CPU, and RTP counted in the kernel (nftables) unless told otherwise.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import type { Placement } from './janus-reference.js';
import { createKernelRtpCounter, type KernelRtpCounter } from './kernel-counter.js';
import { createBenchNetns } from './netns.js';

/**
 * With kernel counting, the kernel lets one RTP packet in this many through to the few sampled clients (one
 * viewer in 20, one subscriber in 10), which decrypt it: a proof the media is valid SRTP.
 */
export const SAMPLE_EVERY = 50;

export interface BenchPlacement {
  readonly placement: Placement;
  /** Kernel RTP counters, when they could be set up. */
  readonly kernel: KernelRtpCounter | undefined;
  /** Removes the counters and the namespace (also on Ctrl-C). */
  readonly cleanup: () => void;
}

/** Pins this process to every CPU but the last and returns the last, for the server; undefined when not possible. */
function pinCpus(notes: string[]): number | undefined {
  const n = cpus().length;
  if (n < 2 || process.env.BENCH_PIN === '0') return undefined;
  const r = spawnSync('taskset', ['-apc', `0-${n - 2}`, String(process.pid)], { stdio: 'ignore' });
  if (r.status !== 0) {
    notes.push('could not pin to CPUs (taskset); server and client share all cores');
    return undefined;
  }
  return n - 1;
}

/**
 * Sets the bench up. `kernelCount` is BENCH_KERNEL_COUNT: "1" counts in the kernel and drops all but a sample of
 * `sampleEvery`, "check" counts there without dropping, "0" leaves counting to the viewers' sockets.
 */
export function setUpPlacement(notes: string[], kernelCount: string, sampleEvery: number): BenchPlacement {
  // Both servers inside the bench's own network namespace when the host allows it (Janus offers no loopback
  // candidates, so media workloads against it need a non-loopback address that is still on this machine).
  const ns = createBenchNetns();
  // Server on the last CPU, the bench (load client) on the others, when there are at least two and taskset works.
  const cpu = pinCpus(notes);
  const placement: Placement = { ...('error' in ns ? {} : { netns: ns }), ...(cpu !== undefined ? { cpu } : {}) };
  if ('error' in ns) notes.push(`no network namespace (${ns.error}); servers on loopback, Janus media workloads n/a`);
  let kernel: KernelRtpCounter | undefined;
  if (placement.netns && kernelCount !== '0') {
    const k = createKernelRtpCounter({ serverAddress: placement.netns.serverAddress, clientAddress: placement.netns.clientAddress, sampleEvery, drop: kernelCount !== 'check' });
    if ('error' in k) notes.push(`RTP counted in JavaScript at the viewers' sockets: no kernel counters (${k.error})`);
    else kernel = k;
  } else if (kernelCount !== '0') notes.push("RTP counted in JavaScript at the viewers' sockets: kernel counters need the namespace");
  const cleanup = (): void => {
    kernel?.remove();
    placement.netns?.remove();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  return { placement, kernel, cleanup };
}

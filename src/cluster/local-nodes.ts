// cluster.local_nodes (docs/cluster.md): this process becomes the supervisor of N node processes on the machine,
// one per core, each a whole Portunus node of the cluster. They share the public TCP listeners (Node's cluster
// module: the supervisor accepts, each connection goes to one node in turn) and each has its own UDP ports, its
// own metrics port and a private loopback link, whose port the supervisor tells all the others so that a request
// for a session of another node is carried to it. The supervisor serves nothing itself: it starts the nodes,
// starts again one that dies, and stops them all on SIGINT/SIGTERM.
import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import type { Logger } from '../logging/logger.js';
import { defaultNodeName } from './cluster-settings.js';
import { LOCAL_NODE_ENV, localNodeEnvValue } from './local-node-identity.js';
import { isLinkTable, type LinkAnnouncement, type LinkTable } from './local-node-links.js';

/** A node that dies within this long of its start counts as failing to start: its next start waits longer. */
const EARLY_DEATH_MS = 5000;
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;

/** The settings the local nodes' own flags are made from. */
export interface LocalNodeBase {
  readonly general: { readonly state_dir: string };
  readonly cluster: { readonly node_name: string };
  readonly media: { readonly single_port: number; readonly rtp_port_range: string };
  readonly metrics: { readonly enabled: boolean; readonly port: number };
}

/** The flags that make node `index` of `count` differ from its siblings (appended after the operator's). */
export function localNodeFlags(core: LocalNodeBase, index: number, count: number, supervisorPid: number): string[] {
  const c = core.cluster;
  const base = (c.node_name.trim() || defaultNodeName(undefined, supervisorPid)).slice(0, 60);
  const flags = [`--cluster.node_name=${base}-${index + 1}`];
  if (core.media.single_port !== 0) flags.push(`--media.single_port=${core.media.single_port + index}`);
  const range = /^(\d+)-(\d+)$/.exec(core.media.rtp_port_range.trim());
  if (range) {
    // Each node its own slice of the range, so that two never race for one port.
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    const size = Math.floor((hi - lo + 1) / count);
    if (size >= 2) flags.push(`--media.rtp_port_range=${lo + index * size}-${lo + (index + 1) * size - 1}`);
  }
  if (core.metrics.enabled) flags.push(`--metrics.port=${core.metrics.port + index}`);
  // Each node keeps what it is asked to keep in a folder of its own (docs/cluster.md): the first in state_dir
  // itself (what a single process kept is its), the others in a subfolder named after their number.
  if (index > 0 && core.general.state_dir) flags.push(`--general.state_dir=${localStateDir(core.general.state_dir, index)}`);
  // A broker or Unix socket transport on every node would answer each request once per node: the first node
  // alone serves them.
  if (index > 0) flags.push('--mqtt.enabled=false', '--rabbitmq.enabled=false', '--nats.enabled=false', '--pfunix.enabled=false', '--pfunix.admin_enabled=false');
  return flags;
}

/** Where local node `index` keeps its plugins' saved state, under the operator's state_dir. */
export function localStateDir(stateDir: string, index: number): string {
  return index === 0 ? stateDir : join(stateDir, `local-node-${index + 1}`);
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  startedAt: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

export class LocalNodes {
  private readonly slots: Slot[] = [];
  private readonly links = new Map<number, number>();
  private stopping = false;
  private ready = false;

  constructor(
    private readonly count: number,
    private readonly script: string,
    private readonly args: readonly string[],
    private readonly flags: (index: number) => string[],
    private readonly log: Logger,
  ) {}

  start(): void {
    this.log.info(`starting ${this.count} local nodes sharing this machine's listeners (cluster.local_nodes)`);
    for (let i = 0; i < this.count; i++) {
      const slot: Slot = { index: i, worker: undefined, startedAt: 0, failures: 0, timer: undefined };
      this.slots.push(slot);
      this.fork(slot);
    }
  }

  /** Stops every node with `signal` and resolves when all have exited (or `timeoutMs` passed: then they are killed). */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    this.stopping = true;
    const running = this.slots.flatMap((s) => {
      if (s.timer !== undefined) clearTimeout(s.timer);
      return s.worker && !s.worker.isDead() ? [s.worker] : [];
    });
    return new Promise((resolve) => {
      let left = running.length;
      if (left === 0) return resolve();
      const timer = setTimeout(() => {
        this.log.error(`local nodes still running after ${timeoutMs / 1000} s: killed`);
        for (const w of running) if (!w.isDead()) w.process.kill('SIGKILL');
        resolve();
      }, timeoutMs);
      for (const w of running) {
        w.once('exit', () => {
          if (--left > 0) return;
          clearTimeout(timer);
          resolve();
        });
        w.process.kill(signal);
      }
    });
  }

  private fork(slot: Slot): void {
    cluster.setupPrimary({ exec: this.script, args: [...this.args, ...this.flags(slot.index)] });
    const worker = cluster.fork({ [LOCAL_NODE_ENV]: localNodeEnvValue({ index: slot.index, count: this.count }) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    worker.on('message', (m: unknown) => this.message(slot, m));
    worker.on('exit', (code, signal) => this.exited(slot, worker, code, signal));
  }

  private message(slot: Slot, m: unknown): void {
    const a = m as Partial<LinkAnnouncement> | null;
    if (!a || typeof a !== 'object' || a.type !== 'portunus-link' || a.index !== slot.index || typeof a.port !== 'number') return;
    this.links.set(slot.index, a.port);
    slot.failures = 0;
    this.tellLinks();
    if (!this.ready && this.links.size === this.count) {
      this.ready = true;
      this.log.info(`Portunus is ready: ${this.count} local nodes up`);
    }
  }

  /** Every node learns every node's link port (again whenever one changes). */
  private tellLinks(): void {
    const table: LinkTable = { type: 'portunus-links', ports: Object.fromEntries(this.links) };
    if (!isLinkTable(table)) return;
    for (const s of this.slots) if (s.worker?.isConnected()) s.worker.send(table);
  }

  private exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    this.links.delete(slot.index);
    if (this.stopping) return;
    const early = Date.now() - slot.startedAt < EARLY_DEATH_MS;
    slot.failures = early ? slot.failures + 1 : 0;
    const wait = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** slot.failures);
    this.log.error(`local node ${slot.index + 1} exited (${signal ?? `code ${code}`}): starting it again in ${wait} ms`);
    this.tellLinks();
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!this.stopping) this.fork(slot);
    }, wait);
  }
}

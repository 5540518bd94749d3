// Which of a machine's local nodes this process is (cluster.local_nodes, docs/cluster.md), and how many are asked
// for. Pure. (The ids each node draws: core/local-node-ids.ts.)

/** The environment a local node is started with by the supervisor (local-nodes.ts). */
export const LOCAL_NODE_ENV = 'PORTUNUS_LOCAL_NODE';

export interface LocalNodeIdentity {
  /** 0 … count − 1. */
  readonly index: number;
  readonly count: number;
}

/** The local node this process is, from `PORTUNUS_LOCAL_NODE=<index>/<count>`; undefined when it is none. */
export function localNodeFromEnv(env: NodeJS.ProcessEnv): LocalNodeIdentity | undefined {
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(env[LOCAL_NODE_ENV] ?? '');
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 2 && index < count ? { index, count } : undefined;
}

export function localNodeEnvValue(node: LocalNodeIdentity): string {
  return `${node.index}/${node.count}`;
}

/** How many local nodes `cluster.local_nodes` asks for: a number from 1 to 64, or `auto` (one per core). */
export function parseLocalNodes(value: string | number, cores: number): number | undefined {
  const text = String(value).trim().toLowerCase();
  if (text === 'auto') return Math.max(1, Math.min(64, cores));
  if (!/^\d{1,2}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 64 ? n : undefined;
}

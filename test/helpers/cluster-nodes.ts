// Portunus nodes of one cluster for the tests: Debian's nats-server with JetStream (its store in a temporary
// folder) and node processes (`node dist/src/main.js`, under the no-IPv6 shim or in a network namespace when
// asked), each with its Admin API and metrics on its own address, asked what it sees of the cluster.
import { startChildServer, freePorts, type ChildPlace, type ChildServer } from './child-server.js';
import { startNatsServer, type Broker, type Cleanup } from './brokers.js';
import { waitFor } from '../../support/wait.js';

export interface ClusterNodeView {
  readonly name: string;
  readonly self: boolean;
  readonly media_ip: string;
  readonly incarnation: string;
  readonly last_heartbeat_ms_ago: number;
  readonly load: { readonly peerconnections: number; readonly forwarded_bps: number; readonly cpu: number };
  readonly holds: readonly unknown[];
}

export interface ClusterInfo {
  readonly node: string;
  readonly connected: boolean;
  readonly frozen: boolean;
  readonly nodes: readonly ClusterNodeView[];
}

export interface NodeProcess {
  readonly name: string;
  readonly server: ChildServer;
  readonly adminUrl: string;
  readonly metricsUrl: string;
  /** Admin cluster_info's answer. */
  clusterInfo(): Promise<ClusterInfo>;
  admin(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface NodeOptions {
  readonly heartbeatMs: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Where it runs and the address it listens on (127.0.0.1 unless said). */
  readonly place?: ChildPlace;
  /** More settings (`--section.key=value`). */
  readonly args?: readonly string[];
}

/** A JetStream nats-server (on `host`, 127.0.0.1 unless said); its store survives kill() and start(). */
export function startJetStream(host?: string): Promise<Broker> {
  return startNatsServer({ jetstream: true, host });
}

/** One node named `name` of the cluster on `nats` (a nats:// URL list). */
export async function startNode(name: string, nats: string, options: NodeOptions): Promise<NodeProcess> {
  const host = options.place?.host ?? '127.0.0.1';
  const [adminPort, metricsPort] = await freePorts(2);
  const server = await startChildServer(
    [
      `--cluster.nats=${nats}`,
      `--cluster.node_name=${name}`,
      `--cluster.media_ip=${host}`,
      `--cluster.heartbeat_ms=${options.heartbeatMs}`,
      '--http.admin_http=true',
      `--http.admin_ip=${host}`,
      `--http.admin_port=${adminPort}`,
      `--http.ip=${host}`,
      `--websockets.ws_ip=${host}`,
      '--metrics.enabled=true',
      `--metrics.ip=${host}`,
      `--metrics.port=${metricsPort}`,
      '--http.demos=false',
      ...(options.args ?? []),
    ],
    options.env,
    options.place,
  );
  const adminUrl = `http://${host}:${adminPort}/admin`;
  const admin = async (body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await fetch(adminUrl, { method: 'POST', body: JSON.stringify({ transaction: 't', ...body }) });
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    name,
    server,
    adminUrl,
    metricsUrl: `http://${host}:${metricsPort}/metrics`,
    admin,
    clusterInfo: async () => (await admin({ janus: 'cluster_info' })).cluster as ClusterInfo,
    kill: async () => {
      const child = server.child;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

/** `check` for waitFor, an error (a node not answering, being killed) taken as false. */
export function answers(check: () => Promise<boolean>): () => Promise<boolean> {
  return () => check().catch(() => false);
}

/** Resolves once every node of `nodes` sees exactly `expected` (and is connected to NATS). */
export async function allSee(nodes: readonly NodeProcess[], expected: readonly string[], timeoutMs: number): Promise<void> {
  const want = [...expected].sort().join(',');
  const sees = async (n: NodeProcess): Promise<boolean> => {
    const info = await n.clusterInfo();
    return (
      info.connected &&
      info.nodes
        .map((x) => x.name)
        .sort()
        .join(',') === want
    );
  };
  await Promise.all(
    nodes.map((n) =>
      waitFor(
        answers(() => sees(n)),
        { timeout: timeoutMs, what: `${n.name} to see ${want}` },
      ),
    ),
  );
}

/**
 * nats-server with JetStream (on `natsHost`, 127.0.0.1 unless said) and one node process per name, node i with
 * `options(i)`, all seeing each other; everything closed by `cleanup`.
 */
export async function startCluster(cleanup: Cleanup, names: readonly string[], options: (i: number) => NodeOptions, natsHost = '127.0.0.1'): Promise<{ nats: Broker; nodes: NodeProcess[] }> {
  const nats = cleanup.add(await startJetStream(natsHost), (b) => b.stop());
  const url = `nats://${natsHost}:${nats.port}`;
  const nodes: NodeProcess[] = [];
  for (const [i, name] of names.entries()) nodes.push(cleanup.add(await startNode(name, url, options(i)), (n) => n.server.stop()));
  await allSee(nodes, names, 10_000);
  return { nats, nodes };
}

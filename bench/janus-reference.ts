// Starts Janus (Debian's package) as the reference server, with a generated loopback-only configuration.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchNetns } from './netns.js';
import { sleep } from '../support/wait.js';

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  readonly restUrl: string;
  readonly wsUrl: string;
  /** The server's media address as the client reaches it, and the address the client sends from. */
  readonly mediaAddress: string;
  readonly clientAddress: string;
  /** The Admin API over HTTP, when the server was started with it (Portunus: its get_status reports memory). */
  readonly adminUrl?: string;
  stop(): Promise<void>;
}

export interface ServerMemory {
  readonly heap_used: number;
  readonly heap_total: number;
  readonly external: number;
  readonly array_buffers: number;
  readonly rss: number;
}

/** Admin get_status's `status` (Portunus); undefined without an Admin API or an answer. */
export async function adminStatus(server: RunningServer): Promise<Record<string, unknown> | undefined> {
  if (!server.adminUrl) return undefined;
  try {
    const r = await fetch(server.adminUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ janus: 'get_status', transaction: `st${Date.now()}` }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await r.json()) as { status?: Record<string, unknown> };
    return body.status;
  } catch {
    return undefined;
  }
}

/** The server's own memory figures from Admin get_status (Portunus); undefined without an Admin API or the figures. */
export async function adminMemory(server: RunningServer): Promise<ServerMemory | undefined> {
  const m = (await adminStatus(server))?.memory as Partial<ServerMemory> | undefined;
  return m && typeof m.heap_used === 'number' && typeof m.rss === 'number' ? (m as ServerMemory) : undefined;
}

/** Where a server under test runs: on the host's loopback, or inside the bench's network namespace. */
export type Placement = {
  readonly netns?: BenchNetns;
  /** Pin the server to this CPU (taskset), away from the load client. */
  readonly cpu?: number;
  /** Options for Portunus's node itself (e.g. --cpu-prof), before the script. */
  readonly nodeArgs?: readonly string[];
};

function command(placement: Placement, program: string, args: readonly string[]): [string, string[]] {
  const pinned: [string, string[]] = placement.cpu !== undefined ? ['taskset', ['-c', String(placement.cpu), program, ...args]] : [program, [...args]];
  return placement.netns ? ['ip', ['netns', 'exec', placement.netns.name, pinned[0], ...pinned[1]]] : pinned;
}

const LIB = '/usr/lib/x86_64-linux-gnu/janus';

/** Every plugin Debian's Janus ships (short names); the bench loads only those its workloads use. */
const JANUS_PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'videoroom', 'voicemail'];

/** Installs Debian's janus when it is missing; returns false when that is impossible. */
export function ensureJanus(): boolean {
  return ensureDebianPackage('janus', '/usr/bin/janus');
}

/** Installs a Debian package when `probe` is missing; returns whether it is there afterwards. */
export function ensureDebianPackage(pkg: string, probe: string): boolean {
  if (existsSync(probe)) return true;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  return existsSync(probe);
}

export async function startJanus(ports: { http: number; ws: number }, plugins: readonly string[], placement: Placement = {}): Promise<RunningServer> {
  const addr = placement.netns?.serverAddress ?? '127.0.0.1';
  const iceList = placement.netns?.serverIface ?? 'lo';
  const dir = mkdtempSync(join(tmpdir(), 'portunus-bench-janus-'));
  const disable = JANUS_PLUGINS.filter((p) => !plugins.includes(p))
    .map((p) => `libjanus_${p}.so`)
    .join(',');
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = 2
  session_timeout = 60
}
media: { rtp_port_range = "30000-39999" }
nat: { ice_enforce_list = "${iceList}" }
plugins: { disable = "${disable}" }
transports: { disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so" }
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: { json = "compact", base_path = "/janus", http = true, port = ${ports.http}, ip = "${addr}", https = false }\nadmin: { admin_http = false }\n`,
  );
  writeFileSync(join(dir, 'janus.transport.websockets.jcfg'), `general: { json = "compact", ws = true, ws_port = ${ports.ws}, ws_ip = "${addr}", wss = false }\nadmin: { admin_ws = false }\n`);
  for (const p of plugins) writeFileSync(join(dir, `janus.plugin.${p}.jcfg`), 'general: { events = false }\n');
  const [program, args] = command(placement, '/usr/bin/janus', ['-C', join(dir, 'janus.jcfg'), '-F', dir, '-N']);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return waitReady('janus', child, addr, placement.netns?.clientAddress ?? '127.0.0.1', ports);
}

/**
 * Starts Portunus with the same settings as Janus. With `plugins` (short names, as for startJanus), the other
 * plugins Janus knows are disabled (`plugins.disable`), so both servers load the same set; without it, every
 * plugin Portunus has loads.
 */
export async function startPortunus(
  ports: { http: number; ws: number; admin?: number },
  extraArgs: readonly string[] = [],
  placement: Placement = {},
  plugins?: readonly string[],
): Promise<RunningServer> {
  const addr = placement.netns?.serverAddress ?? '127.0.0.1';
  const iceList = placement.netns?.serverIface ?? 'lo';
  const disable = plugins
    ? [
        `--plugins.disable=${JANUS_PLUGINS.filter((p) => !plugins.includes(p))
          .map((p) => `janus.plugin.${p}`)
          .join(',')}`,
      ]
    : [];
  const [program, args] = command(placement, process.execPath, [
    ...(placement.nodeArgs ?? []),
    'dist/src/main.js',
    `--http.ip=${addr}`,
    `--http.port=${ports.http}`,
    `--websockets.ws_ip=${addr}`,
    `--websockets.ws_port=${ports.ws}`,
    '--general.log_level=2',
    `--nat.ice_enforce_list=${iceList}`,
    ...(ports.admin !== undefined ? ['--http.admin_http=true', `--http.admin_ip=${addr}`, `--http.admin_port=${ports.admin}`] : []),
    ...disable,
    ...extraArgs,
  ]);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const running = await waitReady('portunus', child, addr, placement.netns?.clientAddress ?? '127.0.0.1', ports);
  return ports.admin !== undefined ? { ...running, adminUrl: `http://${addr}:${ports.admin}/admin` } : running;
}

async function waitReady(name: string, child: ChildProcess, serverAddress: string, clientAddress: string, ports: { http: number; ws: number }): Promise<RunningServer> {
  const restUrl = `http://${serverAddress}:${ports.http}/janus`;
  const wsUrl = `ws://${serverAddress}:${ports.ws}`;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start-up:\n${output}`);
    try {
      const r = await fetch(`${restUrl}/info`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start within 15 s:\n${output}`);
  }
  return {
    name,
    pid: child.pid!,
    restUrl,
    wsUrl,
    mediaAddress: serverAddress,
    clientAddress,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

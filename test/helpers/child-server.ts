// Runs the real server (`node dist/src/main.js`) as a child process, e.g. under the no-IPv6 shim.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { repoRoot } from './no-ipv6.js';
import { sleep } from '../../support/wait.js';
import { freePorts } from '../../support/free-ports.js';

export { freePort, freePorts } from '../../support/free-ports.js';

export interface ChildServer {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly wsPort: number;
  readonly restUrl: string;
  readonly wsUrl: string;
  /** Everything the server logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** A UDP port that was free a moment ago on 127.0.0.1 (::1 on a host without IPv4), for `media.single_port`. */
export async function freeUdpPort(): Promise<number> {
  try {
    return await freeUdpPortOn('udp4', '127.0.0.1');
  } catch {
    return freeUdpPortOn('udp6', '::1');
  }
}

async function freeUdpPortOn(type: 'udp4' | 'udp6', address: string): Promise<number> {
  const socket = createSocket(type);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(0, address, () => resolve());
  });
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Where the child runs: `prefix` before node (`ip netns exec <ns>`), `host` the address its URLs name. */
export interface ChildPlace {
  readonly prefix?: readonly string[];
  readonly host?: string;
}

export async function startChildServer(args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env, place: ChildPlace = {}): Promise<ChildServer> {
  // Another test process may take a port between our probe and the server's bind: try again with new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(args, env, place);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !err.message.includes('EADDRINUSE')) throw err;
    }
  }
}

async function startOnce(args: readonly string[], env: NodeJS.ProcessEnv, place: ChildPlace): Promise<ChildServer> {
  const [httpPort, wsPort] = await freePorts(2);
  const singlePort = await freeUdpPort();
  const prefix = place.prefix ?? [];
  const host = place.host ?? '127.0.0.1';
  const child = spawn(
    prefix[0] ?? process.execPath,
    [
      ...(prefix.length > 0 ? [...prefix.slice(1), process.execPath] : []),
      join(repoRoot, 'dist', 'src', 'main.js'),
      `--http.port=${httpPort}`,
      `--websockets.ws_port=${wsPort}`,
      `--media.single_port=${singlePort}`,
      '--nat.ice_enforce_list=lo',
      ...args,
    ],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!output.includes('Portunus is ready')) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready within 15 s:\n${output}`);
    }
    await sleep(50);
  }
  return {
    child,
    httpPort,
    wsPort,
    restUrl: `http://${host}:${httpPort}/janus`,
    wsUrl: `ws://${host}:${wsPort}`,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

// Real message brokers for the event handler tests: Debian's mosquitto, nats-server and rabbitmq-server, each on
// free loopback ports with its own temporary folder. A broker can be killed (SIGKILL, as a crash) and started
// again on the same ports; stop() ends it and removes its folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../support/wait.js';
import { Logger, LogLevel } from '../../src/logging/logger.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const NATS_SERVER = '/usr/sbin/nats-server';
export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const EPMD = '/usr/bin/epmd';

/** Why a broker cannot run here (its Debian package is missing), or false. */
export function missing(binary: string): string | false {
  return existsSync(binary) ? false : `${binary} is not installed (node scripts/test-setup.mjs installs it)`;
}

export interface Broker {
  /** The client port on 127.0.0.1. */
  readonly port: number;
  /** The broker's temporary folder (configuration, data, certificates the test puts there). */
  readonly dir: string;
  /** Starts it (again, on the same ports); resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would; resolves once it is gone. */
  kill(): Promise<void>;
  /** Kills it if it runs and removes its folder. */
  stop(): Promise<void>;
  /** What it printed, for a failure message. */
  output(): string;
}

function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Resolves once a TCP connection to host:port succeeds; rejects after `timeoutMs` or when `dead()` says the process ended. */
export async function waitForPort(port: number, timeoutMs: number, dead: () => string | undefined, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await accepts(port, host)) return;
    const why = dead();
    if (why !== undefined) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where it listens (127.0.0.1 unless said). */
  readonly host?: string;
}

/** One program run again and again on the same ports, in its own process group so that SIGKILL reaches all of it. */
class Managed {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitText: string | undefined;
  private text = '';
  private port: number | undefined;

  constructor(
    private readonly name: string,
    private readonly spec: ProcessSpec,
  ) {}

  output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(readyPort: number, timeoutMs: number): Promise<void> {
    if (this.child) throw new Error(`${this.name} already runs`);
    this.port = readyPort;
    this.exitText = undefined;
    const child = spawn(this.spec.command, this.spec.args, { env: this.spec.env ?? process.env, cwd: this.spec.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.text = (this.text + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitText = `${this.name} ended (${signal ?? `code ${code}`}) before it listened:\n${this.text.slice(-3000)}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', (err) => {
        this.exitText = `${this.name} did not start: ${err.message}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    try {
      await waitForPort(readyPort, timeoutMs, () => this.exitText, this.spec.host);
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.exited;
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    this.child = undefined;
    // The first process of the group may be gone before the one that listens (rabbitmq's beam.smp): wait until
    // nothing accepts on the port any more, so that a start() right after waits for the new process.
    const deadline = Date.now() + 5000;
    while (this.port !== undefined && (await accepts(this.port, this.spec.host))) {
      if (Date.now() > deadline) throw new Error(`${this.name} still accepts on port ${this.port} after it was killed`);
      await sleep(20);
    }
  }
}

/**
 * TCP ports free on 127.0.0.1 now and outside the kernel's range for outgoing connections: a broker killed and
 * started again must find its ports still free, and a port of that range may be taken meanwhile as the local
 * end of any connection on the machine (the tests' own probes included).
 */
export async function steadyPorts(n: number): Promise<number[]> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: keep the usual start of the range
  }
  const floor = Math.min(10_000, low - 1000);
  const ports: number[] = [];
  while (ports.length < n) {
    const candidate = floor + Math.floor(Math.random() * (low - floor));
    if (ports.includes(candidate)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(candidate, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) ports.push(candidate);
  }
  return ports;
}

function tempDir(kind: string): string {
  return mkdtempSync(join(tmpdir(), `portunus-${kind}-`));
}

function broker(dir: string, port: number, parts: readonly { managed: Managed; port: number; timeoutMs: number }[]): Broker {
  let removed = false;
  return {
    port,
    dir,
    start: async () => {
      for (const p of parts) if (!p.managed.running) await p.managed.start(p.port, p.timeoutMs);
    },
    kill: () => parts[parts.length - 1].managed.kill(),
    stop: async () => {
      for (const p of [...parts].reverse()) await p.managed.kill();
      if (!removed) rmSync(dir, { recursive: true, force: true });
      removed = true;
    },
    output: () => parts.map((p) => p.managed.output()).join('\n'),
  };
}

/** Starts `b`; when it cannot, stops what did start and removes its folder before throwing. */
async function startOrClean(b: Broker): Promise<void> {
  try {
    await b.start();
  } catch (err) {
    await b.stop();
    throw err;
  }
}

/** mosquitto with a plain listener on `port` and, when `tls` names certificate files in `dir`, a TLS one. */
export async function startMosquitto(options: { tls?: Certificate } = {}): Promise<Broker & { tlsPort: number }> {
  const dir = tempDir('mosquitto');
  const [port, tlsPort] = await steadyPorts(2);
  // Run as root, mosquitto would switch to user mosquitto, who cannot read the test's private folders.
  const lines = [
    `user ${userInfo().username}`,
    'per_listener_settings false',
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    `listener ${port} 127.0.0.1`,
  ];
  if (options.tls) lines.push(`listener ${tlsPort} 127.0.0.1`, `certfile ${options.tls.cert}`, `keyfile ${options.tls.key}`);
  writeFileSync(join(dir, 'mosquitto.conf'), lines.join('\n') + '\n');
  const managed = new Managed('mosquitto', { command: MOSQUITTO, args: ['-c', join(dir, 'mosquitto.conf')], cwd: dir });
  const b = broker(dir, port, [{ managed, port, timeoutMs: 10_000 }]);
  await startOrClean(b);
  return { ...b, tlsPort };
}

/**
 * nats-server on `port`, with user and password when given, TLS only when given a certificate, JetStream (its
 * store in the broker's folder, kept over a kill and a start) when asked, on `host` (127.0.0.1 unless said).
 */
export async function startNatsServer(options: { user?: string; password?: string; tls?: Certificate; jetstream?: boolean; host?: string } = {}): Promise<Broker> {
  const dir = tempDir('nats');
  const [port] = await steadyPorts(1);
  const host = options.host ?? '127.0.0.1';
  const args = ['-a', host, '-p', String(port), '-n', `portunus-test-${port}`];
  if (options.user !== undefined) args.push('--user', options.user, '--pass', options.password ?? '');
  if (options.tls) args.push('--tls', '--tlscert', options.tls.cert, '--tlskey', options.tls.key);
  if (options.jetstream) args.push('-js', '-sd', join(dir, 'jetstream'));
  const managed = new Managed('nats-server', { command: NATS_SERVER, args, cwd: dir, host });
  const b = broker(dir, port, [{ managed, port, timeoutMs: 10_000 }]);
  await startOrClean(b);
  return b;
}

/**
 * rabbitmq-server as a node of its own: its own node name, data and log folders, HOME (for the Erlang cookie),
 * AMQP port, distribution port and epmd. epmd runs in the foreground on a port of its own, started here, so
 * that the broker neither meets a system epmd on 4369 nor leaves a daemon behind. No plugins.
 */
export async function startRabbitMq(options: { tls?: Certificate } = {}): Promise<Broker & { tlsPort: number }> {
  const dir = tempDir('rabbitmq');
  const [port, distPort, epmdPort, tlsPort] = await steadyPorts(4);
  for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  // Erlang terms rather than rabbitmq.conf: the broker then skips the schema translation of the new format at boot.
  const config = [
    `{rabbit, [{tcp_listeners, [{"127.0.0.1", ${port}}]},`,
    ...(options.tls
      ? [`  {ssl_listeners, [{"127.0.0.1", ${tlsPort}}]}, {ssl_options, [{certfile, "${options.tls.cert}"}, {keyfile, "${options.tls.key}"}, {verify, verify_none}, {fail_if_no_peer_cert, false}]},`]
      : []),
    '  {vm_memory_high_watermark, {absolute, 268435456}}, {disk_free_limit, 1000000},',
    '  {log, [{console, [{enabled, true}, {level, warning}]}, {file, [{file, false}]}]}]}',
  ];
  writeFileSync(join(dir, 'rabbitmq.config'), `[${config.join('\n')}].\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.config'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_NODENAME: `portunus-test-${port}@localhost`,
    RABBITMQ_USE_LONGNAME: 'false',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}',
  };
  const epmd = new Managed('epmd', { command: EPMD, args: ['-port', String(epmdPort), '-address', '127.0.0.1'], env, cwd: dir });
  const rabbit = new Managed('rabbitmq-server', { command: RABBITMQ_SERVER, args: [], env, cwd: dir });
  const b = broker(dir, port, [
    { managed: epmd, port: epmdPort, timeoutMs: 5_000 },
    { managed: rabbit, port, timeoutMs: 40_000 },
  ]);
  await startOrClean(b);
  return { ...b, tlsPort };
}

export interface Certificate {
  readonly cert: string;
  readonly key: string;
  /** Removes the certificate's folder. */
  remove(): void;
}

/** A self-signed certificate for 127.0.0.1 (its own CA), in a folder of its own. */
export function makeCertificate(): Certificate {
  const dir = tempDir('cert');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  if (made.status !== 0) throw new Error('openssl could not make a certificate');
  return { cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Janus-shaped batch: a session event and a media event, told apart from other batches by `tag`. */
export function sampleBatch(tag: string): { emitter: string; type: number; timestamp: number; session_id: number; handle_id?: number; event: Record<string, unknown> }[] {
  return [
    { emitter: 'portunus-test', type: 1, timestamp: 1_700_000_000_000_000, session_id: 1234, event: { name: 'created', transport: { transport: 'janus.transport.http', id: tag } } },
    { emitter: 'portunus-test', type: 32, timestamp: 1_700_000_000_000_001, session_id: 1234, handle_id: 5678, event: { media: 'audio', base: 48000, 'packets-received': 10, tag } },
  ];
}

/** A logger whose lines are kept (and printed only when PORTUNUS_TEST_LOG is set). */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = Logger.create({
    level: LogLevel.VERB,
    timestamps: false,
    sink: {
      write: (line) => {
        lines.push(line);
        if (process.env.PORTUNUS_TEST_LOG) process.stderr.write(line + '\n');
      },
    },
  });
  return { log, lines };
}

/** What a test made, closed in reverse order whatever happened; a failing close does not stop the others. */
export class Cleanup {
  private readonly steps: (() => unknown)[] = [];

  /** Registers `close(thing)` and returns `thing`. */
  add<T>(thing: T, close: (thing: T) => unknown): T {
    this.steps.push(() => close(thing));
    return thing;
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    this.steps.length = 0;
    if (errors.length > 0) throw errors[0];
  }
}

// janus.eventhandler.sampleevh: every batch POSTed to `backend` as application/json, with basic authentication
// when backend_user is set and gzip (Content-Encoding) when `compress` is on, as Janus's sample handler does with
// libcurl. A delivery counts once the receiver answers 2xx; anything else is a failure the dispatcher retries.
// One connection is kept between POSTs (HTTP/1.1 keep-alive): a connection made and closed for every batch cost
// as much CPU as the events in it.
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { setting } from '../config/setting.js';
import { connectionTo, parseBackendUrl, type BackendTarget, type ConnectionMaker } from './backend-url.js';
import type { BackendContext, EventBackend, EventHandlerKind, JsonObject } from './event-backend.js';
import { eventText } from './event-json.js';

/** As Janus: a POST has 10 s to connect and be answered. */
const TIMEOUT_MS = 10_000;
/** An idle connection is closed after this long, before common servers' own keep-alive time-outs (5 s) close it. */
const IDLE_MS = 4000;
/** Bytes of a receiver's answer read at most (we only need its status). */
const MAX_ANSWER_BYTES = 65536;

const gzipAsync = promisify(gzip);

export const SAMPLEEVH: EventHandlerKind = {
  package: 'janus.eventhandler.sampleevh',
  section: 'sampleevh',
  name: 'JANUS SampleEventHandler plugin',
  description: 'This is a trivial sample event handler plugin for Janus, which forwards events via HTTP POST.',
  version: 1,
  versionString: '0.0.1',
  settings: {
    backend: setting('', 'http:// or https:// address every batch of events is POSTed to'),
    backend_user: setting('', 'basic authentication user name for backend; empty = none'),
    backend_pwd: setting('', 'basic authentication password for backend_user'),
    compress: setting(false, 'gzip each POST body (Content-Encoding: gzip)'),
    compression: setting(6, 'gzip level with compress: 0 (none) to 9 (smallest)'),
  },
  tweaks: {
    backend: 'string',
    backend_user: 'string',
    backend_pwd: 'string',
    compress: 'boolean',
    compression: 'positive',
    max_retransmissions: 'positive',
    retransmissions_backoff: 'positive',
  },
  problem(s) {
    const target = parseBackendUrl(String(s.backend), ['http:', 'https:']);
    if (typeof target === 'string') return s.backend === '' ? 'no backend set' : `backend ${target}`;
    const level = s.compression;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9) return `compression must be 0-9, got ${String(level)}`;
    return undefined;
  },
  create: (context) => Promise.resolve(new HttpBackend(context)),
};

class HttpBackend implements EventBackend {
  private readonly open = new Set<{ destroy(): void }>();
  private agent: { url: string; agent: Agent } | undefined;
  /** The last backend address read and what it parsed to (parsed again only when a tweak changed it). */
  private parsed: { text: string; target: BackendTarget | string } | undefined;
  private closed = false;

  constructor(private readonly context: BackendContext) {}

  get name(): string {
    return String(this.context.settings.backend);
  }

  async send(batch: readonly JsonObject[]): Promise<void> {
    if (this.closed) throw new Error('closed');
    const s = this.context.settings;
    // Read at each POST: an Admin `tweak` may have changed the address, the credentials or the compression.
    const text = String(s.backend);
    if (this.parsed?.text !== text) this.parsed = { text, target: parseBackendUrl(text, ['http:', 'https:']) };
    const target = this.parsed.target;
    if (typeof target === 'string') throw new Error(`backend ${target}`);
    const { format } = this.context;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    let body: Buffer = Buffer.from(eventText(format.grouping ? batch : batch[0], format.json));
    if (s.compress === true) {
      body = await gzipAsync(body, { level: Number(s.compression) });
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = String(body.length);
    const user = String(s.backend_user);
    if (user !== '') headers.Authorization = `Basic ${Buffer.from(`${user}:${String(s.backend_pwd)}`).toString('base64')}`;
    const status = await this.post(target, headers, body);
    if (status < 200 || status > 299) throw new Error(`${target.url.host} answered HTTP ${status}`);
  }

  close(): Promise<void> {
    this.closed = true;
    for (const r of this.open) r.destroy();
    this.open.clear();
    this.agent?.agent.destroy();
    this.agent = undefined;
    return Promise.resolve();
  }

  /** The agent that keeps the connection to `target`; a tweaked backend gets a new one (the old one's closed). */
  private agentFor(target: BackendTarget): Agent {
    if (this.agent?.url === target.url.href) return this.agent.agent;
    this.agent?.agent.destroy();
    const agent = new BackendAgent(connectionTo(this.context.network, 'event handler sampleevh', target, TIMEOUT_MS));
    this.agent = { url: target.url.href, agent };
    return agent;
  }

  /** One POST; resolves with the status once the answer is read (or cut at MAX_ANSWER_BYTES). */
  private post(target: BackendTarget, headers: Record<string, string>, body: Buffer): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const req = request({
        method: 'POST',
        host: target.host,
        port: target.port,
        path: `${target.url.pathname}${target.url.search}`,
        headers,
        agent: this.agentFor(target),
        timeout: TIMEOUT_MS,
      });
      this.open.add(req);
      const timer = setTimeout(() => req.destroy(new Error(`no answer from ${target.url.host} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        this.open.delete(req);
      };
      req.on('timeout', () => req.destroy(new Error(`${target.url.host} went quiet for ${TIMEOUT_MS} ms`)));
      req.on('error', (err) => {
        done();
        reject(err);
      });
      req.on('response', (res: IncomingMessage) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('error', () => undefined);
        // The answer read to its end leaves the connection for the next POST; one cut short closes it.
        res.on('end', () => {
          done();
          resolve(res.statusCode ?? 0);
        });
        res.on('close', () => {
          done();
          resolve(res.statusCode ?? 0);
        });
      });
      req.end(body);
    });
  }
}

/** Keeps one connection, opened through the network layer (node:http's own would connect and look names up itself). */
class BackendAgent extends Agent {
  constructor(private readonly make: ConnectionMaker) {
    super({ keepAlive: true, maxSockets: 1, timeout: IDLE_MS });
  }

  override createConnection(options: unknown, oncreate: (err: Error | null, socket: Duplex) => void): undefined {
    return this.make(options, oncreate);
  }
}

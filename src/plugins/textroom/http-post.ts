// A room's `post` backend: every message and announcement is POSTed there as JSON, as Janus does with libcurl,
// over the connections the plugin door opens (PluginContext.network); plain HTTP/1.1, one request a connection.
import type { Logger } from '../../logging/logger.js';
import { errorText } from '../../logging/error-text.js';
import type { Network, TcpConnection } from '../../plugin-api/index.js';

export interface PostTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** Path and query. */
  readonly path: string;
  /** The Host header. */
  readonly authority: string;
}

/** Where a `post` URL points, or why it cannot be used. */
export function parsePostUrl(url: string): PostTarget | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${u.protocol} is not http: or https:`;
  if (u.username || u.password) return 'credentials in the URL are not supported';
  const secure = u.protocol === 'https:';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { secure, host, port: u.port ? Number(u.port) : secure ? 443 : 80, path: `${u.pathname}${u.search}`, authority: u.host };
}

/** The request as written on the connection. */
export function postRequest(target: PostTarget, body: string): string {
  const headers = [
    `POST ${target.path} HTTP/1.1`,
    `Host: ${target.authority}`,
    'Accept: application/json',
    'Content-Type: application/json',
    'charsets: utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** How long a backend has to connect and answer, ms. */
const TIMEOUT_MS = 10_000;
/** Posts under way at once; more are dropped (logged) rather than queued without end. */
const MAX_IN_FLIGHT = 32;

export class HttpPoster {
  private inFlight = 0;
  private readonly open = new Set<TcpConnection>();

  constructor(
    private readonly network: Network,
    private readonly log: Logger,
  ) {}

  /** Posts `body` to `url`; never throws, and settles when the backend answered or gave up. */
  async post(url: string, body: string): Promise<void> {
    const target = parsePostUrl(url);
    if (typeof target === 'string') {
      this.log.warn(`textroom: cannot post to '${url.slice(0, 200)}': ${target}`);
      return;
    }
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.log.warn(`textroom: ${MAX_IN_FLIGHT} posts to backends under way, one to ${target.authority} dropped`);
      return;
    }
    this.inFlight++;
    try {
      const status = await this.exchange(target, body);
      if (!/^HTTP\/1\.[01] 2\d\d/.test(status)) this.log.warn(`textroom: backend ${target.authority} answered '${status.slice(0, 100)}'`);
    } catch (err) {
      this.log.warn(`textroom: couldn't post the message to ${target.authority}: ${errorText(err)}`);
    } finally {
      this.inFlight--;
    }
  }

  /** Closes the connections still open (the plugin stops). */
  close(): void {
    for (const c of this.open) c.destroy();
    this.open.clear();
  }

  /** Sends the request and resolves with the response's status line. */
  private async exchange(target: PostTarget, body: string): Promise<string> {
    const address = await this.network.resolveName(target.host);
    const what = 'textroom post';
    const conn = target.secure
      ? await this.network.connectTls(what, address, target.port, { timeoutMs: TIMEOUT_MS, verifyCertificate: true, servername: target.host })
      : await this.network.connectTcp(what, address, target.port, TIMEOUT_MS);
    this.open.add(conn);
    try {
      return await new Promise<string>((resolve, reject) => {
        let head = '';
        const timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
        const done = (fn: () => void): void => {
          clearTimeout(timer);
          fn();
        };
        conn.on('data', (chunk: Buffer) => {
          head += chunk.toString('latin1');
          const end = head.indexOf('\r\n');
          if (end >= 0) done(() => resolve(head.slice(0, end)));
          else if (head.length > 8192) done(() => reject(new Error('no status line')));
        });
        conn.once('error', (err) => done(() => reject(err)));
        conn.once('close', () => done(() => reject(new Error('closed before answering'))));
        conn.write(postRequest(target, body));
      });
    } finally {
      this.open.delete(conn);
      conn.destroy();
    }
  }
}

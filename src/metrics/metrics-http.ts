// The metrics listener's requests: `GET <path>` (HEAD too) answers the scrape, when the request may have it.
// Who may: with metrics.secret, a request carrying it as a bearer token or as basic auth's password. The
// Admin API's address list guards the listener before a request gets here (server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameSecret } from '../core/validate.js';
import { errorDetail } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

export interface MetricsHttpSettings {
  readonly path: string;
  /** Empty: no credentials needed. */
  readonly secret: string;
}

export interface Scraper {
  readonly contentType: string;
  scrape(): Promise<string>;
}

/** Whether `authorization` carries `secret`: `Bearer <secret>`, or `Basic` with any user and `secret` as password. */
export function carriesSecret(authorization: string | undefined, secret: string): boolean {
  if (authorization === undefined) return false;
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(authorization);
  if (!m) return false;
  const scheme = m[1].toLowerCase();
  if (scheme === 'bearer') return sameSecret(m[2], secret);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(m[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && sameSecret(decoded.slice(colon + 1), secret);
}

export class MetricsHttp {
  private readonly log: Logger;

  constructor(
    private readonly scraper: Scraper,
    private readonly settings: MetricsHttpSettings,
    log: Logger,
  ) {
    this.log = log.child({ component: 'metrics' });
  }

  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    this.answer(req, res).catch((err: unknown) => {
      this.log.error(`metrics scrape failed: ${errorDetail(err)}`);
      if (!res.headersSent) this.plain(res, 500, 'scrape failed\n');
      else res.destroy();
    });
  };

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== this.settings.path) return this.plain(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.plain(res, 405, 'method not allowed\n');
    }
    if (this.settings.secret !== '' && !carriesSecret(req.headers.authorization, this.settings.secret)) {
      res.setHeader('WWW-Authenticate', ['Bearer realm="portunus metrics"', 'Basic realm="portunus metrics", charset="UTF-8"']);
      return this.plain(res, 401, 'unauthorized\n');
    }
    // Encoded once: its length is the header's, its bytes the answer's.
    const body = Buffer.from(await this.scraper.scrape());
    res.writeHead(200, { 'Content-Type': this.scraper.contentType, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private plain(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

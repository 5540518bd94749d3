// The Admin API over HTTP (POST /admin, /admin/<session>, /admin/<session>/<handle>).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminApi } from '../core/admin.js';
import { ErrorCode, INTERNAL_ERROR_REASON } from '../core/errors.js';
import { randomString } from '../core/ids.js';
import { isJsonObject } from '../core/validate.js';
import { errorDetail } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import { applyCors, type CorsSettings } from './cors.js';
import { readJsonPost, sendEmpty, sendJson } from './http-json.js';
import { mergePathIds, parseId } from './rest.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page.js';

export interface AdminRestSettings {
  readonly basePath: string;
  readonly cors: CorsSettings;
  readonly maxBodySize: number;
  readonly json: string;
}

export class AdminRestTransport {
  private readonly log: Logger;
  constructor(
    private readonly admin: AdminApi,
    private readonly settings: AdminRestSettings,
    log: Logger,
  ) {
    this.log = log.child({ component: 'admin-http' });
  }

  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      this.log.error(`admin request failed: ${errorDetail(err)}`);
      if (!res.headersSent) this.send(res, 200, { janus: 'error', error: { code: ErrorCode.UNKNOWN, reason: INTERNAL_ERROR_REASON } });
      else res.destroy();
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    applyCors(req, res, this.settings.cors);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const base = this.settings.basePath.replace(/\/+$/, '');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(base + '/')) return this.empty(res, 404);
    const parts = path
      .slice(base.length)
      .split('/')
      .filter((p) => p !== '');
    if (parts.length > 2) return this.empty(res, 404);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') return this.empty(res, 200);
    if (method === 'GET') {
      if (parts.length === 1 && (parts[0] === 'info' || parts[0] === 'ping')) {
        return this.send(res, 200, await this.admin.handle({ janus: parts[0], transaction: randomString(12) }));
      }
      if (parts.length === 1 && parts[0] === 'dashboard') return this.dashboard(res);
      return this.empty(res, 404);
    }
    if (method !== 'POST') return this.send(res, 200, { janus: 'error', error: { code: ErrorCode.TRANSPORT_SPECIFIC, reason: `Unsupported method ${method}` } });
    const sessionId = parts.length > 0 ? parseId(parts[0]) : undefined;
    const handleId = parts.length > 1 ? parseId(parts[1]) : undefined;
    if (parts.length > 0 && sessionId === undefined) {
      req.resume();
      return this.send(res, 200, { janus: 'error', error: { code: ErrorCode.SESSION_NOT_FOUND, reason: 'No such session' } });
    }
    if (parts.length > 1 && handleId === undefined) {
      req.resume();
      return this.send(res, 200, { janus: 'error', session_id: sessionId, error: { code: ErrorCode.SESSION_NOT_FOUND, reason: 'No such handle' } });
    }
    const parsed = await readJsonPost(req, res, this.settings.maxBodySize, this.settings.json);
    if (!parsed) return;
    const request = parsed.value;
    if (isJsonObject(request)) {
      const conflict = mergePathIds(request, sessionId, handleId);
      if (conflict) return this.send(res, 200, { janus: 'error', transaction: request.transaction, error: { code: conflict.code, reason: conflict.reason } });
    }
    return this.send(res, 200, await this.admin.handle(request));
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    sendJson(res, status, body, this.settings.json, (err) => this.log.error(`admin reply not serializable: ${errorDetail(err)}`));
  }
  /** The dashboard page: static, no data in it (its script asks this API, with the secret the viewer gives). */
  private dashboard(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DASHBOARD_CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(DASHBOARD_HTML);
  }

  private empty(res: ServerResponse, status: number): void {
    sendEmpty(res, status);
  }
}

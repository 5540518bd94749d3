// The Admin API over HTTP (POST /admin, /admin/<session>, /admin/<session>/<handle>).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminApi } from '../core/admin.js';
import { ErrorCode, JanusError } from '../core/errors.js';
import { randomString } from '../core/ids.js';
import { isJsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import { applyCors, type CorsSettings } from './cors.js';
import { BodyTooLarge, readBody } from './http-body.js';
import { parseJsonRequest, serialize } from './json-body.js';
import { mergePathIds, parseId } from './rest.js';

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
      this.log.error(`admin request failed: ${String(err)}`);
      if (!res.headersSent) this.send(res, 500, { janus: 'error', error: { code: ErrorCode.UNKNOWN, reason: 'Internal error' } });
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    applyCors(req, res, this.settings.cors);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const base = this.settings.basePath.replace(/\/+$/, '');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(base + '/')) return this.empty(res, 404);
    const parts = path.slice(base.length).split('/').filter((p) => p !== '');
    if (parts.length > 2) return this.empty(res, 404);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') return this.empty(res, 200);
    if (method === 'GET') {
      if (parts.length === 1 && (parts[0] === 'info' || parts[0] === 'ping')) {
        return this.send(res, 200, await this.admin.handle({ janus: parts[0], transaction: randomString(12) }));
      }
      return this.empty(res, 404);
    }
    if (method !== 'POST') return this.send(res, 200, { janus: 'error', error: { code: ErrorCode.TRANSPORT_SPECIFIC, reason: `Unsupported method ${method}` } });
    const sessionId = parts.length > 0 ? parseId(parts[0]) : undefined;
    const handleId = parts.length > 1 ? parseId(parts[1]) : undefined;
    if ((parts.length > 0 && sessionId === undefined) || (parts.length > 1 && handleId === undefined)) return this.empty(res, 404);
    let text: string;
    try {
      text = await readBody(req, this.settings.maxBodySize);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return this.send(res, 413, { janus: 'error', error: { code: ErrorCode.TRANSPORT_SPECIFIC, reason: 'Request too large' } });
      }
      res.destroy();
      return;
    }
    if (text.trim() === '') return this.send(res, 200, { janus: 'error', error: { code: ErrorCode.INVALID_JSON, reason: 'Request payload missing' } });
    let request: unknown;
    try {
      request = parseJsonRequest(text);
    } catch (err) {
      const e = err as JanusError;
      return this.send(res, 200, { janus: 'error', error: { code: e.code, reason: e.reason } });
    }
    if (isJsonObject(request)) {
      const conflict = mergePathIds(request, sessionId, handleId);
      if (conflict) return this.send(res, 200, { janus: 'error', transaction: request.transaction, error: { code: conflict.code, reason: conflict.reason } });
    }
    return this.send(res, 200, await this.admin.handle(request));
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const text = serialize(body, this.settings.json);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
  private empty(res: ServerResponse, status: number): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Length': 0 });
    res.end();
  }
}

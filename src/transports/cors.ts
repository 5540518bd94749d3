// CORS headers for the REST API, as Janus sends them.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsSettings {
  readonly allowOrigin: string;
  readonly enforce: boolean;
}

export function applyCors(req: IncomingMessage, res: ServerResponse, cors: CorsSettings): void {
  if (cors.allowOrigin) {
    res.setHeader('Access-Control-Allow-Origin', cors.allowOrigin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  } else {
    res.setHeader('Access-Control-Allow-Origin', '*');
  }
  res.setHeader('Access-Control-Max-Age', '86400');
  const method = req.headers['access-control-request-method'];
  if (typeof method === 'string') res.setHeader('Access-Control-Allow-Methods', method);
  const headers = req.headers['access-control-request-headers'];
  if (typeof headers === 'string') res.setHeader('Access-Control-Allow-Headers', headers);
}

/** With `enforce_cors`, a request from another origin is refused. */
export function originRefused(req: IncomingMessage, cors: CorsSettings): boolean {
  if (!cors.enforce || !cors.allowOrigin) return false;
  const origin = req.headers.origin;
  return typeof origin === 'string' && origin !== cors.allowOrigin;
}

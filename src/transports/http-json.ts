// JSON over HTTP for the REST transports: reading a request body into a value, writing replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../core/errors.js';
import { BodyTooLarge, readBody } from './http-body.js';
import { INTERNAL_ERROR_REPLY, parseJsonRequest, serialize, serializeForClient, unparsableReply } from './json-body.js';

/** Told about a reply that could not be serialized (a fault of ours); the client gets a neutral 490 instead. */
export type SerializeFault = (err: unknown) => void;

const ignoreFault: SerializeFault = () => undefined;

export function sendJson(res: ServerResponse, status: number, body: unknown, style: string, fault: SerializeFault = ignoreFault): void {
  if (res.headersSent || res.destroyed) return;
  // An HTTP request always gets a Janus answer: a reply without a transaction that fails still becomes a 490.
  const text = serializeForClient(body, style, fault) ?? serialize(INTERNAL_ERROR_REPLY, style);
  sendText(res, status, text);
}

/** Sends JSON text already serialized. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

/**
 * Reads and parses a POST body. On failure the reply is already sent (413 for an oversized body, a Janus
 * error for an empty or malformed one, a dropped connection for a broken upload) and undefined is returned.
 */
export async function readJsonPost(req: IncomingMessage, res: ServerResponse, limit: number, style: string): Promise<{ value: unknown } | undefined> {
  let text: string;
  try {
    text = await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      res.setHeader('Connection', 'close');
      sendJson(res, 413, { janus: 'error', error: { code: ErrorCode.TRANSPORT_SPECIFIC, reason: `Request too large (over ${limit} bytes)` } }, style);
      req.resume();
    } else res.destroy();
    return undefined;
  }
  if (text.trim() === '') {
    sendJson(res, 200, { janus: 'error', error: { code: ErrorCode.INVALID_JSON, reason: 'Request payload missing' } }, style);
    return undefined;
  }
  try {
    return { value: parseJsonRequest(text) };
  } catch (err) {
    sendJson(res, 200, unparsableReply(err), style);
    return undefined;
  }
}

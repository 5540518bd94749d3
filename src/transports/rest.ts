// The Janus API over HTTP: POST requests, GET long polls, CORS (janus.transport.http).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, INTERNAL_ERROR_REASON, JanusError } from '../core/errors.js';
import type { EventSink, SessionOverReason } from '../core/event-sink.js';
import type { Gateway } from '../core/gateway.js';
import { randomString } from '../core/ids.js';
import type { LocalSiblings } from '../core/local-siblings.js';
import { isJsonObject, type JsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import { applyCors, originRefused, type CorsSettings } from './cors.js';
import { readJsonPost, sendEmpty, sendJson, sendText } from './http-json.js';
import { serialize } from './json-body.js';

export interface RestSettings {
  readonly basePath: string;
  readonly cors: CorsSettings;
  readonly maxBodySize: number;
  readonly json: string;
  /** How long a long poll waits for events before answering with a keepalive. */
  readonly longPollMs: number;
  /** Events kept per session between polls; beyond it the oldest are dropped. */
  readonly maxQueuedEvents: number;
}

interface Waiter {
  readonly maxev: number;
  readonly res: ServerResponse;
  readonly timer: NodeJS.Timeout;
}

interface SessionQueue {
  events: JsonObject[];
  readonly waiters: Set<Waiter>;
}

/** A POST gets this long to be answered by the core, as in Janus. */
const REPLY_TIMEOUT_MS = 10_000;

export class RestTransport implements EventSink {
  readonly transport = 'janus.transport.http';
  readonly peer = 'http';
  private readonly queues = new Map<number, SessionQueue>();

  /** Long polls waiting for an event now (query_transport's `messages`: the requests being served). */
  get waitingPolls(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.waiters.size;
    return n;
  }
  private readonly log: Logger;

  constructor(
    private readonly gateway: Gateway,
    private readonly settings: RestSettings,
    log: Logger,
    /** The other local nodes of this machine (cluster.local_nodes): a request for one of their sessions goes there. */
    private readonly siblings?: LocalSiblings,
  ) {
    this.log = log.child({ component: 'http' });
  }

  // EventSink: the REST transport keeps one event queue per session, drained by long polls.
  sessionCreated(sessionId: number): void {
    if (!this.queues.has(sessionId)) this.queues.set(sessionId, { events: [], waiters: new Set() });
  }

  deliver(sessionId: number, message: JsonObject): void {
    const q = this.queues.get(sessionId);
    if (!q) return;
    q.events.push(message);
    // Nobody polls: keep the newest, which is what a late poller can still use (the final `timeout`, say).
    const excess = q.events.length - Math.max(1, this.settings.maxQueuedEvents);
    if (excess > 0) {
      q.events.splice(0, excess);
      this.gateway.eventsDropped(sessionId, excess, this.transport, this.settings.maxQueuedEvents);
    }
    this.wake(q);
  }

  sessionOver(sessionId: number, _reason: SessionOverReason): void {
    const q = this.queues.get(sessionId);
    if (!q) return;
    this.queues.delete(sessionId);
    // Parked polls get whatever was queued (the `timeout` event, say) or a keepalive.
    for (const w of [...q.waiters]) this.answerPoll(q, w);
  }

  /** Drops every parked poll (server shutdown). */
  close(): void {
    for (const q of this.queues.values()) for (const w of [...q.waiters]) this.answerPoll(q, w);
    this.queues.clear();
  }

  /** The `request` listener for the HTTP server. */
  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => this.serve(req, res, true);

  /** The same for requests a sibling carried here (they are this node's: never carried on). */
  readonly onLinkRequest = (req: IncomingMessage, res: ServerResponse): void => this.serve(req, res, false);

  private serve(req: IncomingMessage, res: ServerResponse, carry: boolean): void {
    this.route(req, res, carry).catch((err: unknown) => {
      // A fault of ours still gets a Janus answer (HTTP 200, error 490), never a bare 500 or the exception text.
      this.gateway.internalFault('HTTP request failed', err, { transport: this.transport });
      if (!res.headersSent) this.sendJson(res, 200, { janus: 'error', error: { code: ErrorCode.UNKNOWN, reason: INTERNAL_ERROR_REASON } });
      else res.destroy();
    });
  }

  /** The sibling holding `sessionId`, when this request is to be carried there. */
  private elsewhere(sessionId: number | undefined, carry: boolean): number | undefined {
    return carry && sessionId !== undefined ? this.siblings?.ownerOfSession(sessionId) : undefined;
  }

  private async route(req: IncomingMessage, res: ServerResponse, carry: boolean): Promise<void> {
    applyCors(req, res, this.settings.cors);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const base = this.settings.basePath.replace(/\/+$/, '');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(base + '/')) return this.sendEmpty(res, 404);
    const parts = path
      .slice(base.length)
      .split('/')
      .filter((p) => p !== '');
    if (parts.length > 2) return this.sendEmpty(res, 404);
    if (originRefused(req, this.settings.cors)) return this.sendEmpty(res, 403);
    const method = req.method ?? 'GET';

    if (method === 'OPTIONS') return this.sendEmpty(res, 200);
    if (method !== 'GET' && method !== 'POST') {
      return this.sendJson(res, 200, { janus: 'error', error: { code: ErrorCode.TRANSPORT_SPECIFIC, reason: `Unsupported method ${method}` } });
    }

    if (method === 'GET') {
      if (parts.length === 1 && (parts[0] === 'info' || parts[0] === 'ping')) {
        return this.forward(res, { janus: parts[0], transaction: randomString(12) });
      }
      if (parts.length === 0) return this.sendEmpty(res, 404);
      const sessionId = parseId(parts[0]);
      if (sessionId === undefined) return this.sendEmpty(res, 404);
      const owner = this.elsewhere(sessionId, carry);
      if (owner !== undefined) return this.siblings?.relayHttp(owner, req, res);
      if (parts.length === 2) {
        await this.keepalive(sessionId, url);
        res.setHeader('Location', `${base}/${sessionId}`);
        return this.sendEmpty(res, 302);
      }
      return this.longPoll(req, res, sessionId, url);
    }

    // POST
    if (parts.length === 1 && (parts[0] === 'info' || parts[0] === 'ping')) return this.sendEmpty(res, 400);
    const sessionId = parts.length > 0 ? parseId(parts[0]) : undefined;
    const handleId = parts.length > 1 ? parseId(parts[1]) : undefined;
    // A path id that no session or handle can have (0, not a number, beyond 53 bits) is a Janus error, not a 404.
    if (parts.length > 0 && sessionId === undefined) {
      req.resume();
      return this.sendJson(res, 200, { janus: 'error', error: { code: ErrorCode.SESSION_NOT_FOUND, reason: `No such session ${pathIdText(parts[0])}` } });
    }
    if (parts.length > 1 && handleId === undefined) {
      req.resume();
      return this.sendJson(res, 200, { janus: 'error', session_id: sessionId, error: { code: ErrorCode.HANDLE_NOT_FOUND, reason: `No such handle ${pathIdText(parts[1])} in session ${sessionId}` } });
    }
    const owner = this.elsewhere(sessionId, carry);
    if (owner !== undefined) return this.siblings?.relayHttp(owner, req, res);
    const parsed = await readJsonPost(req, res, this.settings.maxBodySize, this.settings.json);
    if (!parsed) return;
    const request = parsed.value;
    if (!isJsonObject(request)) return this.sendJson(res, 200, this.gateway.errorReply(request, new JanusError(ErrorCode.INVALID_JSON_OBJECT, 'JSON error: not an object')));
    const conflict = mergePathIds(request, sessionId, handleId);
    if (conflict) return this.sendJson(res, 200, this.gateway.errorReply(request, conflict));
    return this.forward(res, request);
  }

  /** Hands a request to the core and answers the HTTP request with its reply. */
  private forward(res: ServerResponse, request: JsonObject): Promise<void> {
    return new Promise((resolve) => {
      let answered = false;
      const timer = setTimeout(() => {
        if (answered) return;
        answered = true;
        this.sendEmpty(res, 200);
        resolve();
      }, REPLY_TIMEOUT_MS);
      void this.gateway.handle(this, request, (reply) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        this.sendJson(res, 200, reply);
        resolve();
      });
    });
  }

  /** A long poll (and a GET on a handle path) counts as a keepalive; returns the core's verdict. */
  private keepalive(sessionId: number, url: URL): Promise<JsonObject> {
    const request: JsonObject = { janus: 'keepalive', session_id: sessionId, transaction: randomString(12) };
    const apisecret = url.searchParams.get('apisecret');
    const token = url.searchParams.get('token');
    if (apisecret !== null) request.apisecret = apisecret;
    if (token !== null) request.token = token;
    return new Promise((resolve) => void this.gateway.handle(this, request, resolve));
  }

  private async longPoll(req: IncomingMessage, res: ServerResponse, sessionId: number, url: URL): Promise<void> {
    const verdict = await this.keepalive(sessionId, url);
    if (verdict.janus === 'error') {
      const code = (verdict.error as { code: number }).code;
      this.log.verbose(`long poll refused (${code})`, { session: sessionId });
      return this.sendEmpty(res, code === ErrorCode.UNAUTHORIZED ? 403 : 404);
    }
    const q = this.queues.get(sessionId);
    if (!q) return this.sendEmpty(res, 404);
    const maxevRaw = Number(url.searchParams.get('maxev') ?? '1');
    const maxev = Number.isInteger(maxevRaw) && maxevRaw >= 1 ? Math.min(maxevRaw, 1000) : 1;
    if (q.events.length > 0) {
      this.reply(res, q, maxev);
      return;
    }
    const waiter: Waiter = {
      maxev,
      res,
      timer: setTimeout(() => this.answerPoll(q, waiter), this.settings.longPollMs),
    };
    q.waiters.add(waiter);
    // A client that goes away mid-poll must not leave its waiter (or a timer) behind.
    res.on('close', () => {
      if (q.waiters.delete(waiter)) clearTimeout(waiter.timer);
    });
    req.on('error', () => undefined);
  }

  private wake(q: SessionQueue): void {
    for (const w of [...q.waiters]) {
      if (q.events.length === 0) break;
      this.answerPoll(q, w);
    }
  }

  private answerPoll(q: SessionQueue, w: Waiter): void {
    if (!q.waiters.delete(w)) return;
    clearTimeout(w.timer);
    this.reply(w.res, q, w.maxev);
  }

  private reply(res: ServerResponse, q: SessionQueue, maxev: number): void {
    if (res.destroyed || res.writableEnded) return;
    if (q.events.length === 0) {
      this.sendJson(res, 200, maxev > 1 ? [{ janus: 'keepalive' }] : { janus: 'keepalive' });
      return;
    }
    const batch = q.events.splice(0, maxev);
    let text: string;
    try {
      text = serialize(maxev > 1 ? batch : batch[0], this.settings.json);
    } catch (err) {
      // An event we cannot write (a fault of ours) is dropped alone; the rest of the batch still goes out.
      this.gateway.internalFault('event not serializable, dropped', err, { transport: this.transport });
      const good = batch.filter(serializable);
      text = serialize(maxev > 1 ? (good.length > 0 ? good : [{ janus: 'keepalive' }]) : (good[0] ?? { janus: 'keepalive' }), this.settings.json);
    }
    sendText(res, 200, text);
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    sendJson(res, status, body, this.settings.json, (err) => this.gateway.internalFault('reply not serializable', err, { transport: this.transport }));
  }

  private sendEmpty(res: ServerResponse, status: number): void {
    sendEmpty(res, status);
  }
}

function serializable(message: JsonObject): boolean {
  try {
    JSON.stringify(message);
    return true;
  } catch {
    return false;
  }
}

/** A path component as it may appear in an error reason: short, or not at all. */
function pathIdText(text: string): string {
  return /^[0-9A-Za-z_-]{1,24}$/.test(text) ? text : '(invalid)';
}

/** A path component that is a positive integer id, or undefined. */
export function parseId(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** Puts ids from the URL into the request; ids in both places must agree (Janus error 457). */
export function mergePathIds(request: JsonObject, sessionId: number | undefined, handleId: number | undefined): JanusError | undefined {
  if (sessionId !== undefined) {
    const body = request.session_id;
    if (body !== undefined && body !== null && body !== sessionId) return new JanusError(ErrorCode.INVALID_REQUEST_PATH, 'Conflicting session ID (payload and path)');
    request.session_id = sessionId;
  }
  if (handleId !== undefined) {
    const body = request.handle_id;
    if (body !== undefined && body !== null && body !== handleId) return new JanusError(ErrorCode.INVALID_REQUEST_PATH, 'Conflicting handle ID (payload and path)');
    request.handle_id = handleId;
  }
  return undefined;
}

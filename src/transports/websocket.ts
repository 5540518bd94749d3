// The Janus API and Admin API over WebSocket (subprotocols janus-protocol / janus-admin-protocol).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AdminApi } from '../core/admin.js';
import { ErrorCode, JanusError } from '../core/errors.js';
import { EventSubtype, EventType, transportInstanceId } from '../core/event-notifier.js';
import type { EventSink, SessionOverReason } from '../core/event-sink.js';
import type { Gateway } from '../core/gateway.js';
import type { JsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import { parseJsonSequence, serializeForClient, unparsableReply } from './json-body.js';
import { wsText } from './ws-text.js';

export const JANUS_PROTOCOL = 'janus-protocol';
export const ADMIN_PROTOCOL = 'janus-admin-protocol';

export interface WebSocketSettings {
  readonly maxMessageSize: number;
  readonly json: string;
  /**
   * Janus's pingpong_trigger and pingpong_timeout, in seconds: after `pingTrigger` without anything from the
   * client a PING is sent, and without a PONG (or anything else) within `pingTimeout` the connection is closed.
   * Either at 0 turns pings off. A client stuck in a half-sent frame cannot answer, so this also ends those.
   */
  readonly pingTrigger: number;
  readonly pingTimeout: number;
  /** Bytes a client may leave unread (ws's bufferedAmount); beyond it the connection is closed. */
  readonly maxUnsentBytes: number;
  /** Tell event handlers when a connection opens and closes (Janus's `events` of this transport). */
  readonly notifyEvents?: boolean;
}

/** Close code and grace for a client that does not read: the close frame is queued behind what it left unread. */
const SLOW_READER_CLOSE = 1008;
const CLOSE_GRACE_MS = 1000;

/** One WebSocket connection: the transport instance that receives the events of the sessions it owns. */
class Connection implements EventSink {
  readonly transport = 'janus.transport.websockets';
  private readonly owned = new Set<number>();
  closed = false;
  /** When the client last sent anything (a message, a PING or a PONG), and when our unanswered PING went out. */
  lastHeard = performance.now();
  pingSentAt: number | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly peer: string,
    private readonly owner: WebSocketTransport,
  ) {}

  send(message: JsonObject): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    const text = this.owner.serialize(message);
    if (text === undefined) return;
    this.socket.send(text);
    this.owner.checkBacklog(this);
  }
  deliver(_sessionId: number, message: JsonObject): void {
    this.send(message);
  }
  sessionCreated(sessionId: number): void {
    this.owned.add(sessionId);
  }
  sessionOver(sessionId: number, _reason: SessionOverReason): void {
    this.owned.delete(sessionId);
  }
  heard(): void {
    this.lastHeard = performance.now();
    this.pingSentAt = undefined;
  }
  /** Stops sending at once, tells the client why (if it ever reads again) and drops the socket soon after. */
  shut(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    const t = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }
}

export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly log: Logger;
  private readonly protocol: string;
  private readonly connections = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;

  /** Open connections (query_transport's `connections`). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Serves the Janus API when `admin` is undefined, the Admin API otherwise. */
  constructor(
    private readonly gateway: Gateway,
    private readonly settings: WebSocketSettings,
    log: Logger,
    private readonly admin?: AdminApi,
  ) {
    this.protocol = admin ? ADMIN_PROTOCOL : JANUS_PROTOCOL;
    this.log = log.child({ component: admin ? 'admin-ws' : 'ws' });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: settings.maxMessageSize,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(this.protocol) ? this.protocol : false),
    });
    if (this.pingsOn) {
      // One sweep for all connections, often enough to act within a quarter of the shorter interval.
      const tick = Math.max(50, Math.min(1000, (Math.min(settings.pingTrigger, settings.pingTimeout) * 1000) / 4));
      this.sweeper = setInterval(() => this.sweep(), tick);
      this.sweeper.unref();
    }
  }

  private get pingsOn(): boolean {
    return this.settings.pingTrigger > 0 && this.settings.pingTimeout > 0;
  }

  /** Takes over the HTTP server's upgrade requests; plain HTTP requests get a short refusal. */
  attach(server: Server, allowed: (req: IncomingMessage) => boolean = () => true): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // An access list's X-Forwarded-For check: refused as Janus does, by closing the connection.
      if (!allowed(req)) socket.destroy();
      else this.upgrade(req, socket, head);
    });
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      res.end(`This port speaks the Janus API over WebSocket (subprotocol ${this.protocol}).\n`);
    });
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  /** Serializes for a client; a message we cannot write is a fault of ours (see serializeForClient). */
  serialize(message: JsonObject): string | undefined {
    return serializeForClient(message, this.settings.json, (err) => this.gateway.internalFault('message not serializable', err, { transport: 'janus.transport.websockets' }));
  }

  /** A client that does not read would make us buffer without end: past the bound its connection is closed. */
  checkBacklog(conn: Connection): void {
    const unsent = conn.socket.bufferedAmount;
    const limit = this.settings.maxUnsentBytes;
    if (limit <= 0 || unsent <= limit) return;
    this.gateway.slowConnectionClosed(conn.peer, conn.transport, unsent, limit);
    conn.shut(SLOW_READER_CLOSE, 'Slow reader: too much unread data');
    // Its sessions are claimable right away, as on any transport loss (the close event repeats this harmlessly).
    if (!this.admin) this.gateway.transportGone(conn);
  }

  private sweep(): void {
    const now = performance.now();
    const trigger = this.settings.pingTrigger * 1000;
    const timeout = this.settings.pingTimeout * 1000;
    for (const conn of this.connections) {
      if (conn.closed) continue;
      if (conn.pingSentAt !== undefined) {
        if (now - conn.pingSentAt >= timeout) {
          this.log.verbose(`no PONG within ${this.settings.pingTimeout} s, closing`, { peer: conn.peer });
          conn.closed = true;
          conn.socket.terminate();
        }
      } else if (now - conn.lastHeard >= trigger) {
        conn.pingSentAt = now;
        conn.socket.ping();
      }
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(this.protocol)) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nWebSocket subprotocol ${this.protocol} required\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const conn = new Connection(ws, peer, this);
    this.connections.add(conn);
    this.log.verbose('connection opened', { peer });
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    this.transportEvent(conn, { event: 'connected', admin_api: this.admin !== undefined, ip });
    ws.on('pong', () => conn.heard());
    ws.on('ping', () => conn.heard());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      conn.heard();
      this.onMessage(conn, data, isBinary);
    });
    ws.on('error', (err) => this.log.verbose(`connection error: ${err.message}`, { peer }));
    ws.on('close', () => {
      conn.closed = true;
      this.connections.delete(conn);
      if (!this.admin) this.gateway.transportGone(conn);
      this.log.verbose('connection closed', { peer });
      this.transportEvent(conn, { event: 'disconnected' });
    });
  }

  /** Janus's transport event (type 128): this transport, the connection's id, what happened. */
  private transportEvent(conn: Connection, data: JsonObject): void {
    const events = this.gateway.events;
    if (this.settings.notifyEvents === false || !events.wants(EventType.TRANSPORT)) return;
    events.notify(EventType.TRANSPORT, EventSubtype.NONE, { transport: conn.transport, id: transportInstanceId(conn), data });
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const text = wsText(data);
    let requests: unknown[];
    try {
      if (isBinary && text.includes('\u0000')) throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: binary frame');
      requests = parseJsonSequence(text);
    } catch (err) {
      conn.send(unparsableReply(err));
      return;
    }
    for (const request of requests) {
      if (conn.closed) return;
      if (this.admin) void this.admin.handle(request).then((reply) => conn.send(reply));
      else void this.gateway.handle(conn, request, (reply) => conn.send(reply));
    }
  }
}

// The Janus API and Admin API over WebSocket (subprotocols janus-protocol / janus-admin-protocol).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AdminApi } from '../core/admin.js';
import { ErrorCode, JanusError } from '../core/errors.js';
import type { EventSink, SessionOverReason } from '../core/event-sink.js';
import type { Gateway } from '../core/gateway.js';
import type { JsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import { parseJsonSequence, serialize } from './json-body.js';

export const JANUS_PROTOCOL = 'janus-protocol';
export const ADMIN_PROTOCOL = 'janus-admin-protocol';

export interface WebSocketSettings {
  readonly maxMessageSize: number;
  readonly json: string;
  /** Seconds between server pings (0 = none) and how long to wait for the pong. */
  readonly pingInterval: number;
  readonly pingTimeout: number;
}

/** One WebSocket connection: the transport instance that receives the events of the sessions it owns. */
class Connection implements EventSink {
  readonly transport = 'janus.transport.websockets';
  private readonly owned = new Set<number>();
  closed = false;

  constructor(
    private readonly socket: WebSocket,
    readonly peer: string,
    private readonly json: string,
  ) {}

  send(message: JsonObject): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(serialize(message, this.json));
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
}

export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly log: Logger;
  private readonly protocol: string;

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
  }

  /** Takes over the HTTP server's upgrade requests; plain HTTP requests get a short refusal. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      res.end(`This port speaks the Janus API over WebSocket (subprotocol ${this.protocol}).\n`);
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
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
    const conn = new Connection(ws, peer, this.settings.json);
    this.log.verbose('connection opened', { peer });
    let alive = true;
    let pinger: NodeJS.Timeout | undefined;
    if (this.settings.pingInterval > 0) {
      pinger = setInterval(() => {
        if (!alive) {
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, this.settings.pingInterval * 1000);
      ws.on('pong', () => (alive = true));
    }
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(conn, data, isBinary));
    ws.on('error', (err) => this.log.verbose(`connection error: ${err.message}`, { peer }));
    ws.on('close', () => {
      conn.closed = true;
      if (pinger) clearInterval(pinger);
      if (!this.admin) this.gateway.transportGone(conn);
      this.log.verbose('connection closed', { peer });
    });
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    let requests: unknown[];
    try {
      if (isBinary && text.includes('\u0000')) throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: binary frame');
      requests = parseJsonSequence(text);
    } catch (err) {
      const e = err instanceof JanusError ? err : new JanusError(ErrorCode.INVALID_JSON, String(err));
      conn.send({ janus: 'error', error: { code: e.code, reason: e.reason } });
      return;
    }
    for (const request of requests) {
      if (this.admin) void this.admin.handle(request).then((reply) => conn.send(reply));
      else void this.gateway.handle(conn, request, (reply) => conn.send(reply));
    }
  }
}

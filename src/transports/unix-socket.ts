// The Janus API and the Admin API over a Unix socket, as Janus's janus.transport.pfunix: SOCK_SEQPACKET (one
// connection, one client) or SOCK_DGRAM (one client per sender path, answered at that path). One message is one
// request; requests name session_id and handle_id in the body, as on WebSocket; a session's events go to the
// client that created it. The socket and its clients come from the network layer (server.ts opens it with
// `handlers` and attaches it); the bytes are parsed here.
import type { AdminApi } from '../core/admin.js';
import { ErrorCode, JanusError } from '../core/errors.js';
import { EventSubtype, EventType, transportInstanceId } from '../core/event-notifier.js';
import type { EventSink, SessionOverReason } from '../core/event-sink.js';
import type { Gateway } from '../core/gateway.js';
import { LogThrottle } from '../core/log-throttle.js';
import type { JsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import { parseJsonRequest, serializeForClient, unparsableReply } from './json-body.js';

export const PFUNIX_PACKAGE = 'janus.transport.pfunix';

export type UnixSocketType = 'SOCK_SEQPACKET' | 'SOCK_DGRAM';

/** One client as the network layer hands it over (its UnixClientLink): a connection, or a datagram sender's path. */
export interface UnixClientLink {
  readonly name: string;
  readonly fd: number;
  readonly unsentBytes: number;
  send(message: Uint8Array): boolean;
  close(afterSending?: boolean): void;
}

/** What the network layer calls back with (its UnixListenerHandlers). */
export interface UnixSocketHandlers {
  peerOpened(peer: UnixClientLink): void;
  message(peer: UnixClientLink, data: Uint8Array, size: number): void;
  peerGone(peer: UnixClientLink, reason: string): void;
  dropped(reason: string): void;
}

/** The bound socket (the network layer's UnixListener), closed with the transport. */
export interface UnixSocketBinding {
  readonly path: string;
  close(): void;
}

export interface UnixSocketSettings {
  /** How JSON is written: compact, plain or indented (query_transport's `configure` may change it). */
  json: string;
  /** Tell event handlers when a client comes and goes (Janus's `events`). */
  notifyEvents: boolean;
  readonly maxMessageSize: number;
  /** Bytes a client may leave unread; beyond it the client is dropped, as a slow WebSocket reader is. */
  readonly maxUnsentBytes: number;
}

/** Janus's `type` values; anything else is taken as SOCK_SEQPACKET, with a warning, as Janus does. */
export function unixSocketType(value: string, warn: (message: string) => void): UnixSocketType {
  const upper = value.trim().toUpperCase();
  if (upper === 'SOCK_SEQPACKET' || upper === 'SOCK_DGRAM') return upper;
  warn(`unknown Unix socket type '${value}', assuming SOCK_SEQPACKET`);
  return 'SOCK_SEQPACKET';
}

/** SOCK_DGRAM senders kept at most; past it the longest-silent one without sessions is forgotten. */
const MAX_DATAGRAM_CLIENTS = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One client: the transport instance that receives the events of the sessions it created. */
class UnixClient implements EventSink {
  readonly transport = PFUNIX_PACKAGE;
  readonly owned = new Set<number>();
  closed = false;

  constructor(
    readonly link: UnixClientLink,
    readonly peer: string,
    private readonly owner: UnixSocketTransport,
  ) {}

  send(message: JsonObject): void {
    if (this.closed) return;
    const text = this.owner.serialize(message);
    if (text === undefined) return;
    this.link.send(Buffer.from(text, 'utf8'));
    this.owner.checkBacklog(this);
  }
  deliver(_sessionId: number, message: JsonObject): void {
    this.send(message);
  }
  sessionCreated(sessionId: number): void {
    this.owned.add(sessionId);
  }
  sessionOver(sessionId: number, reason: SessionOverReason): void {
    this.owned.delete(sessionId);
    if (reason === 'timeout') this.owner.sessionTimedOut(this);
  }
}

export class UnixSocketTransport {
  private readonly log: Logger;
  private readonly clients = new Map<UnixClientLink, UnixClient>();
  private readonly dropLog = new LogThrottle(10_000);
  private binding: UnixSocketBinding | undefined;

  /** What the network layer's listener calls back with. */
  readonly handlers: UnixSocketHandlers = {
    peerOpened: (peer) => this.opened(peer),
    message: (peer, data, size) => this.onMessage(peer, data, size),
    peerGone: (peer, reason) => this.gone(peer, reason),
    dropped: (reason) => this.dropLog.run((held) => this.log.warn(`${reason}; dropped${held > 0 ? ` (and ${held} more since the last warning)` : ''}`)),
  };

  /** Serves the Janus API when `admin` is undefined, the Admin API otherwise. */
  constructor(
    private readonly gateway: Gateway,
    private readonly settings: UnixSocketSettings,
    private readonly type: UnixSocketType,
    log: Logger,
    private readonly admin?: AdminApi,
  ) {
    this.log = log.child({ component: admin ? 'admin-unix' : 'unix' });
  }

  /** Clients served now (query_transport's `connections`). */
  get connectionCount(): number {
    return this.clients.size;
  }

  get path(): string | undefined {
    return this.binding?.path;
  }

  /** The socket that calls `handlers`, closed with the transport. */
  attach(binding: UnixSocketBinding): void {
    this.binding = binding;
  }

  /** Drops every client and closes the socket; its file is removed. */
  close(): void {
    for (const client of this.clients.values()) client.closed = true;
    this.clients.clear();
    this.binding?.close();
    this.binding = undefined;
  }

  serialize(message: JsonObject): string | undefined {
    return serializeForClient(message, this.settings.json, (err) => this.gateway.internalFault('message not serializable', err, { transport: PFUNIX_PACKAGE }));
  }

  /** A client that does not read would make us buffer without end: past the bound it is dropped. */
  checkBacklog(client: UnixClient): void {
    const unsent = client.link.unsentBytes;
    const limit = this.settings.maxUnsentBytes;
    if (limit <= 0 || unsent <= limit) return;
    this.gateway.slowConnectionClosed(client.peer, PFUNIX_PACKAGE, unsent, limit);
    this.drop(client, 'a slow reader');
  }

  /** As Janus: a session's time-out ends its SOCK_SEQPACKET connection, once what is queued for it is sent. */
  sessionTimedOut(client: UnixClient): void {
    if (this.type !== 'SOCK_SEQPACKET' || client.closed) return;
    queueMicrotask(() => this.drop(client, 'a session timed out', true));
  }

  private opened(peer: UnixClientLink): void {
    if (this.type === 'SOCK_DGRAM' && this.clients.size >= MAX_DATAGRAM_CLIENTS) this.forgetIdleSender();
    const client = new UnixClient(peer, `${this.type === 'SOCK_DGRAM' ? 'unix-dgram' : 'unix'}:${peer.name}`, this);
    this.clients.set(peer, client);
    this.log.verbose('client connected', { peer: client.peer });
    // Janus's fields (fd -1 for a datagram client), and the path such a client is answered at.
    const data: JsonObject = { event: 'connected', admin_api: this.admin !== undefined, fd: peer.fd, type: this.type };
    if (this.type === 'SOCK_DGRAM') data.path = peer.name;
    this.transportEvent(client, data);
  }

  /** The sender heard from longest ago that owns no session (Map order is first-heard order, refreshed per message). */
  private forgetIdleSender(): void {
    for (const client of this.clients.values()) {
      if (client.owned.size > 0) continue;
      this.drop(client, 'too many datagram clients');
      return;
    }
  }

  private gone(peer: UnixClientLink, reason: string): void {
    const client = this.clients.get(peer);
    if (!client) return;
    this.log.verbose(`client gone: ${reason}`, { peer: client.peer });
    this.forget(client);
  }

  /** Ends a client ourselves: its connection closed (or its path forgotten), its sessions treated as on any transport loss. */
  private drop(client: UnixClient, why: string, afterSending = false): void {
    if (client.closed) return;
    this.log.verbose(`dropping client: ${why}`, { peer: client.peer });
    client.link.close(afterSending);
    this.forget(client);
  }

  private forget(client: UnixClient): void {
    if (client.closed) return;
    client.closed = true;
    this.clients.delete(client.link);
    if (!this.admin) this.gateway.transportGone(client);
    this.transportEvent(client, { event: 'disconnected' });
  }

  /** Janus's transport event (type 128): this transport, the client's id, what happened. */
  private transportEvent(client: UnixClient, data: JsonObject): void {
    const events = this.gateway.events;
    if (!this.settings.notifyEvents || !events.wants(EventType.TRANSPORT)) return;
    events.notify(EventType.TRANSPORT, EventSubtype.NONE, { transport: PFUNIX_PACKAGE, id: transportInstanceId(client), data });
  }

  private onMessage(peer: UnixClientLink, data: Uint8Array, size: number): void {
    const client = this.clients.get(peer);
    if (!client || client.closed) return;
    if (this.type === 'SOCK_DGRAM') {
      // Most recently heard last: forgetIdleSender looks from the front.
      this.clients.delete(peer);
      this.clients.set(peer, client);
    }
    let request: unknown;
    try {
      if (size > data.length) throw new JanusError(ErrorCode.TRANSPORT_SPECIFIC, `Message too large (${size} bytes, at most ${this.settings.maxMessageSize})`);
      let text: string;
      try {
        text = utf8.decode(data);
      } catch {
        throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: the message is not UTF-8 text');
      }
      if (text.trim() === '') throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: empty message');
      request = parseJsonRequest(text);
    } catch (err) {
      client.send(unparsableReply(err));
      return;
    }
    if (this.admin) void this.admin.handle(request).then((reply) => client.send(reply));
    else void this.gateway.handle(client, request, (reply) => client.send(reply));
  }
}

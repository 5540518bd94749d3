// ICE-TCP (RFC 6544) on the shared port's number (`nat.ice_tcp`): one TCP listener per local address that every
// PeerConnection shares, offered as a passive host candidate. A connection belongs to no one until its first frame
// is a Binding request whose USERNAME and MESSAGE-INTEGRITY prove an agent's credentials (as on the UDP port);
// anything else first, or nothing within AUTH_TIMEOUT_MS, closes it. Connections waiting for that are capped, so
// a flood of idle connections cannot crowd out real clients.
import type { Family } from '../net/address.js';
import type { Network, TcpConnection, TcpListener } from '../net/network.js';
import { SharedTcpEndpoint } from './shared-tcp-endpoint.js';
import { looksLikeStun, readStunMessage } from './stun-message.js';
import { TcpIceLink } from './tcp-ice-link.js';
import { requestedUfrag, UfragDirectory } from './ufrag-directory.js';

/** How long a new connection has to prove credentials. */
const AUTH_TIMEOUT_MS = 10_000;
/** Connections that have not proved credentials yet, at most. */
const MAX_PENDING = 64;

export interface SharedTcpLimits {
  /** How long a new connection has to prove credentials, ms. */
  readonly authTimeoutMs: number;
  /** Connections that have not proved credentials yet, at most. */
  readonly maxPending: number;
}

export type SharedTcpDrop = 'unproven' | 'malformed_stun' | 'unknown_ufrag' | 'bad_integrity' | 'timeout' | 'too_many';

/** What the ICE-TCP port counted: connections accepted and proven, frames routed, connections refused by reason. */
export class SharedTcpCounters {
  accepted = 0;
  proven = 0;
  routed = 0;
  readonly refused: Record<SharedTcpDrop, number> = { unproven: 0, malformed_stun: 0, unknown_ufrag: 0, bad_integrity: 0, timeout: 0, too_many: 0 };
}

export class SharedTcpPort {
  readonly counters = new SharedTcpCounters();
  private readonly directory = new UfragDirectory<SharedTcpEndpoint>();
  private readonly pending = new Map<TcpIceLink, NodeJS.Timeout>();
  private readonly members = new Set<SharedTcpEndpoint>();
  private readonly loggedDrops = new Set<SharedTcpDrop>();
  private listener: TcpListener | undefined;
  private isClosed = false;

  private constructor(
    private readonly log: (msg: string) => void,
    private readonly limits: SharedTcpLimits,
  ) {}

  /** Listens on `bind`:`port`; rejects with the network's BindError when it cannot. */
  static async open(network: Network, what: string, bind: string, port: number, log: (msg: string) => void, limits: Partial<SharedTcpLimits> = {}): Promise<SharedTcpPort> {
    const shared = new SharedTcpPort(log, { authTimeoutMs: AUTH_TIMEOUT_MS, maxPending: MAX_PENDING, ...limits });
    shared.listener = await network.openTcpListener({ what, bind, port }, (c) => shared.accept(c));
    return shared;
  }

  get family(): Family {
    return this.listener!.family;
  }
  get address(): string {
    return this.listener!.address;
  }
  get port(): number {
    return this.listener!.port;
  }
  /** PeerConnection endpoints on this port. */
  get size(): number {
    return this.members.size;
  }
  /** Open connections that proved credentials, and packets they could not write. */
  get connections(): { readonly proven: number; readonly pending: number; readonly dropped: number } {
    let proven = 0;
    let dropped = 0;
    for (const m of this.members) {
      proven += m.connections;
      dropped += m.dropped;
    }
    return { proven, pending: this.pending.size, dropped };
  }

  /** A new endpoint for one ICE agent; it receives nothing until a connection proves its credentials. */
  join(what: string): SharedTcpEndpoint {
    const member = new SharedTcpEndpoint(this, what);
    this.members.add(member);
    return member;
  }

  /** Called by the endpoint: Binding requests with `ufrag` may be for it. */
  claim(owner: SharedTcpEndpoint, ufrag: string): void {
    this.directory.claim(owner, ufrag);
  }

  /** Called by the endpoint when it closes. */
  leave(owner: SharedTcpEndpoint): void {
    this.members.delete(owner);
    this.directory.release(owner);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const link of [...this.pending.keys()]) link.close();
    for (const m of [...this.members]) await m.close();
    await this.listener?.close();
  }

  private accept(socket: TcpConnection): void {
    if (this.isClosed) {
      socket.destroy();
      return;
    }
    this.counters.accepted++;
    if (this.pending.size >= this.limits.maxPending) {
      this.drop('too_many', `connection from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`);
      socket.destroy();
      return;
    }
    const link = new TcpIceLink(
      socket,
      (data, l) => this.receive(data, l),
      (l) => this.unpend(l),
    );
    const timer = setTimeout(() => {
      this.drop('timeout', `connection from ${link.from.address}:${link.from.port}`);
      link.close();
    }, this.limits.authTimeoutMs);
    timer.unref();
    this.pending.set(link, timer);
  }

  private receive(data: Buffer, link: TcpIceLink): void {
    const owner = link.owner;
    if (owner) {
      this.counters.routed++;
      owner.deliver(data, link.from);
      return;
    }
    const refusal = this.prove(data, link);
    if (refusal) {
      this.drop(refusal, `first frame from ${link.from.address}:${link.from.port}`);
      link.close();
    }
  }

  /** The first frame of a connection: a Binding request that proves an agent's credentials, or why not. */
  private prove(data: Buffer, link: TcpIceLink): SharedTcpDrop | undefined {
    if (!looksLikeStun(data)) return 'unproven';
    const msg = readStunMessage(data);
    if (typeof msg === 'string') return 'malformed_stun';
    if (msg.cls !== 'request') return 'unproven';
    const owner = this.directory.authenticate(data, msg, requestedUfrag(data, msg));
    if (typeof owner === 'string') return owner;
    this.unpend(link);
    this.counters.proven++;
    this.counters.routed++;
    owner.attach(link);
    owner.deliver(data, link.from);
    return undefined;
  }

  private unpend(link: TcpIceLink): void {
    const timer = this.pending.get(link);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(link);
  }

  private drop(reason: SharedTcpDrop, detail: string): void {
    this.counters.refused[reason]++;
    if (this.loggedDrops.has(reason)) return;
    this.loggedDrops.add(reason);
    this.log(`ICE-TCP port ${this.address}:${this.port}: refusing connections (${reason}); first: ${detail}`);
  }
}

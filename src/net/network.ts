// What the rest of the server may do on the network: the one interface through which sockets, connections and
// name look-ups are had. HostNetwork implements it over the kernel; support/fake-network.ts in memory for tests.
import type { Server, Socket } from 'node:net';
import type { BindTarget, Family } from './address.js';
import type { NameResolver } from './name-cache.js';
import type { NetworkHost } from './network-host.js';
import type { PortRange } from './port-range.js';
import type { UdpEndpoint } from './udp-endpoint.js';
import type { UdpSendPool } from './udp-send-pool.js';
import type { UnixListener, UnixListenerHandlers, UnixListenOptions } from './unix-listener.js';

export type { UdpEndpoint, UdpErrorHandler, UdpMessageHandler, UdpSource } from './udp-endpoint.js';
export type { NameResolver } from './name-cache.js';

/** An outgoing TCP (or TLS) connection. The Node stream for now; callers use only write/end/destroy and events. */
export type TcpConnection = Socket;
/** A listening server (HTTP, WebSocket) that listenTcp starts. */
export type TcpServer = Server;

/** A TCP listener that hands over each accepted connection (ICE-TCP): openTcpListener opens it. */
export interface TcpListener extends ListeningAddress {
  /** Stops accepting; connections already handed over stay open (their owner closes them). */
  close(): Promise<void>;
}

export interface UdpOpenOptions {
  /** What the socket is for, named in errors and logs ("mountpoint 12 audio RTP"). */
  readonly what: string;
  /** Address, interface name or wildcard to bind; absent = dual-stack where IPv6 exists, else IPv4. */
  readonly bind?: string;
  /** A fixed port, or 0/absent to take the first free one of `portRange` (or any port when no range). */
  readonly port?: number;
  readonly portRange?: PortRange;
  /** Join this multicast group (IPv4 or IPv6) and receive on it. */
  readonly multicast?: string;
  readonly reuseAddr?: boolean;
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  /** Sender threads for this socket's large batches of sendSoon datagrams. */
  readonly sendPool?: UdpSendPool;
  /**
   * Read in batches natively (recvmmsg; the SRTP of a batch handled in one call; datagrams above 2048 bytes dropped
   * and counted) when the addon is there; else one at a time, said in one log line. For sockets that carry only
   * WebRTC datagrams.
   */
  readonly batchedReceive?: boolean;
}

export interface TcpListenOptions {
  readonly what: string;
  readonly bind?: string;
  readonly port: number;
  /** `::` means IPv6 only rather than dual-stack. */
  readonly v6Only?: boolean;
  /**
   * Shared with the other local nodes of this machine (cluster.local_nodes): the supervisor process holds the
   * socket and hands each connection to one node. Else the port is this process's alone.
   */
  readonly shared?: boolean;
}

export interface ListeningAddress {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
}

export interface TlsConnectOptions {
  /** For the connection, then again for the handshake, ms. */
  readonly timeoutMs?: number;
  /**
   * Check the server's certificate (against `servername`). Off only where something else authenticates the
   * peer, as TURN's credentials do (a relay's certificate is usually self-made).
   */
  readonly verifyCertificate: boolean;
  readonly servername?: string;
}

export interface Network extends NameResolver {
  readonly host: NetworkHost;
  readonly ipv6Available: boolean;
  /** Resolves a bind spec or throws a BindError that explains why it cannot be used. */
  resolve(what: string, spec: string | undefined, port: number, v6Only?: boolean): BindTarget;
  /** A bound UDP endpoint; rejects with a BindError that says why not. Never an unhandled socket error later. */
  openUdp(options: UdpOpenOptions): Promise<UdpEndpoint>;
  /** Starts a TCP server (HTTP, WebSocket) on the resolved address. */
  listenTcp(server: TcpServer, options: TcpListenOptions): Promise<ListeningAddress>;
  /**
   * Listens on TCP and hands every accepted connection (Nagle off, an error listener already on it) to
   * `onConnection`; rejects with a BindError that says why it cannot listen.
   */
  openTcpListener(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpListener>;
  /**
   * An outgoing TCP connection to an address literal (names go through resolveName first), never an IPv6
   * one on a host without IPv6. Resolves once connected; rejects with the reason.
   */
  connectTcp(what: string, host: string, port: number, timeoutMs?: number): Promise<TcpConnection>;
  /** connectTcp with TLS on top; resolves once the handshake is done. */
  connectTls(what: string, host: string, port: number, options: TlsConnectOptions): Promise<TcpConnection>;
  /**
   * A SOCK_SEQPACKET or SOCK_DGRAM Unix socket bound to `options.path` (a stale socket file there removed first,
   * as Janus does), its clients handed to `handlers`; throws a UnixBindError that says why it cannot be.
   */
  openUnixListener(options: UnixListenOptions, handlers: UnixListenerHandlers): UnixListener;
}

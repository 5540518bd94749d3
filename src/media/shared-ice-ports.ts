// The shared ICE ports of the server (`media.single_port`): one SharedIcePort per local address candidates are
// gathered on, opened once (at start for the addresses the ICE policy allows then, later for any that appear) and
// kept until the server stops. A port that cannot be bound is explained once; PeerConnections then get sockets of
// their own on that address, as with `single_port = 0`.
import { errorText } from '../logging/error-text.js';
import type { Network } from '../net/network.js';
import type { UdpSendPool, UdpSendPoolStats } from '../net/udp-send-pool.js';
import { SharedIcePort, type SharedPortDrop } from './shared-ice-port.js';
import { SharedTcpPort, type SharedTcpDrop } from './shared-tcp-port.js';

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface SharedIcePortsStatus {
  readonly port: number;
  /** The sender threads' counters, when media.send_threads started any. */
  readonly sendThreads: UdpSendPoolStats | undefined;
  readonly sockets: ReadonlyArray<{
    readonly address: string;
    readonly port: number;
    readonly endpoints: number;
    readonly routed: number;
    readonly dropped: Readonly<Record<SharedPortDrop, number>>;
    /** The kernel buffers the socket got, in bytes (as the kernel reports them). */
    readonly recvBuffer: number | undefined;
    readonly sendBuffer: number | undefined;
    /** Media datagrams sent in batches (sendmmsg) and one at a time. */
    readonly sentBatched: number;
    readonly sentSingly: number;
    /** Datagrams read natively in batches, the batches, and datagrams too large for a slot (dropped); when on. */
    readonly receivedBatched: { readonly datagrams: number; readonly batches: number; readonly oversized: number } | undefined;
    /** The ICE-TCP listener on the same address and port number (nat.ice_tcp), when it is open. */
    readonly tcp: SharedTcpStatus | undefined;
  }>;
}

export interface SharedTcpStatus {
  readonly port: number;
  readonly endpoints: number;
  /** Connections accepted, and of them those that proved an agent's credentials, since start. */
  readonly accepted: number;
  readonly proven: number;
  /** Open now: proven, and still waiting to prove. */
  readonly open: number;
  readonly pending: number;
  readonly routed: number;
  readonly refused: Readonly<Record<SharedTcpDrop, number>>;
  /** Packets not written because a connection's send queue was full. */
  readonly dropped: number;
}

function tcpStatus(tcp: SharedTcpPort): SharedTcpStatus {
  const c = tcp.counters;
  const open = tcp.connections;
  return { port: tcp.port, endpoints: tcp.size, accepted: c.accepted, proven: c.proven, open: open.proven, pending: open.pending, routed: c.routed, refused: { ...c.refused }, dropped: open.dropped };
}

function kib(bytes: number): number {
  return Math.round(bytes / 1024);
}

export class SharedIcePorts {
  private readonly opening = new Map<string, Promise<SharedIcePort | undefined>>();
  private readonly open = new Map<string, SharedIcePort>();
  private stopped = false;

  constructor(
    private readonly network: Network,
    readonly port: number,
    private readonly log: (level: 'error' | 'warn' | 'info', msg: string) => void,
    /** Sender threads for the shared sockets' large batches (media.send_threads), when there are any. */
    private readonly sendPool?: UdpSendPool,
    /** Also listen for ICE-TCP on the same address and port number (nat.ice_tcp). */
    private readonly iceTcp = false,
    /** Read the shared sockets natively in batches (media.batched_receive). */
    private readonly batchedReceive = true,
  ) {}

  /** The shared port on local address `bind`, or undefined when it cannot be had (the caller opens its own socket). */
  portOn(bind: string): Promise<SharedIcePort | undefined> {
    const open = this.open.get(bind);
    if (open) return Promise.resolve(open);
    let pending = this.opening.get(bind);
    if (!pending) {
      pending = this.openOn(bind);
      this.opening.set(bind, pending);
    }
    return pending;
  }

  status(): SharedIcePortsStatus {
    return {
      port: this.port,
      sendThreads: this.sendPool?.stats(),
      sockets: [...this.open.values()].map((p) => ({
        address: p.address,
        port: p.port,
        endpoints: p.size,
        routed: p.counters.routed,
        dropped: { ...p.counters.dropped },
        recvBuffer: p.socket.bufferSizes?.recv,
        sendBuffer: p.socket.bufferSizes?.send,
        sentBatched: p.socket.batchedSends?.native ?? 0,
        sentSingly: p.socket.batchedSends?.dgram ?? 0,
        receivedBatched: p.socket.batchedReceives,
        tcp: p.tcp ? tcpStatus(p.tcp) : undefined,
      })),
    };
  }

  async close(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.opening.values()]);
    // The threads stop before the sockets they send on are closed (a closed fd number may be reused).
    this.sendPool?.close();
    await Promise.all([...this.open.values()].map((p) => p.tcp?.close() ?? Promise.resolve()));
    await Promise.all([...this.open.values()].map((p) => p.close()));
    this.open.clear();
  }

  /** The ICE-TCP listener beside a shared UDP port; without it ICE-TCP is not offered on that address (said once). */
  private async openTcp(bind: string, port: number): Promise<SharedTcpPort | undefined> {
    try {
      const tcp = await SharedTcpPort.open(this.network, `ICE-TCP port on ${bind}`, bind, port, (msg) => this.log('warn', msg));
      this.log('info', `ICE-TCP on ${tcp.address}:${tcp.port} (nat.ice_tcp: passive candidates, RFC 4571 framing)`);
      return tcp;
    } catch (err) {
      this.log('error', `nat.ice_tcp: cannot listen on ${bind} TCP port ${port}: ${errorText(err)}; ICE-TCP is not offered on that address`);
      return undefined;
    }
  }

  private async openOn(bind: string): Promise<SharedIcePort | undefined> {
    try {
      // Every PeerConnection's traffic crosses this one socket: large kernel buffers (capped by net.core.*mem_max).
      const socket = await this.network.openUdp({
        what: `shared ICE port on ${bind}`,
        bind,
        port: this.port,
        recvBufferSize: SOCKET_BUFFER_BYTES,
        sendBufferSize: SOCKET_BUFFER_BYTES,
        sendPool: this.sendPool,
        batchedReceive: this.batchedReceive,
      });
      if (this.stopped) {
        await socket.close();
        return undefined;
      }
      const port = new SharedIcePort(socket, (msg) => this.log('warn', msg));
      this.open.set(bind, port);
      this.log(
        'info',
        `ICE on one UDP port: ${socket.address}:${socket.port} (media.single_port)${socket.batchedReceives ? '; read in batches (media.batched_receive)' : ''}${this.sendPool ? `; large batches sent by ${this.sendPool.threads} native thread(s) (media.send_threads)` : ''}`,
      );
      // Linux grants at most net.core.rmem_max/wmem_max and reports twice what it granted.
      const got = socket.bufferSizes;
      if (got && (got.recv < SOCKET_BUFFER_BYTES || got.send < SOCKET_BUFFER_BYTES))
        this.log(
          'warn',
          `shared ICE port ${socket.address}:${socket.port}: the kernel granted ${kib(got.recv / 2)} KiB to receive and ${kib(got.send / 2)} KiB to send of the ${kib(SOCKET_BUFFER_BYTES)} KiB asked; every PeerConnection's bursts share them, so raise net.core.rmem_max and net.core.wmem_max (sysctl) to at least ${SOCKET_BUFFER_BYTES}`,
        );
      if (this.iceTcp) port.tcp = await this.openTcp(bind, socket.port);
      if (this.stopped) {
        await port.tcp?.close();
        port.tcp = undefined;
      }
      return port;
    } catch (err) {
      this.log('error', `media.single_port: cannot use ${bind} port ${this.port}: ${errorText(err)}; PeerConnections get a UDP port each on that address`);
      return undefined;
    }
  }
}

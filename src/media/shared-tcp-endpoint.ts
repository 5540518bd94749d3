// One ICE agent's view of the shared ICE-TCP port: a UdpEndpoint like its UDP one, whose "remote addresses" are the
// TCP connections that proved its credentials. Sends go to the connection of that address, framed; with no
// connection there is nothing to send on (a passive candidate never connects out). werift sees one more socket.
import { IceCredentials } from './ice-credentials.js';
import type { SharedTcpPort } from './shared-tcp-port.js';
import type { TcpIceLink, TcpLinkOwner } from './tcp-ice-link.js';
import type { Family } from '../net/address.js';
import type { UdpEndpoint, UdpErrorHandler, UdpMessageHandler, UdpSource } from '../net/udp-endpoint.js';

const DONE: Promise<void> = Promise.resolve();
/** Connections one agent may hold (a client opens one per local address it tries; a restart may add more). */
const MAX_LINKS_PER_MEMBER = 8;

export class SharedTcpEndpoint implements UdpEndpoint, TcpLinkOwner {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly dualStack = false;
  readonly overTcp = true;
  /** The ufrags and passwords this agent answers to. */
  readonly credentials = new IceCredentials();
  private readonly links: TcpIceLink[] = [];
  private handler: UdpMessageHandler | undefined;
  private isClosed = false;

  constructor(
    private readonly port_: SharedTcpPort,
    readonly what: string,
  ) {
    this.family = port_.family;
    this.address = port_.address;
    this.port = port_.port;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Open connections of this agent. */
  get connections(): number {
    return this.links.length;
  }

  /** Packets its connections could not write (send queue full). */
  get dropped(): number {
    let n = 0;
    for (const l of this.links) n += l.dropped;
    return n;
  }

  claimUfrag(ufrag: string, password: string): void {
    if (!this.isClosed && this.credentials.add(ufrag, password)) this.port_.claim(this, ufrag);
  }

  /** Called by the port: `link` proved this agent's credentials; everything it carries is ours now. */
  attach(link: TcpIceLink): void {
    if (this.isClosed) {
      link.close();
      return;
    }
    if (this.links.length >= MAX_LINKS_PER_MEMBER) this.links.shift()?.close();
    link.owner = this;
    this.links.push(link);
  }

  detach(link: TcpIceLink): void {
    const i = this.links.indexOf(link);
    if (i >= 0) this.links.splice(i, 1);
  }

  deliver(data: Buffer, from: UdpSource): void {
    if (!this.isClosed) this.handler?.(data, from);
  }

  send(packet: Buffer, port: number, address: string): void {
    this.linkTo(port, address)?.send(packet, packet.length);
  }

  sendPrefix(packet: Buffer, length: number, port: number, address: string): void {
    this.linkTo(port, address)?.send(packet, length);
  }

  sendSoon(packet: Buffer, length: number, port: number, address: string): void {
    this.linkTo(port, address)?.send(packet, length);
  }

  sendParts(parts: readonly Buffer[], port: number, address: string): void {
    this.linkTo(port, address)?.sendParts(parts);
  }

  onMessage(handler: UdpMessageHandler | undefined): void {
    this.handler = handler;
  }

  onError(_handler: UdpErrorHandler | undefined): void {
    // A connection's failure closes it; the agent notices through consent (no more checks answered).
  }

  close(): Promise<void> {
    if (this.isClosed) return DONE;
    this.isClosed = true;
    this.handler = undefined;
    for (const link of this.links.splice(0)) link.close();
    this.port_.leave(this);
    return DONE;
  }

  private linkTo(port: number, address: string): TcpIceLink | undefined {
    if (this.isClosed) return undefined;
    for (const l of this.links) if (l.from.port === port && l.from.address === address) return l;
    return undefined;
  }
}

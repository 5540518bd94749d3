// One ICE agent's view of a shared UDP port: a UdpEndpoint like a socket of its own, which receives only what the
// shared port routed to it and sends through the shared socket. Closing it lets its ufrags and addresses go; the
// socket stays open for the others.
import { IceCredentials } from './ice-credentials.js';
import type { SharedIcePort } from './shared-ice-port.js';
import type { Family } from '../net/address.js';
import type { NativeDestination, UdpEndpoint, UdpErrorHandler, UdpMessageHandler, UdpSource } from '../net/udp-endpoint.js';

const DONE: Promise<void> = Promise.resolve();

export class SharedPortEndpoint implements UdpEndpoint {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly dualStack: boolean;
  /** Remote addresses proven for this agent, and addresses it sent checks to (both kept by the port). */
  addresses: Array<readonly [string, number]> = [];
  readonly probed: Array<readonly [string, number]> = [];
  /** The ufrags and passwords this agent answers to. */
  readonly credentials = new IceCredentials();
  private handler: UdpMessageHandler | undefined;
  private isClosed = false;

  constructor(
    private readonly port_: SharedIcePort,
    readonly what: string,
  ) {
    const socket = port_.socket;
    this.family = socket.family;
    this.address = socket.address;
    this.port = socket.port;
    this.dualStack = socket.dualStack;
  }

  get closed(): boolean {
    return this.isClosed || this.port_.socket.closed;
  }

  /** Binding requests with this ufrag and password are for this agent. */
  claimUfrag(ufrag: string, password: string): void {
    if (!this.isClosed && this.credentials.add(ufrag, password)) this.port_.claim(this, ufrag);
  }

  /** Called by the shared port with a datagram routed here. */
  deliver(data: Buffer, from: UdpSource): void {
    if (!this.isClosed) this.handler?.(data, from);
  }

  send(packet: Buffer, port: number, address: string): void {
    if (this.isClosed) return;
    // The stack's own sends (checks, DTLS): answers to a check may come from an address nobody proved yet.
    this.port_.sentTo(this, address, port);
    this.port_.socket.send(packet, port, address);
  }

  /** The media hot path: batched with every other endpoint's sends of this turn (a fan-out is one sendmmsg). */
  sendPrefix(packet: Buffer, length: number, port: number, address: string): void {
    if (!this.isClosed) this.port_.socket.sendSoon(packet, length, port, address);
  }

  sendSoon(packet: Buffer, length: number, port: number, address: string): void {
    if (!this.isClosed) this.port_.socket.sendSoon(packet, length, port, address);
  }

  nativeDestination(host: string, port: number): NativeDestination | undefined {
    return this.isClosed ? undefined : this.port_.socket.nativeDestination?.(host, port);
  }

  sendParts(parts: readonly Buffer[], port: number, address: string): void {
    if (!this.isClosed) this.port_.socket.sendParts(parts, port, address);
  }

  onMessage(handler: UdpMessageHandler | undefined): void {
    this.handler = handler;
  }

  onError(_handler: UdpErrorHandler | undefined): void {
    // Socket errors of the shared socket are nobody's in particular: the port logs them.
  }

  close(): Promise<void> {
    if (this.isClosed) return DONE;
    this.isClosed = true;
    this.handler = undefined;
    this.port_.leave(this);
    return DONE;
  }
}

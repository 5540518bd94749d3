// A UDP endpoint of the network layer, dressed as the transport object werift's STUN/ICE code expects.
// Sends never throw and never emit unhandled errors; datagrams go straight to werift without per-packet allocation.
import { errorText } from '../logging/error-text.js';
import { isIP, type AddressInfo } from '../net/address.js';
import type { NativeDestination, UdpEndpoint, UdpSource } from '../net/udp-endpoint.js';

type Address = Readonly<[string, number]>;
const DONE: Promise<void> = Promise.resolve();

export class UdpIceTransport {
  readonly type = 'udp';
  readonly socketType: 'udp4' | 'udp6';
  closed = false;
  /** Datagrams received so far (any kind); lets the owner notice a silent remote. */
  received = 0;
  /** Set by the ICE layer; receives every datagram with its source address. */
  onData: (data: Buffer, addr: Address) => void = () => {};
  /**
   * Our own receive path for media once SRTP is up: returns true when it took the datagram. Called by the ICE
   * layer's onData once the datagram passed its checks (see werift-ice.ts), never straight from the socket.
   */
  intercept: ((data: Buffer) => boolean) | undefined;
  private readonly family: 4 | 6;
  private lastSource: [string, number] = ['', 0];
  private sendErrors = 0;

  constructor(
    readonly bound: UdpEndpoint,
    private readonly warn: (msg: string) => void,
  ) {
    this.family = bound.family;
    this.socketType = bound.family === 6 ? 'udp6' : 'udp4';
    bound.onMessage((data, from) => this.receive(data, from));
    // Sends take no callback (a callback costs a tick per packet); their failures come here.
    bound.onError((err) => this.reportSendError(err));
  }

  get address(): AddressInfo {
    return { address: this.bound.address, family: this.family === 6 ? 'IPv6' : 'IPv4', port: this.bound.port };
  }
  /** ICE-TCP: the shared TCP port's connections of one agent, not a UDP socket. */
  get overTcp(): boolean {
    return this.bound.overTcp === true;
  }
  get host(): string {
    return this.bound.address;
  }
  get port(): number {
    return this.bound.port;
  }

  send(data: Buffer, addr?: Address): Promise<void> {
    if (this.closed) return DONE;
    const target = addr ?? this.lastSource;
    const host = target[0];
    const port = target[1];
    // Never resolve names (no DNS from the media path) and never cross address families.
    if (isIP(host) !== this.family || !(port > 0 && port < 65536)) return DONE;
    this.bound.send(data, port, host);
    return DONE;
  }

  /** Whether `sendChecked` may be used towards this address: a literal of our family and a valid port. */
  canSendTo(host: string, port: number): boolean {
    return isIP(host) === this.family && port > 0 && port < 65536;
  }

  /** The media hot path: a send to an address already vetted with canSendTo; failures reach the error event. */
  sendChecked(data: Buffer, port: number, host: string, length = data.length): void {
    if (this.closed) return;
    this.bound.sendPrefix(data, length, port, host);
  }

  /** As sendChecked, from a buffer the caller reuses at once (copied now, sent with this turn's other datagrams). */
  sendCheckedCopy(data: Buffer, port: number, host: string, length = data.length): void {
    if (this.closed) return;
    this.bound.sendSoon(data, length, port, host);
  }

  /** Where native code may send to host:port itself (a fan-out group); undefined over TCP or when it cannot. */
  nativeDestination(host: string, port: number): NativeDestination | undefined {
    if (this.closed || this.overTcp || !this.canSendTo(host, port)) return undefined;
    return this.bound.nativeDestination?.(host, port);
  }

  close(): Promise<void> {
    if (this.closed) return DONE;
    this.closed = true;
    return this.bound.close();
  }

  private receive(data: Buffer, from: UdpSource): void {
    if (this.closed) return;
    this.received++;
    const addr = this.lastSource;
    // Reuse the tuple when the source did not change (the common case: one remote per PeerConnection).
    const source: [string, number] = addr[0] === from.address && addr[1] === from.port ? addr : [from.address, from.port];
    this.lastSource = source;
    try {
      this.onData(data, source);
    } catch (err) {
      this.warn(`dropping datagram from ${from.address}:${from.port}: ${errorText(err)}`);
    }
  }

  private reportSendError(err: unknown): void {
    // Rate-limited: a dead remote produces a send error per packet.
    this.sendErrors++;
    if (this.sendErrors === 1 || this.sendErrors % 1000 === 0) {
      this.warn(`UDP send error on ${this.bound.address}:${this.bound.port} (${this.sendErrors} so far): ${errorText(err)}`);
    }
  }
}

// An in-memory Network for unit tests and benches: UDP endpoints that deliver to each other without the kernel,
// names resolved from a script, and TCP/TLS connections only where a test supplies them.
import {
  BindError,
  bindTargetOrThrow,
  isIP,
  multicastTargetOrThrow,
  NameCache,
  sameAddress,
  unmapAddress,
  type BindTarget,
  type Family,
  type ListeningAddress,
  type NameCacheOptions,
  type Network,
  type NetworkHost,
  type TcpConnection,
  type TcpListener,
  type TcpListenOptions,
  type TcpServer,
  type TlsConnectOptions,
  type UdpErrorHandler,
  type UdpMessageHandler,
  type UdpEndpoint,
  type UdpOpenOptions,
  type UdpSource,
  type UnixListener,
  type UnixListenOptions,
} from '../src/net/index.js';

/** A loopback-only host: 127.0.0.1, and ::1 when `ipv6`. */
export function fakeHost(ipv6 = false): NetworkHost {
  const interfaces: NetworkHost['interfaces'] = [{ name: 'lo', address: '127.0.0.1', family: 4, internal: true }];
  return { ipv6Available: ipv6, interfaces: ipv6 ? [...interfaces, { name: 'lo', address: '::1', family: 6, internal: true }] : interfaces };
}

/** One datagram the fake network carried (or dropped: `delivered` 0). */
export interface FakeDatagram {
  readonly from: UdpSource;
  readonly to: UdpSource;
  readonly data: Buffer;
  readonly delivered: number;
}

export type FakeConnector = (what: string, host: string, port: number, tls: TlsConnectOptions | undefined) => Promise<TcpConnection>;

export interface FakeNetworkOptions {
  readonly host?: NetworkHost;
  /** Name → addresses (first of the wanted family wins) or an Error to fail with. */
  readonly names?: Record<string, readonly string[] | Error>;
  readonly nameCache?: NameCacheOptions;
  /** Answers connectTcp/connectTls; without it they reject. */
  readonly connect?: FakeConnector;
  /** First port handed out when none is asked for. */
  readonly firstPort?: number;
}

const FIRST_EPHEMERAL_PORT = 50_000;

export class FakeNetwork implements Network {
  readonly host: NetworkHost;
  /** Every datagram sent, in order; tests may read and clear it. */
  readonly sent: FakeDatagram[] = [];
  /** Names asked of the script (after the cache), in order. */
  readonly lookups: string[] = [];
  /** When set, decides per datagram whether it is lost (true = drop). */
  lose: ((d: { from: UdpSource; to: UdpSource; data: Buffer }) => boolean) | undefined;
  private readonly endpoints = new Set<FakeUdpEndpoint>();
  private readonly names: Map<string, readonly string[] | Error>;
  private readonly cache: NameCache;
  private readonly connector: FakeConnector | undefined;
  private nextPort: number;

  constructor(options: FakeNetworkOptions = {}) {
    this.host = options.host ?? fakeHost();
    this.names = new Map(Object.entries(options.names ?? {}));
    this.connector = options.connect;
    this.nextPort = options.firstPort ?? FIRST_EPHEMERAL_PORT;
    this.cache = new NameCache((host, family) => this.scriptedLookup(host, family), options.nameCache);
  }

  get ipv6Available(): boolean {
    return this.host.ipv6Available;
  }

  /** Changes what a name resolves to (answers already cached stay until they expire). */
  setName(name: string, answer: readonly string[] | Error): void {
    this.names.set(name.toLowerCase(), answer);
  }

  /** The endpoints open now. */
  get open(): readonly FakeUdpEndpoint[] {
    return [...this.endpoints];
  }

  resolve(what: string, spec: string | undefined, port: number, v6Only = false): BindTarget {
    return bindTargetOrThrow(this.host, what, spec, port, v6Only);
  }

  async openUdp(options: UdpOpenOptions): Promise<UdpEndpoint> {
    const target =
      options.multicast !== undefined ? multicastTargetOrThrow(this.host, options.what, options.multicast, options.port ?? 0) : this.resolve(options.what, options.bind, options.port ?? 0);
    const port = this.pickPort(options, target);
    const endpoint = new FakeUdpEndpoint(this, target, port, options.multicast !== undefined);
    this.endpoints.add(endpoint);
    return endpoint;
  }

  listenTcp(_server: TcpServer, options: TcpListenOptions): Promise<ListeningAddress> {
    return Promise.reject(new Error(`${options.what}: the fake network does not listen on TCP`));
  }

  openTcpListener(options: TcpListenOptions): Promise<TcpListener> {
    return Promise.reject(new Error(`${options.what}: the fake network does not listen on TCP`));
  }

  openUnixListener(options: UnixListenOptions): UnixListener {
    throw new Error(`${options.what}: the fake network has no Unix sockets`);
  }

  connectTcp(what: string, host: string, port: number): Promise<TcpConnection> {
    return this.connectVia(what, host, port, undefined);
  }

  connectTls(what: string, host: string, port: number, options: TlsConnectOptions): Promise<TcpConnection> {
    return this.connectVia(what, host, port, options);
  }

  resolveName(host: string, family?: Family): Promise<string> {
    return this.cache.resolveName(host, family);
  }

  /** Carries a datagram to every open endpoint bound to its destination, on a later tick as the kernel would. */
  deliver(sender: FakeUdpEndpoint, data: Buffer, port: number, address: string): void {
    const to = { address: unmapAddress(address), port };
    const from = { address: sender.sourceAddress(to.address), port: sender.port };
    const lost = this.lose?.({ from, to, data }) === true;
    const receivers = lost ? [] : [...this.endpoints].filter((e) => e !== sender && e.receives(to.address, port));
    this.sent.push({ from, to, data, delivered: receivers.length });
    if (receivers.length === 0) return;
    // A copy: the sender may reuse its buffer at once (the media path does).
    const copy = Buffer.from(data);
    setImmediate(() => {
      for (const r of receivers) r.receive(copy, r.family === 6 && isIP(from.address) === 4 ? { address: `::ffff:${from.address}`, port: from.port } : from);
    });
  }

  /** Called by an endpoint as it closes. */
  forget(endpoint: FakeUdpEndpoint): void {
    this.endpoints.delete(endpoint);
  }

  private pickPort(options: UdpOpenOptions, target: BindTarget): number {
    const taken = (p: number): boolean =>
      [...this.endpoints].some((e) => e.port === p && !e.multicast && (e.wildcard || target.address === '0.0.0.0' || target.address === '::' || sameAddress(e.address, target.address)));
    const asked = options.port ?? 0;
    if (asked !== 0) {
      if (options.multicast === undefined && options.reuseAddr !== true && taken(asked)) throw new BindError(options.what, target.address, asked, target.family, 'EADDRINUSE');
      return asked;
    }
    const range = options.portRange;
    if (range) {
      for (let p = range.min; p <= range.max; p++) if (!taken(p)) return p;
      throw new BindError(options.what, target.address, 0, target.family, 'EADDRINUSE', `no free port in range ${range.min}-${range.max}`);
    }
    while (taken(this.nextPort)) this.nextPort++;
    return this.nextPort++;
  }

  private connectVia(what: string, host: string, port: number, tls: TlsConnectOptions | undefined): Promise<TcpConnection> {
    if (isIP(host) === 0) return Promise.reject(new Error(`${what}: '${host}' is not an IP address (names are not looked up)`));
    if (!this.connector) return Promise.reject(new Error(`${what}: cannot connect to ${host}:${port}: no connector in the fake network`));
    return this.connector(what, host, port, tls);
  }

  private async scriptedLookup(host: string, family: Family | undefined): Promise<string> {
    this.lookups.push(family ? `${host}/${family}` : host);
    const answer = this.names.get(host.toLowerCase());
    if (answer === undefined) throw new Error('ENOTFOUND');
    if (answer instanceof Error) throw answer;
    const pick = answer.find((a) => family === undefined || isIP(a) === family);
    if (pick === undefined) throw new Error(`ENOTFOUND (no IPv${family} address)`);
    return pick;
  }
}

/** A UDP endpoint of the fake network. */
export class FakeUdpEndpoint implements UdpEndpoint {
  readonly family: Family;
  readonly address: string;
  readonly dualStack: boolean;
  readonly requested: string | undefined;
  /** Datagrams received while no handler was set. */
  unhandled = 0;
  private messageHandler: UdpMessageHandler | undefined;
  private errorHandler: UdpErrorHandler | undefined;
  private isClosed = false;

  constructor(
    private readonly network: FakeNetwork,
    target: BindTarget,
    readonly port: number,
    readonly multicast: boolean,
  ) {
    this.family = target.family;
    this.address = target.address;
    this.dualStack = target.dualStack;
    this.requested = target.requested;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get wildcard(): boolean {
    return this.address === '0.0.0.0' || this.address === '::';
  }

  send(packet: Buffer, port: number, address: string): void {
    this.sendPrefix(packet, packet.length, port, address);
  }

  sendPrefix(packet: Buffer, length: number, port: number, address: string): void {
    if (this.isClosed) return;
    if (!(port > 0 && port < 65536) || isIP(address) === 0 || (isIP(address) === 6 && this.family === 4)) {
      this.errorHandler?.(new Error(`fake network: cannot send to ${address}:${port} from an IPv${this.family} endpoint`));
      return;
    }
    this.network.deliver(this, packet.subarray(0, length), port, address);
  }

  sendSoon(packet: Buffer, length: number, port: number, address: string): void {
    // In memory there is nothing to batch: delivered now, as a copy (the caller may reuse the buffer).
    this.sendPrefix(Buffer.from(packet.subarray(0, length)), length, port, address);
  }

  sendParts(parts: readonly Buffer[], port: number, address: string): void {
    this.send(Buffer.concat([...parts]), port, address);
  }

  onMessage(handler: UdpMessageHandler | undefined): void {
    this.messageHandler = handler;
  }

  onError(handler: UdpErrorHandler | undefined): void {
    this.errorHandler = handler;
  }

  close(): Promise<void> {
    this.isClosed = true;
    this.network.forget(this);
    return Promise.resolve();
  }

  /** Whether a datagram to `address:port` reaches this endpoint. */
  receives(address: string, port: number): boolean {
    if (this.isClosed || port !== this.port) return false;
    if (this.multicast || !this.wildcard) return sameAddress(this.address, address);
    const family = isIP(address);
    return family === this.family || (family === 4 && this.dualStack);
  }

  /** The source address a datagram from here to `to` carries (a wildcard endpoint sends from loopback). */
  sourceAddress(to: string): string {
    if (!this.wildcard && !this.multicast) return this.address;
    return isIP(to) === 6 ? '::1' : '127.0.0.1';
  }

  receive(data: Buffer, from: UdpSource): void {
    if (this.isClosed) return;
    if (this.messageHandler) this.messageHandler(data, from);
    else this.unhandled++;
  }
}

// The network over the kernel: the only place in Portunus where sockets are opened.
import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { connect, createServer, isIP, isIPv4, isIPv6 } from 'node:net';
import tls from 'node:tls';
import { errorText } from '../logging/error-text.js';
import type { BindTarget, Family } from './address.js';
import { BindError, errnoCode } from './bind-error.js';
import { bindTargetOrThrow, multicastTargetOrThrow } from './bind-target.js';
import { DgramEndpoint } from './dgram-endpoint.js';
import type { NameResolver } from './name-cache.js';
import type { NetworkHost } from './network-host.js';
import type { ListeningAddress, Network, TcpConnection, TcpListener, TcpListenOptions, TcpServer, TlsConnectOptions, UdpOpenOptions } from './network.js';
import { PortSlider, type PortRange } from './port-range.js';
import { systemNames } from './system-names.js';
import { openUnixListener, type UnixListener, type UnixListenerHandlers, type UnixListenOptions } from './unix-listener.js';

type Logger = (message: string) => void;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The address lookup of every UDP socket we open. `dgram` looks up the destination of each datagram, and the
 * default lookup answers even an IP literal on the next tick: per media packet that is a deferred send and its
 * closures. A literal (all the media path uses) is answered at once; a name still goes to the resolver.
 */
function literalFirstLookup(address: string, familyOrOptions: unknown, callback?: LookupCallback): void {
  const cb = (typeof familyOrOptions === 'function' ? familyOrOptions : callback) as LookupCallback;
  const family = isIP(address);
  if (family !== 0) {
    cb(null, address, family);
    return;
  }
  const wanted = typeof familyOrOptions === 'number' ? familyOrOptions : 0;
  dnsLookup(address, { family: wanted }, (err, resolved, resolvedFamily) => cb(err, resolved, resolvedFamily));
}

export class HostNetwork implements Network {
  private readonly sliders = new Map<string, PortSlider>();

  constructor(
    readonly host: NetworkHost,
    private readonly warn: Logger = () => {},
    private readonly names: NameResolver = systemNames,
  ) {}

  get ipv6Available(): boolean {
    return this.host.ipv6Available;
  }

  /** Resolves a bind spec or throws a BindError that explains why it cannot be used. */
  resolve(what: string, spec: string | undefined, port: number, v6Only = false): BindTarget {
    return bindTargetOrThrow(this.host, what, spec, port, v6Only);
  }

  /** Opens a UDP socket according to the rules of the network layer; never throws an unhandled socket error later. */
  async openUdp(options: UdpOpenOptions): Promise<DgramEndpoint> {
    const requestedPort = options.port ?? 0;
    if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
      throw new BindError(options.what, options.bind ?? '*', requestedPort, undefined, 'EINVAL', 'port out of range 0-65535');
    }
    let target: BindTarget;
    if (options.multicast !== undefined) {
      target = multicastTargetOrThrow(this.host, options.what, options.multicast, requestedPort);
    } else {
      target = this.resolve(options.what, options.bind, requestedPort);
    }
    if (requestedPort !== 0 || !options.portRange) {
      const bound = await this.bindUdp(options, target, requestedPort);
      return bound;
    }
    const slider = this.sliderFor(options.portRange);
    let lastError: unknown;
    for (const port of slider.candidates()) {
      try {
        return await this.bindUdp(options, target, port);
      } catch (err) {
        lastError = err;
        if (!(err instanceof BindError) || (err.code !== 'EADDRINUSE' && err.code !== 'EACCES')) throw err;
      }
    }
    throw new BindError(
      options.what,
      target.address,
      0,
      target.family,
      'EADDRINUSE',
      `no free port in range ${options.portRange.min}-${options.portRange.max}${lastError instanceof Error ? ` (last: ${lastError.message})` : ''}`,
    );
  }

  /** Starts a TCP server (HTTP, WebSocket) on the resolved address. */
  listenTcp(server: TcpServer, options: TcpListenOptions): Promise<ListeningAddress> {
    const target = this.resolve(options.what, options.bind, options.port, options.v6Only);
    return new Promise((resolve, reject) => {
      const onError = (err: unknown): void => {
        server.off('listening', onListening);
        reject(new BindError(options.what, target.address, options.port, target.family, errnoCode(err)));
      };
      const onListening = (): void => {
        server.off('error', onError);
        const a = server.address();
        const port = a && typeof a === 'object' ? a.port : options.port;
        resolve({ family: target.family, address: target.address, port });
      };
      server.once('error', onError);
      server.once('listening', onListening);
      try {
        server.listen({ host: target.address, port: options.port, ipv6Only: target.family === 6 && !target.dualStack, exclusive: options.shared !== true });
      } catch (err) {
        onError(err);
      }
    });
  }

  async openTcpListener(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpListener> {
    const server = createServer({ noDelay: true }, (socket) => {
      // The owner adds its own handlers; until then (and after) an error must not become an uncaught one.
      socket.on('error', () => {});
      onConnection(socket);
    });
    const at = await this.listenTcp(server, options);
    // Accept errors once listening (EMFILE, say) are logged, never a crash.
    server.on('error', (err) => this.warn(`${options.what}: ${err.message}`));
    return {
      ...at,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  resolveName(host: string, family?: Family): Promise<string> {
    return this.names.resolveName(host, family);
  }

  /** An RTSP camera, a TURN server: to an address literal only, never a name look-up. */
  connectTcp(what: string, host: string, port: number, timeoutMs = 5000): Promise<TcpConnection> {
    const family = isIPv4(host) ? 4 : isIPv6(host) ? 6 : 0;
    if (family === 0) return Promise.reject(new Error(`${what}: '${host}' is not an IP address (names are not looked up)`));
    if (family === 6 && !this.host.ipv6Available) return Promise.reject(new Error(`${what}: ${host} is IPv6 but this host cannot create IPv6 sockets`));
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, family });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${what}: no connection to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', (err) => this.warn(`${what}: ${err.message}`));
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${what}: cannot connect to ${host}:${port}: ${err.message}`));
      });
    });
  }

  async connectTls(what: string, host: string, port: number, options: TlsConnectOptions): Promise<TcpConnection> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const plain = await this.connectTcp(what, host, port, timeoutMs);
    const secure = tls.connect({ socket: plain, rejectUnauthorized: options.verifyCertificate, servername: options.servername });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: TLS handshake with ${host}:${port} timed out`)), timeoutMs);
        secure.once('secureConnect', () => {
          clearTimeout(timer);
          resolve();
        });
        secure.once('error', (err: Error) => {
          clearTimeout(timer);
          reject(new Error(`${what}: TLS with ${host}:${port} failed: ${err.message}`));
        });
      });
    } catch (err) {
      secure.destroy();
      plain.destroy();
      throw err;
    }
    secure.removeAllListeners('error');
    secure.on('error', (err: Error) => this.warn(`${what}: ${err.message}`));
    return secure;
  }

  openUnixListener(options: UnixListenOptions, handlers: UnixListenerHandlers): UnixListener {
    return openUnixListener(options, handlers, this.warn);
  }

  private sliderFor(range: PortRange): PortSlider {
    const key = `${range.min}-${range.max}`;
    let s = this.sliders.get(key);
    if (!s) {
      s = new PortSlider(range);
      this.sliders.set(key, s);
    }
    return s;
  }

  private bindUdp(options: UdpOpenOptions, target: BindTarget, port: number): Promise<DgramEndpoint> {
    return new Promise((resolve, reject) => {
      let socket: dgram.Socket;
      const multicast = options.multicast !== undefined;
      try {
        socket = dgram.createSocket({
          type: target.family === 6 ? 'udp6' : 'udp4',
          ipv6Only: target.family === 6 && !target.dualStack,
          reuseAddr: options.reuseAddr === true || multicast,
          recvBufferSize: options.recvBufferSize,
          sendBufferSize: options.sendBufferSize,
          lookup: literalFirstLookup,
        });
      } catch (err) {
        reject(new BindError(options.what, target.address, port, target.family, errnoCode(err)));
        return;
      }
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        try {
          socket.close();
        } catch {
          // never bound
        }
        reject(
          err instanceof BindError
            ? err
            : new BindError(options.what, target.address, port, target.family, errnoCode(err), err instanceof Error && errnoCode(err) === 'EUNKNOWN' ? err.message : undefined),
        );
      };
      socket.once('error', fail);
      socket.once('listening', () => {
        if (settled) return;
        try {
          if (multicast) this.joinGroup(socket, options, target);
        } catch (err) {
          fail(err);
          return;
        }
        settled = true;
        socket.off('error', fail);
        const a = socket.address();
        const endpoint = new DgramEndpoint(socket, target.family, target.address, a.port, target.dualStack, target.requested, options.what, this.warn, options.sendPool);
        if (options.batchedReceive) {
          const batched = endpoint.receiveInBatches();
          if (batched !== true) this.warn(`${options.what}: datagrams are read one at a time: ${batched}`);
        }
        resolve(endpoint);
      });
      try {
        socket.bind({ address: target.address, port, exclusive: !multicast && options.reuseAddr !== true });
      } catch (err) {
        fail(err);
      }
    });
  }

  private joinGroup(socket: dgram.Socket, options: UdpOpenOptions, target: BindTarget): void {
    let ifaceAddress: string | undefined;
    if (options.bind) {
      const r = this.resolve(options.what, options.bind, 0);
      if (r.family !== target.family) {
        throw new BindError(options.what, target.address, 0, target.family, 'EINVAL', `interface '${options.bind}' has no IPv${target.family} address for multicast group ${target.address}`);
      }
      if (target.family === 6) {
        // libuv reads only the scope of an IPv6 interface address: name the interface itself ('::%name').
        const name = this.host.interfaces.find((i) => i.name === options.bind || (i.family === 6 && i.address === r.address))?.name;
        if (name) ifaceAddress = `::%${name}`;
      } else if (!r.dualStack && r.address !== '0.0.0.0') ifaceAddress = r.address;
    }
    try {
      socket.addMembership(target.address, ifaceAddress);
    } catch (err) {
      throw new BindError(options.what, target.address, 0, target.family, errnoCode(err), `cannot join multicast group ${target.address}: ${errorText(err)}`);
    }
  }
}

// For API fuzzing in this process: random request bodies name hosts, ports and multicast groups, and no input may
// make the server reach past this host. Every UDP send, TCP connect and name look-up to anything but a loopback
// literal fails the way the network would (connection refused, packet lost, name unknown); multicast joins fail.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { inspect } from 'node:util';

export const blocked = { sends: 0, connects: 0, lookups: 0, joins: 0 };

function loopback(host: unknown): boolean {
  if (typeof host !== 'string') return false;
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h === 'localhost' || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
}

let installed = false;

export function installLoopbackGuard(): void {
  if (installed) return;
  installed = true;

  type Send = (...args: unknown[]) => void;
  const send = dgram.Socket.prototype.send as unknown as Send;
  (dgram.Socket.prototype as unknown as { send: Send }).send = function (this: dgram.Socket, ...args: unknown[]): void {
    // send(msg[, offset, length], port[, address][, callback]): the address is the first string after the port.
    const address = args.find((a, i) => i > 0 && typeof a === 'string');
    const connected = (() => {
      try {
        return this.remoteAddress().address;
      } catch {
        return undefined;
      }
    })();
    if (loopback(address ?? connected ?? '127.0.0.1')) return send.apply(this, args);
    blocked.sends++;
    const callback = args.find((a) => typeof a === 'function') as ((err: Error | null, bytes?: number) => void) | undefined;
    if (callback) process.nextTick(() => callback(null, 0));
  };

  type Connect = (...args: unknown[]) => unknown;
  const udpConnect = dgram.Socket.prototype.connect as unknown as Connect;
  (dgram.Socket.prototype as unknown as { connect: Connect }).connect = function (this: dgram.Socket, ...args: unknown[]): unknown {
    const address = typeof args[1] === 'string' ? args[1] : '127.0.0.1';
    if (loopback(address)) return udpConnect.apply(this, args);
    blocked.connects++;
    const err = Object.assign(new Error(`connect ECONNREFUSED ${String(address)} (loopback only)`), { code: 'ECONNREFUSED' });
    const callback = args.find((a) => typeof a === 'function') as ((err?: Error) => void) | undefined;
    process.nextTick(() => (callback ? callback(err) : this.emit('error', err)));
    return undefined;
  };

  const join = (name: 'addMembership' | 'addSourceSpecificMembership'): void => {
    (dgram.Socket.prototype as unknown as Record<string, unknown>)[name] = function (): void {
      blocked.joins++;
      throw Object.assign(new Error(`${name} EADDRNOTAVAIL (loopback only)`), { code: 'EADDRNOTAVAIL', errno: -99, syscall: name });
    };
  };
  join('addMembership');
  join('addSourceSpecificMembership');

  const tcpConnect = net.Socket.prototype.connect as unknown as Connect;
  (net.Socket.prototype as unknown as { connect: Connect }).connect = function (this: net.Socket, ...args: unknown[]): unknown {
    const first = args[0];
    const options = Array.isArray(first) ? (first[0] as Record<string, unknown>) : first;
    const host =
      typeof options === 'object' && options !== null
        ? ((options as { host?: unknown }).host ?? ((options as { path?: unknown }).path !== undefined ? 'localhost' : '127.0.0.1'))
        : typeof args[1] === 'string'
          ? args[1]
          : '127.0.0.1';
    if (loopback(host)) return tcpConnect.apply(this, args);
    blocked.connects++;
    process.nextTick(() => this.destroy(Object.assign(new Error(`connect ECONNREFUSED ${typeof host === 'string' ? host : inspect(host)} (loopback only)`), { code: 'ECONNREFUSED' })));
    return this;
  };

  type Lookup = (host: string, ...rest: unknown[]) => unknown;
  const lookup = dns.lookup as unknown as Lookup;
  (dns as unknown as { lookup: Lookup }).lookup = (host: string, ...rest: unknown[]): unknown => {
    if (loopback(host) || net.isIP(host) !== 0) return lookup(host, ...rest);
    blocked.lookups++;
    const callback = rest.find((a) => typeof a === 'function') as ((err: Error) => void) | undefined;
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (no name look-ups)`), { code: 'ENOTFOUND' });
    if (callback) process.nextTick(() => callback(err));
    return undefined;
  };
  const promisesLookup = dns.promises.lookup as unknown as (host: string, ...rest: unknown[]) => Promise<unknown>;
  (dns.promises as unknown as { lookup: (host: string, ...rest: unknown[]) => Promise<unknown> }).lookup = (host: string, ...rest: unknown[]): Promise<unknown> => {
    if (loopback(host) || net.isIP(host) !== 0) return promisesLookup(host, ...rest);
    blocked.lookups++;
    return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (no name look-ups)`), { code: 'ENOTFOUND' }));
  };
  // `import { lookup } from 'node:dns'` elsewhere holds the old function until the named exports are synced.
  syncBuiltinESMExports();
}

// A backend address (http(s):// or ws(s)://) read once, and the connections to it opened through the network
// layer: client code (node:http, the ws library) gets a ready socket, so it never opens one or looks a name up.
import type { Duplex } from 'node:stream';
import { isIP } from '../net/address.js';
import type { Network } from '../net/network.js';

export interface BackendTarget {
  readonly url: URL;
  readonly secure: boolean;
  /** Host name or address literal (no brackets). */
  readonly host: string;
  readonly port: number;
}

/** Reads `text` as an address of one of `schemes` ("http:", "https:"); a string says why it cannot be used. */
export function parseBackendUrl(text: string, schemes: readonly string[]): BackendTarget | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `'${text.slice(0, 200)}' is not a URL`;
  }
  if (!schemes.includes(url.protocol)) return `'${text.slice(0, 200)}' is not ${schemes.map((s) => s + '//').join(' or ')}`;
  if (url.hostname === '') return `'${text.slice(0, 200)}' names no host`;
  // Port 0 means "any" to a listener; nothing can be reached there.
  if (url.port === '0') return `'${text.slice(0, 200)}' names port 0`;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { url, secure, host, port: url.port ? Number(url.port) : secure ? 443 : 80 };
}

/** The `createConnection` of node:http's request options (the ws library passes it on): a socket from `network`. */
export type ConnectionMaker = (options: unknown, oncreate: (err: Error | null, socket: Duplex) => void) => undefined;

export function connectionTo(network: Network, what: string, target: BackendTarget, timeoutMs: number): ConnectionMaker {
  return (_options, oncreate) => {
    open(network, what, target, timeoutMs).then(
      (socket) => oncreate(null, socket),
      (err: unknown) => oncreate(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  };
}

async function open(network: Network, what: string, target: BackendTarget, timeoutMs: number): Promise<Duplex> {
  const address = await network.resolveName(target.host);
  if (!target.secure) return network.connectTcp(what, address, target.port, timeoutMs);
  return network.connectTls(what, address, target.port, { timeoutMs, verifyCertificate: true, servername: isIP(target.host) === 0 ? target.host : undefined });
}

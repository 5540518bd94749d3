// NATS connections for the NATS event handler and the NATS transport: the settings they share (url, user,
// password, token, client_name, tls_*), the nats package's options, and the hooks a BrokerLink keeps one
// connection up with. The nats package opens the TCP or TLS socket itself (it cannot take one from the network
// layer: accepted for client libraries, docs/architecture.md) and never reconnects on its own.
import { connect, Events, type ConnectionOptions, type NatsConnection, type TlsOptions } from 'nats';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import { withTimeout, type LinkHooks } from './broker-link.js';
import { hostPort, loadTls, parseBrokerUrl, readTls, type BrokerTls, type SettingsReader } from './broker-settings.js';

const PORTS: Readonly<Record<string, number>> = { nats: 4222, tls: 4222 };

/** What a NATS connection is made from (parseNatsConnection). */
export interface NatsConnectionSettings {
  /** The servers as logged (nats://host:port,…, no credentials). */
  readonly target: string;
  /** host:port of each server, as the nats package takes them. */
  readonly servers: readonly string[];
  /** The host of each server (an IPv6 address without brackets). */
  readonly hosts: readonly string[];
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly name: string;
  readonly tls?: BrokerTls;
}

/** A subject one can publish on: dot-separated tokens, none empty, no wildcard, no white space. */
export function checkSubject(r: SettingsReader, key: string, subject: string): string {
  if (!/^[^.\s*>]+(\.[^.\s*>]+)*$/.test(subject)) r.fail(key, `is not a subject one can publish on (dot-separated tokens, no spaces, * or >): ${JSON.stringify(subject)}`);
  return subject;
}

/**
 * The connection settings (url, user, password, token, client_name, tls_*), shared with the NATS transport and
 * the cluster (whose server list is `nats`, and whose connection is named after the node: `urlKey`, `name`).
 */
export function parseNatsConnection(r: SettingsReader, log: Logger, label: string, baseDir?: string, urlKey = 'url', name?: string): NatsConnectionSettings {
  const urls = r
    .string(urlKey, 'nats://localhost:4222')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) r.fail(urlKey, 'names no server');
  const parsed = urls.map((u) => parseBrokerUrl(r, urlKey, u, PORTS));
  const withCredentials = parsed.find((u) => u.username !== undefined);
  let user = r.string('user') ?? withCredentials?.username;
  let password = r.string('password') ?? withCredentials?.password;
  let token = r.string('token');
  // nats://token@host is how NATS writes a token in a URL.
  if (token === undefined && user !== undefined && password === undefined && !r.has('user')) {
    token = user;
    user = undefined;
  }
  if (token !== undefined && user !== undefined) r.fail('token', 'cannot be used together with user/password');
  if (password !== undefined && user === undefined) r.fail('password', 'needs a user');
  if (user !== undefined) password ??= '';
  const secure = parsed.some((u) => u.scheme === 'tls') || r.bool('tls_enable', false);
  let tls: BrokerTls | undefined;
  if (secure) {
    const keys = { ca: ['tls_cacert'], cert: ['tls_client_cert'], key: ['tls_client_key'], verifyPeer: ['tls_verify_peer'], verifyHostname: ['tls_verify_hostname'] };
    tls = readTls(r, keys, true, baseDir, (m) => log.warn(`${label}: ${m}`));
  }
  return {
    target: parsed.map((u) => `${secure ? 'tls' : 'nats'}://${hostPort(u.host, u.port)}`).join(','),
    servers: parsed.map((u) => hostPort(u.host, u.port)),
    hosts: parsed.map((u) => u.host),
    user,
    password,
    token,
    name: name ?? r.string('client_name', 'portunus'),
    tls,
  };
}

function isIpLiteral(host: string): boolean {
  return host.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** The address as URL host text ("127.0.0.1", "[::1]"), so that two spellings of one IPv6 address compare equal. */
function canonicalIp(ip: string): string {
  try {
    return new URL(`http://${ip.includes(':') ? `[${ip}]` : ip}/`).hostname;
  } catch {
    return ip;
  }
}

/**
 * The nats package gives TLS no server name for a server written as an address, so Node would check the
 * certificate against "localhost". For servers given as addresses, the certificate must name one of them in an
 * IP subjectAltName (as Node requires of an address).
 */
export function ipIdentity(hosts: readonly string[], cert: { subjectaltname?: string }): Error | undefined {
  const wanted = new Set(hosts.map(canonicalIp));
  const ips = (cert.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('IP Address:'))
    .map((entry) => canonicalIp(entry.slice('IP Address:'.length)));
  if (ips.some((ip) => wanted.has(ip))) return undefined;
  return new Error(`the server certificate names none of ${hosts.join(', ')} (its IP names: ${ips.join(', ') || 'none'})`);
}

/** The nats package's options for `s` (the NATS transport's connection too). */
export async function connectionOptions(s: NatsConnectionSettings): Promise<ConnectionOptions> {
  const options: ConnectionOptions = {
    servers: [...s.servers],
    name: s.name,
    user: s.user,
    pass: s.password,
    token: s.token,
    // The link reconnects, with back-off; the library must not on its own.
    reconnect: false,
    maxReconnectAttempts: 0,
    timeout: 10_000,
    noEcho: true,
  };
  if (s.tls) {
    const tls: TlsOptions & { rejectUnauthorized?: boolean; checkServerIdentity?: (name: string, cert: { subjectaltname?: string }) => Error | undefined } = {};
    Object.assign(tls, await loadTls(s.tls));
    tls.rejectUnauthorized = s.tls.verifyPeer;
    if (!s.tls.verifyHostname) tls.checkServerIdentity = () => undefined;
    else if (s.hosts.every(isIpLiteral)) tls.checkServerIdentity = (_name, cert) => ipIdentity(s.hosts, cert);
    options.tls = tls;
  }
  return options;
}

/** Opening, watching and closing one NATS connection for a BrokerLink; `label` speaks in log lines. */
export function natsHooks(s: NatsConnectionSettings, log: Logger, label: string): LinkHooks<NatsConnection> {
  return {
    open: async (signal) => {
      const nc = await connect(await connectionOptions(s));
      if (signal.aborted) {
        await nc.close();
        signal.throwIfAborted();
      }
      return nc;
    },
    watch: (nc, lost) => {
      void nc.closed().then((err) => lost(err ? errorText(err) : 'connection closed'));
      void (async () => {
        // Errors the server reports on a live connection (a permission refused, say) are not tied to one send.
        for await (const status of nc.status()) {
          if (status.type === Events.Error) log.warn(`${label}: the server reports: ${typeof status.data === 'string' ? status.data : JSON.stringify(status.data)}`);
        }
      })().catch(() => undefined);
    },
    close: async (nc, graceful) => {
      if (graceful) await withTimeout(nc.flush(), 2_000, `${label}: flushing`).catch(() => undefined);
      await withTimeout(nc.close(), 2_000, `${label}: closing`).catch(() => undefined);
    },
  };
}

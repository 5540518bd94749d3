// A NATS event handler in the style of Janus's RabbitMQ one (Janus has none): a batch is published on `subject`
// as a JSON array when grouping is on, one message per event when it is off; with addevent each event type goes
// to `subject.<type label>` (grouped per type). A send resolves once the server has answered a PING sent after
// the messages, so it has taken them. The nats package opens the TCP or TLS socket (docs/events-brokers.md).
import { connect, Events, type ConnectionOptions, type NatsConnection, type TlsOptions } from 'nats';
import type { JsonObject } from '../../core/validate.js';
import { errorText } from '../../logging/error-text.js';
import type { Logger } from '../../logging/logger.js';
import type { EventBackend } from '../event-backend.js';
import { brokerBackend, withTimeout, type Backoff, type LinkHooks } from './broker-link.js';
import { hostPort, loadTls, parseBrokerUrl, readTls, SettingsReader, type BackendSettings, type BrokerTls } from './broker-settings.js';
import { eventTypeLabel } from './event-labels.js';
import { formatJson, parseJsonFormat, type JsonFormat } from './json-format.js';

export const NATS_PACKAGE = 'janus.eventhandler.natsevh';
const LABEL = 'NATS event handler';
const PORTS: Readonly<Record<string, number>> = { nats: 4222, tls: 4222 };

export interface NatsSettings {
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
  readonly subject: string;
  readonly addEvent: boolean;
  readonly tls?: BrokerTls;
  readonly grouping: boolean;
  readonly sendTimeoutMs: number;
  readonly json: JsonFormat;
}

/** A subject one can publish on: dot-separated tokens, none empty, no wildcard, no white space. */
function checkSubject(r: SettingsReader, key: string, subject: string): string {
  if (!/^[^.\s*>]+(\.[^.\s*>]+)*$/.test(subject)) r.fail(key, `is not a subject one can publish on (dot-separated tokens, no spaces, * or >): ${JSON.stringify(subject)}`);
  return subject;
}

/** Reads the natsevh settings; throws BackendSettingsError on a value that cannot work. */
export function parseNatsSettings(settings: BackendSettings, log: Logger, baseDir?: string): NatsSettings {
  const r: SettingsReader = new SettingsReader(settings, LABEL);
  const urls = r
    .string('url', 'nats://localhost:4222')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) r.fail('url', 'names no server');
  const parsed = urls.map((u) => parseBrokerUrl(r, 'url', u, PORTS));
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
    tls = readTls(r, keys, true, baseDir, (m) => log.warn(`${LABEL}: ${m}`));
  }
  return {
    target: parsed.map((u) => `${secure ? 'tls' : 'nats'}://${hostPort(u.host, u.port)}`).join(','),
    servers: parsed.map((u) => hostPort(u.host, u.port)),
    hosts: parsed.map((u) => u.host),
    user,
    password,
    token,
    name: r.string('client_name', 'portunus'),
    subject: checkSubject(r, 'subject', r.string('subject', 'janus.events')),
    addEvent: r.bool('addevent', false),
    tls,
    grouping: r.bool('grouping', true),
    sendTimeoutMs: r.int('send_timeout', 10_000, 1, 600_000),
    json: parseJsonFormat(settings.json, LABEL, log),
  };
}

/** The messages for one batch: [subject, text] pairs, in the order of the batch's first event of each. */
export function natsMessages(batch: readonly JsonObject[], s: Pick<NatsSettings, 'subject' | 'addEvent' | 'grouping' | 'json'>): [string, string][] {
  const bySubject = new Map<string, JsonObject[]>();
  for (const event of batch) {
    const label = s.addEvent ? eventTypeLabel(event.type) : undefined;
    const subject = label === undefined ? s.subject : `${s.subject}.${label}`;
    let list = bySubject.get(subject);
    if (list === undefined) bySubject.set(subject, (list = []));
    list.push(event);
  }
  const out: [string, string][] = [];
  for (const [subject, events] of bySubject) {
    if (s.grouping) out.push([subject, formatJson(events, s.json)]);
    else for (const event of events) out.push([subject, formatJson(event, s.json)]);
  }
  return out;
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

async function connectionOptions(s: NatsSettings): Promise<ConnectionOptions> {
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

function hooks(s: NatsSettings, log: Logger): LinkHooks<NatsConnection> {
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
          if (status.type === Events.Error) log.warn(`${LABEL}: the server reports: ${typeof status.data === 'string' ? status.data : JSON.stringify(status.data)}`);
        }
      })().catch(() => undefined);
    },
    close: async (nc, graceful) => {
      if (graceful) await withTimeout(nc.flush(), 2_000, `${LABEL}: flushing`).catch(() => undefined);
      await withTimeout(nc.close(), 2_000, `${LABEL}: closing`).catch(() => undefined);
    },
  };
}

/** The NATS event handler from its settings (docs/events-brokers.md); starts connecting at once. */
export function fromSettings(settings: BackendSettings, log: Logger, options: { baseDir?: string; backoff?: Backoff } = {}): EventBackend {
  const s = parseNatsSettings(settings, log, options.baseDir);
  return brokerBackend<NatsConnection>(
    {
      name: NATS_PACKAGE,
      label: LABEL,
      target: s.target,
      sendTimeoutMs: s.sendTimeoutMs,
      hooks: hooks(s, log),
      publish: async (nc, batch) => {
        for (const [subject, text] of natsMessages(batch, s)) nc.publish(subject, text);
        // The server answers a PING only after it has read everything sent before it.
        await nc.flush();
      },
    },
    log,
    options.backoff,
  );
}

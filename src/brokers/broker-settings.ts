// Reading an event handler's settings (a janus.eventhandler.*.jcfg `general` group, flags, environment): values
// arrive as text, numbers or booleans, and a wrong one stops that handler with a message naming key and value.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

export type BackendSettings = Readonly<Record<string, string | number | boolean>>;

/** A setting a broker backend cannot work with; the message names the handler, the key and what is wrong. */
export class BackendSettingsError extends Error {
  override readonly name = 'BackendSettingsError';
}

const TRUE = ['true', 'yes', '1', 'on'];
const FALSE = ['false', 'no', '0', 'off'];

/** Typed reads of one handler's settings; every error message starts with the handler's name. */
export class SettingsReader {
  constructor(
    private readonly settings: BackendSettings,
    private readonly handler: string,
  ) {}

  has(key: string): boolean {
    const v = this.settings[key];
    return v !== undefined && !(typeof v === 'string' && v.trim() === '');
  }

  fail(key: string, problem: string): never {
    throw new BackendSettingsError(`${this.handler}: ${key} ${problem}`);
  }

  /** The first of `keys` that is set (Janus's old and new names for one setting), or undefined. */
  pick(...keys: string[]): string | undefined {
    return keys.find((k) => this.has(k));
  }

  string(key: string, fallback: string): string;
  string(key: string): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    if (!this.has(key)) return fallback;
    const v = this.settings[key];
    const text = String(v);
    if (/[\0\r\n]/.test(text)) this.fail(key, 'must not hold NUL or line breaks');
    return text;
  }

  /** Janus's booleans: true/yes/1/on or false/no/0/off, in any case; anything else is an error here. */
  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.settings[key];
    if (typeof v === 'boolean') return v;
    const t = String(v).trim().toLowerCase();
    if (TRUE.includes(t)) return true;
    if (FALSE.includes(t)) return false;
    return this.fail(key, `must be true or false, not ${JSON.stringify(v)}`);
  }

  /** A whole number in [min, max]; text is accepted when it is only digits (with an optional sign). */
  int(key: string, fallback: number, min: number, max: number): number {
    if (!this.has(key)) return fallback;
    const v = this.settings[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) this.fail(key, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return n;
  }

  /** One of `choices` (compared without case); the choice as written in `choices` is returned. */
  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    if (!this.has(key)) return fallback;
    const v = String(this.settings[key]).trim();
    const found = choices.find((c) => c.toLowerCase() === v.toLowerCase());
    if (found === undefined) this.fail(key, `must be one of ${choices.join(', ')}, not ${JSON.stringify(v)}`);
    return found;
  }

  /** A file that must exist now; a relative path is taken from `baseDir` (Janus: the configuration folder). */
  file(keys: readonly string[], baseDir: string | undefined): string | undefined {
    const key = this.pick(...keys);
    if (key === undefined) return undefined;
    const given = this.string(key) ?? '';
    const path = isAbsolute(given) || baseDir === undefined ? given : resolve(baseDir, given);
    if (!existsSync(path)) this.fail(key, `names a file that does not exist: ${path}`);
    return path;
  }
}

/** "127.0.0.1", "::1" (also written "[::1]") or a name; never empty, no spaces, no scheme, no port. */
export function checkHost(reader: SettingsReader, key: string, host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === '' || /[\s/@[\]]/.test(bare) || (bare.includes(':') && !/^[0-9a-f:.]+(%\w+)?$/i.test(bare))) reader.fail(key, `is not a host name or address: ${JSON.stringify(host)}`);
  return bare;
}

/** host:port for a log line or an error, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface BrokerUrl {
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
}

/**
 * scheme://[user[:password]@]host[:port], as Janus's MQTT `url` (also NATS servers): the scheme must be one of
 * `defaultPorts`' keys; nothing may follow the port. Credentials in the URL are returned apart so that logs can
 * show the URL without them.
 */
export function parseBrokerUrl(reader: SettingsReader, key: string, text: string, defaultPorts: Readonly<Record<string, number>>): BrokerUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/]*)@)?(\[[^\]/]*\]|[^:/?#[\]]*)(?::([^/]*))?\/?$/i.exec(text.trim());
  if (!m) reader.fail(key, `is not a URL of the form scheme://host:port: ${JSON.stringify(text)}`);
  const scheme = m[1].toLowerCase();
  const port0 = defaultPorts[scheme];
  if (port0 === undefined)
    reader.fail(
      key,
      `has an unknown scheme ${JSON.stringify(scheme + '://')} (known: ${Object.keys(defaultPorts)
        .map((s) => s + '://')
        .join(', ')})`,
    );
  const host = checkHost(reader, key, m[3]);
  const port = m[4] === undefined || m[4] === '' ? port0 : /^\d{1,5}$/.test(m[4]) ? Number(m[4]) : NaN;
  if (!(port >= 1 && port <= 65535)) reader.fail(key, `has a port that is not a number from 1 to 65535: ${JSON.stringify(m[4])}`);
  let username: string | undefined;
  let password: string | undefined;
  if (m[2] !== undefined) {
    const colon = m[2].indexOf(':');
    try {
      username = decodeURIComponent(colon < 0 ? m[2] : m[2].slice(0, colon));
      password = colon < 0 ? undefined : decodeURIComponent(m[2].slice(colon + 1));
    } catch {
      reader.fail(key, 'has badly escaped credentials');
    }
  }
  return { scheme, host, port, username, password };
}

/** TLS towards a broker: PEM files (checked to exist), and how the broker's certificate is checked. */
export interface BrokerTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly verifyPeer: boolean;
  readonly verifyHostname: boolean;
}

/** The setting names of each TLS value, the first the one that is mentioned in messages (Janus's old names after it). */
export interface TlsKeys {
  readonly ca: readonly string[];
  readonly cert: readonly string[];
  readonly key: readonly string[];
  readonly verifyPeer: readonly string[];
  readonly verifyHostname: readonly string[];
}

/** Reads the TLS settings; a certificate without its key (or the reverse) is refused, an unchecked broker warned of. */
export function readTls(r: SettingsReader, keys: TlsKeys, verifyByDefault: boolean, baseDir: string | undefined, warn: (message: string) => void): BrokerTls {
  const tls: BrokerTls = {
    caFile: r.file(keys.ca, baseDir),
    certFile: r.file(keys.cert, baseDir),
    keyFile: r.file(keys.key, baseDir),
    verifyPeer: r.bool(r.pick(...keys.verifyPeer) ?? keys.verifyPeer[0], verifyByDefault),
    verifyHostname: r.bool(r.pick(...keys.verifyHostname) ?? keys.verifyHostname[0], verifyByDefault),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) r.fail(tls.certFile ? keys.key[0] : keys.cert[0], 'is needed too: a client certificate goes with its key');
  if (!tls.verifyPeer) warn(`the broker's certificate is not verified (${keys.verifyPeer[0]} = false${verifyByDefault ? '' : ", Janus's default"})`);
  return tls;
}

/** The PEM texts of `tls`, read at each connection so that renewed certificates are picked up. */
export async function loadTls(tls: BrokerTls): Promise<{ ca?: string; cert?: string; key?: string }> {
  const read = (path: string | undefined): Promise<string | undefined> => (path === undefined ? Promise.resolve(undefined) : readFile(path, 'utf8'));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return { ca, cert, key };
}

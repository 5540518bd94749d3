// RTSP authentication as pure functions: the challenges of WWW-Authenticate headers and the Authorization that
// answers one, Basic or Digest (RFC 2617, with RFC 7616's SHA-256). Every function here throws nothing but
// RtspError, whatever the input.
import { createHash } from 'node:crypto';
import { RtspError } from './rtsp-protocol.js';

export interface AuthChallenge {
  /** Lower case: 'basic', 'digest', ... */
  readonly scheme: string;
  /** Parameter names in lower case, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * The challenges of WWW-Authenticate headers (each may hold several, comma-separated): scheme, then
 * name=value parameters whose values are tokens or quoted strings (which may hold commas and \-escapes).
 */
export function parseChallenges(values: readonly string[]): AuthChallenge[] {
  const out: Array<{ scheme: string; params: Map<string, string> }> = [];
  for (const v of values) {
    const n = v.length;
    let i = 0;
    let current: { scheme: string; params: Map<string, string> } | undefined;
    const skipSpace = (): void => {
      while (i < n && (v[i] === ' ' || v[i] === '\t')) i++;
    };
    const token = (): string => {
      const start = i;
      while (i < n && TOKEN_CHAR.test(v[i])) i++;
      return v.slice(start, i);
    };
    while (i < n) {
      skipSpace();
      if (i >= n) break;
      if (v[i] === ',') {
        i++;
        continue;
      }
      const name = token();
      if (name === '') {
        i++; // a stray character: skip it (and always make progress)
        continue;
      }
      skipSpace();
      if (v[i] === '=' && current) {
        i++;
        skipSpace();
        let value = '';
        if (v[i] === '"') {
          i++;
          while (i < n && v[i] !== '"') {
            if (v[i] === '\\' && i + 1 < n) i++;
            value += v[i];
            i++;
          }
          i++; // the closing quote (or past the end when it is missing)
        } else {
          const start = i;
          while (i < n && v[i] !== ',' && v[i] !== ' ' && v[i] !== '\t') i++;
          value = v.slice(start, i);
        }
        const key = name.toLowerCase();
        if (!current.params.has(key)) current.params.set(key, value);
        continue;
      }
      // A name not followed by '=' starts the next challenge.
      current = { scheme: name.toLowerCase(), params: new Map() };
      out.push(current);
    }
  }
  return out;
}

const DIGEST_HASHES: Readonly<Record<string, string>> = { md5: 'md5', 'md5-sess': 'md5', 'sha-256': 'sha256', 'sha-256-sess': 'sha256' };

/** The challenge to answer: the first Digest with an algorithm we know, else Basic; undefined when neither. */
export function pickChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  const digest = challenges.find((c) => c.scheme === 'digest' && DIGEST_HASHES[(c.params.get('algorithm') ?? 'md5').toLowerCase()] !== undefined);
  return digest ?? challenges.find((c) => c.scheme === 'basic');
}

const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * An Authorization header answering a challenge (Digest preferred over Basic when given the header text).
 * `nc`: how many times this nonce has been used, this request included (qop only).
 */
export function authorizationFor(
  challenge: AuthChallenge | string,
  method: string,
  uri: string,
  user: string,
  password: string,
  cnonce = createHash('md5').update(String(Math.random())).digest('hex').slice(0, 16),
  nc = 1,
): string {
  const c = typeof challenge === 'string' ? pickChallenge(parseChallenges([challenge])) : challenge;
  if (!c) throw new RtspError('the server asks for an authentication scheme other than Digest or Basic');
  if (c.scheme === 'basic') return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  if (c.scheme !== 'digest') throw new RtspError(`unsupported authentication scheme '${c.scheme}'`);
  const algorithm = c.params.get('algorithm');
  const hashName = DIGEST_HASHES[(algorithm ?? 'md5').toLowerCase()];
  if (!hashName) throw new RtspError(`unsupported Digest algorithm '${algorithm}'`);
  const h = (s: string): string => createHash(hashName).update(s).digest('hex');
  const realm = c.params.get('realm') ?? '';
  const nonce = c.params.get('nonce') ?? '';
  const opaque = c.params.get('opaque');
  const qops = (c.params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
  const qop = qops.includes('auth') ? 'auth' : qops.includes('auth-int') ? 'auth-int' : undefined;
  const ncText = (Math.max(1, Math.floor(nc)) % 0x100000000).toString(16).padStart(8, '0');
  let ha1 = h(`${user}:${realm}:${password}`);
  if (algorithm && /-sess$/i.test(algorithm)) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
  // Our requests carry no body: auth-int hashes the empty body.
  const ha2 = qop === 'auth-int' ? h(`${method}:${uri}:${h('')}`) : h(`${method}:${uri}`);
  let header = `Digest username=${quote(user)}, realm=${quote(realm)}, nonce=${quote(nonce)}, uri=${quote(uri)}`;
  if (qop) header += `, qop=${qop}, nc=${ncText}, cnonce=${quote(cnonce)}, response="${h(`${ha1}:${nonce}:${ncText}:${cnonce}:${qop}:${ha2}`)}"`;
  else header += `, response="${h(`${ha1}:${nonce}:${ha2}`)}"`;
  if (algorithm) header += `, algorithm=${algorithm}`;
  if (opaque !== undefined) header += `, opaque=${quote(opaque)}`;
  return header;
}

// Token authentication: stored tokens managed over the Admin API, or HMAC-signed tokens.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenAuthSettings {
  readonly enabled: boolean;
  /** When set, tokens are signed (`<expiry>,janus,<plugins…>:<base64 hmac-sha1>`) and not stored. */
  readonly secret?: string;
}

export class TokenStore {
  private readonly tokens = new Map<string, Set<string>>();

  constructor(
    private readonly settings: TokenAuthSettings,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }
  get signed(): boolean {
    return this.settings.enabled && !!this.settings.secret;
  }
  get stored(): boolean {
    return this.settings.enabled && !this.settings.secret;
  }

  isValid(token: string | undefined): boolean {
    if (!this.settings.enabled || token === undefined) return false;
    if (this.settings.secret) return this.verifySigned(token) !== undefined;
    return this.tokens.has(token);
  }

  /** Whether `token` may attach to `plugin`. */
  allowsPlugin(token: string | undefined, plugin: string): boolean {
    if (!this.settings.enabled || token === undefined) return false;
    if (this.settings.secret) return this.verifySigned(token)?.includes(plugin) ?? false;
    return this.tokens.get(token)?.has(plugin) ?? false;
  }

  add(token: string, plugins: readonly string[]): void {
    const set = this.tokens.get(token) ?? new Set<string>();
    for (const p of plugins) set.add(p);
    this.tokens.set(token, set);
  }
  has(token: string): boolean {
    return this.tokens.has(token);
  }
  allow(token: string, plugins: readonly string[]): string[] {
    const set = this.tokens.get(token)!;
    for (const p of plugins) set.add(p);
    return [...set];
  }
  disallow(token: string, plugins: readonly string[]): string[] {
    const set = this.tokens.get(token)!;
    for (const p of plugins) set.delete(p);
    return [...set];
  }
  remove(token: string): boolean {
    return this.tokens.delete(token);
  }
  list(): Array<{ token: string; allowed_plugins: string[] }> {
    return [...this.tokens].map(([token, plugins]) => ({ token, allowed_plugins: [...plugins] }));
  }

  /** Returns the plugins a signed token names, or undefined when it is malformed, forged or expired. */
  verifySigned(token: string): string[] | undefined {
    const opened = this.openSigned(token);
    return opened && opened.realm === 'janus' ? opened.data : undefined;
  }

  /**
   * Janus's check for a plugin's own signed tokens (`<expiry>,<plugin package>,<descriptor…>:<hmac>`, e.g. the
   * VideoRoom's and AudioBridge's `room=<id>`): true when the token is genuine, not expired, of `realm` and names
   * `descriptor`. Always true when tokens are not signed, as in Janus.
   */
  signatureContains(token: string | undefined, realm: string, descriptor: string): boolean {
    if (!this.signed) return true;
    if (token === undefined) return false;
    const opened = this.openSigned(token);
    return opened !== undefined && opened.realm === realm && opened.data.includes(descriptor);
  }

  /** A signed token's realm and data fields, when its HMAC is right and it has not expired. */
  private openSigned(token: string): { realm: string; data: string[] } | undefined {
    const secret = this.settings.secret;
    if (!secret) return undefined;
    const colon = token.lastIndexOf(':');
    if (colon <= 0) return undefined;
    const payload = token.slice(0, colon);
    const given = Buffer.from(token.slice(colon + 1), 'base64');
    const expected = createHmac('sha1', secret).update(payload).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const parts = payload.split(',');
    if (parts.length < 2) return undefined;
    const expiry = Number(parts[0]);
    if (!Number.isFinite(expiry) || expiry < 0 || expiry * 1000 < this.now()) return undefined;
    return { realm: parts[1], data: parts.slice(2) };
  }
}

/** Builds a signed token (for tests and operators' scripts). */
export function signToken(secret: string, expirySeconds: number, plugins: readonly string[], realm = 'janus'): string {
  const payload = [String(expirySeconds), realm, ...plugins].join(',');
  return `${payload}:${createHmac('sha1', secret).update(payload).digest('base64')}`;
}

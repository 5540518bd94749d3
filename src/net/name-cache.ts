// Name resolution with a small cache: answers are kept for a while, failures for a shorter while, so a name that
// did not resolve once (DNS down at start-up) is asked again later instead of failing for the process's life.
import { isIP } from 'node:net';
import { errorText } from '../logging/error-text.js';
import type { Family } from './address.js';

export interface NameResolver {
  /**
   * The address of `host` (of `family` when given). An IP literal is its own answer, at once; a literal of the
   * other family, or a name that does not resolve, rejects with an Error that says why.
   */
  resolveName(host: string, family?: Family): Promise<string>;
}

/** One look-up of a name: the operating system's resolver in production, a script in tests. */
export type NameLookup = (host: string, family: Family | undefined) => Promise<string>;

export interface NameCacheOptions {
  /** How long an answer is reused, ms. */
  readonly successTtlMs?: number;
  /** How long a failure is remembered before the name is asked again, ms. */
  readonly failureTtlMs?: number;
  /** Names kept at most; the oldest entry goes first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly answer: Promise<string>;
  /** Set once the look-up settled; until then concurrent callers share the one in flight. */
  expiresAt: number;
}

const DEFAULT_SUCCESS_TTL_MS = 5 * 60_000;
const DEFAULT_FAILURE_TTL_MS = 15_000;
const DEFAULT_MAX_ENTRIES = 256;

export class NameCache implements NameResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly successTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly lookup: NameLookup,
    options: NameCacheOptions = {},
  ) {
    this.successTtlMs = options.successTtlMs ?? DEFAULT_SUCCESS_TTL_MS;
    this.failureTtlMs = options.failureTtlMs ?? DEFAULT_FAILURE_TTL_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  resolveName(host: string, family?: Family): Promise<string> {
    const literal = isIP(host);
    if (literal !== 0) {
      if (family === undefined || literal === family) return Promise.resolve(host);
      return Promise.reject(new Error(`${host} is an IPv${literal} address, not IPv${family}`));
    }
    const key = `${host.toLowerCase()}/${family ?? 0}`;
    const cached = this.entries.get(key);
    if (cached && this.now() < cached.expiresAt) return cached.answer;
    if (cached) this.entries.delete(key);
    const entry: Entry = { answer: this.ask(host, family), expiresAt: Number.POSITIVE_INFINITY };
    entry.answer.then(
      () => (entry.expiresAt = this.now() + this.successTtlMs),
      () => (entry.expiresAt = this.now() + this.failureTtlMs),
    );
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry.answer;
  }

  /** Forgets every answer (tests; a configuration reload). */
  clear(): void {
    this.entries.clear();
  }

  private async ask(host: string, family: Family | undefined): Promise<string> {
    let address: string;
    try {
      address = await this.lookup(host, family);
    } catch (err) {
      throw new Error(`cannot resolve '${host}'${family ? ` (IPv${family})` : ''}: ${errorText(err)}`, { cause: err });
    }
    const got = isIP(address);
    if (got === 0 || (family !== undefined && got !== family)) throw new Error(`'${host}' resolved to '${address}', not an IPv${family ?? '4/6'} address`);
    return address;
  }
}

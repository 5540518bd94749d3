// Which node holds which VideoRoom room and Streaming mountpoint, kept in a JetStream key-value bucket: one key
// per (kind, id, node), `<kind>.<id>.<node>`, so that several nodes can hold one room (each its replica) and a
// node's records are found by the key's last token. This node's own records live here first and are written
// to the bucket whenever NATS is there (again after an outage, its stale ones from an earlier run purged); the
// others' come from a watch of the bucket. Only records of nodes the membership takes as alive are answered.
import type { KV, KvEntry } from 'nats';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import { Listeners } from './listeners.js';
import type { ClusterMembership } from './membership.js';

export type PlacementKind = 'videoroom' | 'streaming';
export const PLACEMENT_KINDS: readonly PlacementKind[] = ['videoroom', 'streaming'];

/** A room or mountpoint id: a number, or a string with string_ids. */
export type PlacementId = number | string;

export interface Placement {
  readonly kind: PlacementKind;
  readonly id: PlacementId;
  readonly node: string;
  /** When the node took it, ms since the epoch (that node's clock). */
  readonly since: number;
}

export type PlacementEvent = { readonly type: 'held' | 'released'; readonly placement: Placement };
export type PlacementListener = (event: PlacementEvent) => void;

/** The id as one key token: n<digits> for a number, s<base64url> for a string (any characters). */
export function idToken(id: PlacementId): string {
  return typeof id === 'number' ? `n${id}` : `s${Buffer.from(id, 'utf8').toString('base64url')}`;
}

export function placementKey(kind: PlacementKind, id: PlacementId, node: string): string {
  return `${kind}.${idToken(id)}.${node}`;
}

/** The record a key names, or undefined when the key is not one of ours. */
export function parsePlacementKey(key: string): Omit<Placement, 'since'> | undefined {
  const m = /^(videoroom|streaming)\.(n\d{1,16}|s[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{1,64})$/.exec(key);
  if (!m) return undefined;
  const token = m[2];
  const id = token.startsWith('n') ? Number(token.slice(1)) : Buffer.from(token.slice(1), 'base64url').toString('utf8');
  if (typeof id === 'number' && !Number.isSafeInteger(id)) return undefined;
  return { kind: m[1] as PlacementKind, id, node: m[3] };
}

export class PlacementStore {
  /** This node's records, by key. */
  private readonly own = new Map<string, Placement>();
  /** Every node's records as the bucket has them (this node's included once written), by key. */
  private readonly seen = new Map<string, Placement>();
  private kv: KV | undefined;
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly membership: ClusterMembership,
    private readonly log: Logger,
  ) {
    this.listeners = new Listeners('a placement listener', log);
  }

  private readonly listeners: Listeners<PlacementEvent>;

  private get self(): string {
    return this.membership.selfName;
  }

  /** Calls `listener` for every record of another node that appears or goes; returns what stops it. */
  on(listener: PlacementListener): () => void {
    return this.listeners.add(listener);
  }

  /** This node holds `kind` `id` (a participant joined, a mountpoint was made); again is harmless. */
  hold(kind: PlacementKind, id: PlacementId): void {
    const key = placementKey(kind, id, this.self);
    if (this.own.has(key)) return;
    const p: Placement = { kind, id, node: this.self, since: Date.now() };
    this.own.set(key, p);
    this.write(key, p);
  }

  /** This node no longer holds it. */
  release(kind: PlacementKind, id: PlacementId): void {
    const key = placementKey(kind, id, this.self);
    if (!this.own.delete(key)) return;
    this.seen.delete(key);
    const kv = this.kv;
    if (kv) kv.delete(key).catch((err: unknown) => this.log.verbose(`placement ${key} not removed from the bucket: ${errorText(err)}`));
  }

  /** The live nodes that hold `kind` `id`, this node among them when it does. */
  holders(kind: PlacementKind, id: PlacementId): string[] {
    const token = `${kind}.${idToken(id)}.`;
    const out = new Set<string>();
    if (this.own.has(token + this.self)) out.add(this.self);
    for (const [key, p] of this.seen) if (key.startsWith(token) && this.membership.alive(p.node)) out.add(p.node);
    return [...out].sort();
  }

  /** Every record of a live node (this node's own first). */
  list(): Placement[] {
    const others = [...this.seen.values()].filter((p) => p.node !== this.self && this.membership.alive(p.node));
    return [...this.own.values(), ...others];
  }

  /** How many rooms and mountpoints this node holds. */
  get ownCount(): number {
    return this.own.size;
  }

  /**
   * NATS is there: `kv` is the placement bucket. This node's stale records (an earlier run under the same name,
   * or released while NATS was away) are purged, its own written again, and the bucket watched.
   */
  async attach(kv: KV): Promise<void> {
    this.kv = kv;
    const stale: string[] = [];
    for await (const key of await kv.keys(`*.*.${this.self}`)) if (!this.own.has(key)) stale.push(key);
    await Promise.all(stale.map((key) => kv.purge(key)));
    await Promise.all([...this.own].map(([key, p]) => kv.put(key, JSON.stringify(p))));
    const before = new Set(this.seen.keys());
    const fresh = new Set<string>();
    const iter = await kv.watch({
      key: '>',
      initializedFn: () => {
        // What the bucket no longer has went while this node was away from NATS.
        for (const key of before) if (!this.own.has(key) && !fresh.has(key)) this.forget(key);
      },
    });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const e of iter) {
        fresh.add(e.key);
        this.entry(e);
      }
    })().catch((err: unknown) => this.log.verbose(`placement watch ended: ${errorText(err)}`));
  }

  /** NATS went away: the records seen are kept as they were, nothing is written until attach. */
  detach(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
    this.kv = undefined;
  }

  /** Removes every record of `node` from the bucket (a node taken as lost; one live node does it). */
  async purgeNode(node: string): Promise<number> {
    const kv = this.kv;
    if (!kv) return 0;
    const keys: string[] = [];
    for await (const key of await kv.keys(`*.*.${node}`)) keys.push(key);
    await Promise.all(keys.map((key) => kv.purge(key)));
    return keys.length;
  }

  /** Before this node leaves: its records out of the bucket. */
  async releaseAll(): Promise<void> {
    const kv = this.kv;
    const keys = [...this.own.keys()];
    this.own.clear();
    if (kv) await Promise.all(keys.map((key) => kv.purge(key)));
  }

  private write(key: string, p: Placement): void {
    const kv = this.kv;
    if (!kv) return;
    kv.put(key, JSON.stringify(p)).catch((err: unknown) => this.log.warn(`placement ${key} not written to the bucket (written again when NATS is back): ${errorText(err)}`));
  }

  private entry(e: KvEntry): void {
    const parsed = parsePlacementKey(e.key);
    if (!parsed) return;
    if (e.operation !== 'PUT') {
      this.forget(e.key);
      // Removed by another node that took this one as lost (NATS away, heartbeats missed): still held, so back in.
      const own = this.own.get(e.key);
      if (own) this.write(e.key, own);
      return;
    }
    let since = 0;
    try {
      const v = e.json<{ since?: unknown }>();
      if (typeof v.since === 'number') since = v.since;
    } catch {
      // a record is its key; the value only adds when it was taken
    }
    const known = this.seen.has(e.key);
    const p: Placement = { ...parsed, since };
    this.seen.set(e.key, p);
    if (!known && p.node !== this.self) this.listeners.emit({ type: 'held', placement: p });
  }

  private forget(key: string): void {
    const p = this.seen.get(key);
    if (!p) return;
    this.seen.delete(key);
    if (p.node !== this.self) this.listeners.emit({ type: 'released', placement: p });
  }
}

// Records every node of a cluster sees for one plugin kind (the VideoRoom's rooms created at run time, with
// their settings): a JetStream key-value bucket `<cluster>_<kind>_records`, watched. A plugin's key may be any
// text (it is stored base64url); a value is a JSON object stored with the name of the node that wrote it. What
// the watch delivers is read as untrusted input; listeners hear a record that appears, changes or goes (once
// per change: a reconnection replays the bucket, and only what differs from what was seen is told).
import type { KV, KvEntry } from 'nats';
import type { JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import { Listeners } from './listeners.js';
import { isObject, MAX_NODE_MESSAGE } from './node-requests.js';
import type { PlacementKind } from './placement-store.js';

export interface SharedRecordEvent {
  readonly key: string;
  /** Undefined: the record is gone. */
  readonly value: JsonObject | undefined;
  /** The node that wrote it (undefined for a removal). */
  readonly by: string | undefined;
}

interface Seen {
  readonly value: JsonObject;
  readonly by: string;
  readonly text: string;
}

export function recordsBucket(cluster: string, kind: PlacementKind): string {
  return `${cluster}_${kind}_records`;
}

/** A plugin's key as a bucket key, and back (undefined when it is not one of ours). */
export function recordKey(key: string): string {
  return `k${Buffer.from(key, 'utf8').toString('base64url')}`;
}

export function parseRecordKey(token: string): string | undefined {
  return /^k[A-Za-z0-9_-]*$/.test(token) ? Buffer.from(token.slice(1), 'base64url').toString('utf8') : undefined;
}

/** A stored value: `{ by, value }`, or undefined when it is not one. */
export function readRecord(data: Uint8Array): { by: string; value: JsonObject } | undefined {
  if (data.length > MAX_NODE_MESSAGE) return undefined;
  try {
    const o: unknown = JSON.parse(new TextDecoder().decode(data));
    if (!isObject(o) || typeof o.by !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(o.by) || !isObject(o.value)) return undefined;
    return { by: o.by, value: o.value };
  } catch {
    return undefined;
  }
}

export class SharedRecords {
  private readonly seen = new Map<string, Seen>();
  private readonly listeners: Listeners<SharedRecordEvent>;
  private readonly readListeners: Listeners<void>;
  private kv: KV | undefined;
  private stopWatch: (() => void) | undefined;

  constructor(
    readonly kind: PlacementKind,
    private readonly self: string,
    private readonly log: Logger,
  ) {
    this.listeners = new Listeners(`a ${kind} records listener`, log);
    this.readListeners = new Listeners(`a ${kind} records-read listener`, log);
  }

  /** Calls `listener` each time the bucket has been read whole, at every (re)connection, after its changes were told. */
  onRead(listener: () => void): () => void {
    return this.readListeners.add(listener);
  }

  on(listener: (event: SharedRecordEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The records as last seen, by the plugin's key. */
  all(): ReadonlyMap<string, JsonObject> {
    return new Map([...this.seen].map(([k, s]) => [k, s.value]));
  }

  /** Writes a record for every node; rejects when NATS is away or the value is too large. */
  async put(key: string, value: JsonObject): Promise<void> {
    const kv = this.kv;
    if (!kv) throw new Error('not connected to NATS');
    const text = JSON.stringify({ by: this.self, value });
    if (text.length > MAX_NODE_MESSAGE) throw new Error('record too large');
    await kv.put(recordKey(key), text);
  }

  async remove(key: string): Promise<void> {
    const kv = this.kv;
    if (!kv) throw new Error('not connected to NATS');
    await kv.delete(recordKey(key));
  }

  /** NATS is there: the bucket is watched (its current records first). */
  async attach(kv: KV): Promise<void> {
    this.kv = kv;
    const before = new Set(this.seen.keys());
    const fresh = new Set<string>();
    let live = false;
    const iter = await kv.watch({
      key: '>',
      initializedFn: () => {
        live = true;
        // Gone while this node was away from NATS.
        for (const key of before) if (!fresh.has(key)) this.forget(key);
        this.readListeners.emit();
      },
    });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const e of iter) {
        const key = parseRecordKey(e.key);
        if (key === undefined) continue;
        fresh.add(key);
        this.entry(key, e, live);
      }
    })().catch((err: unknown) => this.log.verbose(`${this.kind} records watch ended: ${errorText(err)}`));
  }

  /** NATS went away: the records are kept as last seen. */
  detach(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
    this.kv = undefined;
  }

  /** `live`: past the bucket's replay, so a removal of a key never seen is told too (a room of every node's configuration). */
  private entry(key: string, e: KvEntry, live: boolean): void {
    if (e.operation !== 'PUT') {
      if (this.seen.has(key)) this.forget(key);
      else if (live) this.listeners.emit({ key, value: undefined, by: undefined });
      return;
    }
    const r = readRecord(e.value);
    if (!r) return;
    const text = JSON.stringify(r.value);
    if (this.seen.get(key)?.text === text) return;
    this.seen.set(key, { ...r, text });
    this.listeners.emit({ key, value: r.value, by: r.by });
  }

  private forget(key: string): void {
    if (!this.seen.delete(key)) return;
    this.listeners.emit({ key, value: undefined, by: undefined });
  }
}

// The receivers of one stream, split for relaying: those that get every packet as it is are a relay group of the
// plugin door (relayed in one call), the others (a layer choice, a recorder, a forwarder, a paused viewer) get
// each packet to decide on. Shared by the plugins that fan a stream out (Streaming, VideoRoom).
import type { RelayGroup, RelayMember } from './plugin.js';

/** A set whose every change moves a version (its owner's split of the sinks is then out of date). */
export class VersionedSet<T> extends Set<T> {
  version = 0;
  /** Called after each change (a member added or gone). */
  onChange: (() => void) | undefined;

  override add(value: T): this {
    const had = super.has(value);
    super.add(value);
    this.version++;
    if (!had) this.onChange?.();
    return this;
  }
  override delete(value: T): boolean {
    const had = super.delete(value);
    if (had) {
      this.version++;
      this.onChange?.();
    }
    return had;
  }
  override clear(): void {
    super.clear();
    this.version++;
    this.onChange?.();
  }
}

export class RelaySinks<S> {
  /** The sinks not in the group, in the order of the set. */
  others: readonly S[] = [];
  private version = -1;

  constructor(readonly group: RelayGroup) {}

  /** Whether the split was made at `version` (checked per packet; update() only when not). */
  isCurrent(version: number): boolean {
    return version === this.version;
  }

  /** Splits `sinks` at `version`: each sink memberOf names is a member of the group, the rest are `others`. */
  update(version: number, sinks: Iterable<S>, memberOf: (sink: S) => RelayMember | undefined): void {
    this.version = version;
    const members: RelayMember[] = [];
    const others: S[] = [];
    for (const s of sinks) {
      const m = memberOf(s);
      if (m) members.push(m);
      else others.push(s);
    }
    this.group.setMembers(members);
    this.others = others;
  }

  close(): void {
    this.group.close();
    this.others = [];
  }
}

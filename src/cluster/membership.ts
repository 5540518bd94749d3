// Which nodes are in the cluster, as this node hears them: each peer's last announcement and when it came.
// A peer that stops announcing is taken as gone after `lostAfterMs`; one that says it leaves, at once; one that
// comes back under a new incarnation left (restarted) and joined again. While NATS itself is away the peers are
// kept as they were (frozen): this node cannot tell a dead peer from a dead NATS, and media between nodes may
// still flow. Listeners hear every change; nothing here touches the network.
import type { Logger } from '../logging/logger.js';
import { Listeners } from './listeners.js';
import type { NodeAnnouncement, NodeLoad } from './node-record.js';

export interface NodeView {
  readonly name: string;
  readonly incarnation: string;
  readonly mediaIp: string;
  readonly started: number;
  readonly version: string;
  readonly load: NodeLoad;
  readonly holds: number;
  /** When its last heartbeat arrived here, ms since the epoch (this node's clock); now for this node itself. */
  readonly lastHeartbeat: number;
  readonly self: boolean;
}

export type LeaveReason = 'lost' | 'left' | 'restarted';

export type MembershipEvent = { readonly type: 'joined'; readonly node: NodeView } | { readonly type: 'left'; readonly node: NodeView; readonly reason: LeaveReason };

export type MembershipListener = (event: MembershipEvent) => void;

interface Peer {
  announcement: NodeAnnouncement;
  lastHeartbeat: number;
}

export class ClusterMembership {
  private readonly peers = new Map<string, Peer>();
  private frozenSince: number | undefined;
  private lastDuplicateWarning: number | undefined;

  /**
   * @param self this node's own announcement, as it would send it now
   * @param lostAfterMs silence after which a peer is gone
   */
  constructor(
    private readonly self: () => NodeAnnouncement,
    private readonly lostAfterMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.listeners = new Listeners('a membership listener', log);
  }

  private readonly listeners: Listeners<MembershipEvent>;

  get selfName(): string {
    return this.self().node;
  }

  /** Calls `listener` on every join and leave from now on; returns what stops it. */
  on(listener: MembershipListener): () => void {
    return this.listeners.add(listener);
  }

  /** A heartbeat (or the nodes bucket's entry) of a node. */
  heard(a: NodeAnnouncement): void {
    const self = this.self();
    if (a.node === self.node) {
      if (a.incarnation !== self.incarnation && (this.lastDuplicateWarning === undefined || this.now() - this.lastDuplicateWarning > 60_000)) {
        this.lastDuplicateWarning = this.now();
        this.log.warn(`another node announces itself as ${a.node} (${a.media_ip}): node names must be unique (cluster.node_name)`);
      }
      return;
    }
    const known = this.peers.get(a.node);
    if (known && known.announcement.incarnation === a.incarnation) {
      known.announcement = a;
      known.lastHeartbeat = this.now();
      return;
    }
    if (known) this.drop(a.node, 'restarted');
    this.peers.set(a.node, { announcement: a, lastHeartbeat: this.now() });
    this.log.info(`node ${a.node} (media ${a.media_ip}) joined`);
    this.listeners.emit({ type: 'joined', node: this.view(this.peers.get(a.node)!) });
  }

  /** A node said it leaves. */
  leaving(node: string, incarnation: string): void {
    if (this.peers.get(node)?.announcement.incarnation === incarnation) this.drop(node, 'left');
  }

  /** Takes the peers silent for too long as gone (called every heartbeat). */
  sweep(): void {
    if (this.frozenSince !== undefined) return;
    const now = this.now();
    for (const [name, p] of [...this.peers]) if (now - p.lastHeartbeat > this.lostAfterMs) this.drop(name, 'lost');
  }

  /** NATS is away: peers are kept, not swept. */
  freeze(): void {
    this.frozenSince ??= this.now();
  }

  /** NATS is back: each peer gets `lostAfterMs` from now to be heard again. */
  thaw(): void {
    if (this.frozenSince === undefined) return;
    this.frozenSince = undefined;
    const now = this.now();
    for (const p of this.peers.values()) p.lastHeartbeat = Math.max(p.lastHeartbeat, now);
  }

  get frozen(): boolean {
    return this.frozenSince !== undefined;
  }

  /** Whether `name` is this node or a peer taken as alive. */
  alive(name: string): boolean {
    return name === this.self().node || this.peers.has(name);
  }

  /** This node first, then the peers by name. */
  nodes(): NodeView[] {
    const self = this.self();
    const own: NodeView = { ...this.fields(self), lastHeartbeat: this.now(), self: true };
    return [own, ...[...this.peers.values()].map((p) => this.view(p)).sort((a, b) => (a.name < b.name ? -1 : 1))];
  }

  get size(): number {
    return this.peers.size + 1;
  }

  private drop(name: string, reason: LeaveReason): void {
    const p = this.peers.get(name);
    if (!p) return;
    this.peers.delete(name);
    const silent = this.now() - p.lastHeartbeat;
    if (reason === 'lost') this.log.warn(`node ${name} (media ${p.announcement.media_ip}) lost: no heartbeat for ${silent} ms`);
    else this.log.info(`node ${name} ${reason === 'left' ? 'left' : 'restarted (a new incarnation announced itself)'}`);
    this.listeners.emit({ type: 'left', node: this.view(p), reason });
  }

  private fields(a: NodeAnnouncement): Omit<NodeView, 'lastHeartbeat' | 'self'> {
    return { name: a.node, incarnation: a.incarnation, mediaIp: a.media_ip, started: a.started, version: a.version, load: a.load, holds: a.holds };
  }

  private view(p: Peer): NodeView {
    return { ...this.fields(p.announcement), lastHeartbeat: p.lastHeartbeat, self: false };
  }
}

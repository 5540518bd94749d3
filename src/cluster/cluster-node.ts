// This process as one node of a cluster (docs/cluster.md): one NATS connection kept up by a BrokerLink, its
// announcement every heartbeat on `<cluster>.cluster.heartbeat` and in the `<cluster>_nodes` bucket (whose TTL
// is the silence after which a node is gone, so a late joiner finds who is there), a leave notice on
// `<cluster>.cluster.leave` when it stops, the membership as heard, and the placement bucket. NATS going away
// leaves the node serving alone with what it knew; when NATS is back it announces itself and rejoins.
import { randomUUID } from 'node:crypto';
import type { KV, NatsConnection, Subscription } from 'nats';
import { BrokerLink } from '../brokers/broker-link.js';
import { natsHooks } from '../brokers/nats-client.js';
import type { JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { ClusterSettings } from './cluster-settings.js';
import { LoadSampler, type LoadReading } from './load-sampler.js';
import { ClusterMembership, type NodeView } from './membership.js';
import { encodeJson, readAnnouncement, readLeave, type NodeAnnouncement, type NodeLoad } from './node-record.js';
import { NodeRequests } from './node-requests.js';
import { PLACEMENT_KINDS, PlacementStore, type Placement, type PlacementKind } from './placement-store.js';
import { recordsBucket, SharedRecords } from './shared-records.js';

export interface ClusterNodeOptions {
  readonly settings: ClusterSettings;
  /** The server's counters the load is computed from. */
  readonly load: () => LoadReading;
  readonly version: string;
  readonly log: Logger;
}

/** The subjects and buckets of a cluster named `name`. */
export function clusterNames(name: string): { heartbeat: string; leave: string; nodesBucket: string; placementBucket: string } {
  return { heartbeat: `${name}.cluster.heartbeat`, leave: `${name}.cluster.leave`, nodesBucket: `${name}_nodes`, placementBucket: `${name}_placement` };
}

/** One connection's state: what is subscribed and bound while it lasts. */
interface Joined {
  readonly nc: NatsConnection;
  readonly subscriptions: Subscription[];
  nodes?: KV;
  putWarned: boolean;
}

export class ClusterNode {
  readonly membership: ClusterMembership;
  readonly placement: PlacementStore;
  /** Plugins' requests to the same plugin on another node. */
  readonly requests: NodeRequests;
  private readonly shared = new Map<PlacementKind, SharedRecords>();
  private readonly link: BrokerLink<NatsConnection>;
  private readonly names: ReturnType<typeof clusterNames>;
  private readonly incarnation = randomUUID();
  private readonly started = Date.now();
  private readonly sampler: LoadSampler;
  private load: NodeLoad = { peerconnections: 0, forwarded_bps: 0, cpu: 0 };
  private joined: Joined | undefined;
  private timer: NodeJS.Timeout | undefined;
  private everJoined = false;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly options: ClusterNodeOptions) {
    const s = options.settings;
    const log = (this.log = options.log.child({ component: 'cluster' }));
    this.names = clusterNames(s.name);
    this.sampler = new LoadSampler(options.load);
    this.membership = new ClusterMembership(() => this.announcement(), s.heartbeatMs * s.lostAfter, log);
    this.placement = new PlacementStore(this.membership, log);
    this.requests = new NodeRequests(s.name, s.nodeName, log);
    for (const kind of PLACEMENT_KINDS) this.shared.set(kind, new SharedRecords(kind, s.nodeName, log));
    const label = `cluster node ${s.nodeName} (NATS)`;
    const base = natsHooks(s.connection, log, label);
    this.link = new BrokerLink(
      label,
      s.connection.target,
      {
        ...base,
        watch: (nc, lost) =>
          base.watch(nc, (reason) => {
            this.left(nc, reason);
            lost(reason);
          }),
        ready: (nc) => void this.join(nc),
      },
      log,
    );
    this.membership.on((e) => {
      if (e.type === 'left' && e.reason === 'lost') void this.cleanUpAfter(e.node.name);
    });
  }

  /** The records every node sees for plugin kind `kind`. */
  records(kind: PlacementKind): SharedRecords {
    return this.shared.get(kind)!;
  }

  get name(): string {
    return this.options.settings.nodeName;
  }

  /** Whether media between nodes is SRTP (cluster.srtp). */
  get srtp(): boolean {
    return this.options.settings.srtp;
  }

  get connected(): boolean {
    return this.joined !== undefined;
  }

  /** Starts connecting and announcing; returns at once (the node serves alone until NATS is there). */
  start(): void {
    const s = this.options.settings;
    this.log.info(`node ${s.nodeName} of cluster ${s.name}, media address ${s.mediaIp}, heartbeat every ${s.heartbeatMs} ms, a node is gone after ${s.lostAfter} missed`);
    this.link.start();
    this.timer = setInterval(() => this.tick(), s.heartbeatMs);
    this.timer.unref();
  }

  /** Says goodbye (leave notice, its records and its entry out of the buckets) and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const j = this.joined;
    if (j) {
      try {
        j.nc.publish(this.names.leave, encodeJson({ node: this.name, incarnation: this.incarnation }));
        await Promise.race([Promise.all([this.placement.releaseAll(), j.nodes?.purge(this.name)]), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      } catch (err) {
        this.log.verbose(`leaving: ${errorText(err)}`);
      }
    }
    this.detachAll();
    await this.link.close();
  }

  /** What get_status shows: a summary. */
  status(): JsonObject {
    return { node: this.name, cluster: this.options.settings.name, connected: this.connected, nodes: this.membership.size, nats: this.link.status() };
  }

  /** What Admin cluster_info answers: every node, its load and last heartbeat, what each holds. */
  info(): JsonObject {
    const s = this.options.settings;
    const placements = this.placement.list();
    const now = Date.now();
    const node = (n: NodeView): JsonObject => ({
      name: n.name,
      self: n.self,
      media_ip: n.mediaIp,
      incarnation: n.incarnation,
      version: n.version,
      started: new Date(n.started).toISOString(),
      last_heartbeat: new Date(n.lastHeartbeat).toISOString(),
      last_heartbeat_ms_ago: Math.max(0, now - n.lastHeartbeat),
      load: { ...n.load },
      holds: placements.filter((p) => p.node === n.name).map((p) => ({ kind: p.kind, id: p.id })),
    });
    return {
      cluster: s.name,
      node: this.name,
      connected: this.connected,
      // While NATS is away the other nodes are shown as last heard, not taken as gone.
      frozen: this.membership.frozen,
      heartbeat_ms: s.heartbeatMs,
      lost_after: s.lostAfter,
      nats: this.link.status(),
      nodes: this.membership.nodes().map(node),
    };
  }

  /** The nodes as heard (this one first), for metrics. */
  nodes(): NodeView[] {
    return this.membership.nodes();
  }

  /** The live nodes' placement records, for metrics. */
  placements(): readonly Placement[] {
    return this.placement.list();
  }

  private announcement(): NodeAnnouncement {
    const s = this.options.settings;
    return {
      node: s.nodeName,
      incarnation: this.incarnation,
      media_ip: s.mediaIp,
      started: this.started,
      version: this.options.version,
      heartbeat_ms: s.heartbeatMs,
      load: this.load,
      holds: this.placement?.ownCount ?? 0,
    };
  }

  private tick(): void {
    this.load = this.sampler.sample();
    this.membership.sweep();
    this.announce();
  }

  private announce(): void {
    const j = this.joined;
    if (!j) return;
    const data = encodeJson(this.announcement());
    try {
      j.nc.publish(this.names.heartbeat, data);
    } catch {
      return; // the connection is going; its loss is handled where it is noticed
    }
    j.nodes?.put(this.name, data).then(
      () => (j.putWarned = false),
      (err: unknown) => {
        if (j.putWarned || this.joined !== j) return;
        j.putWarned = true;
        this.log.warn(`this node's entry not written to bucket ${this.names.nodesBucket}: ${errorText(err)}`);
      },
    );
  }

  /** A connection is up: subscribe, bind the buckets, learn who is there, announce. */
  private async join(nc: NatsConnection): Promise<void> {
    const j: Joined = { nc, subscriptions: [], putWarned: false };
    const s = this.options.settings;
    try {
      j.subscriptions.push(
        nc.subscribe(this.names.heartbeat, {
          callback: (err, msg) => {
            const a = err ? undefined : readAnnouncement(msg.data);
            if (a) this.membership.heard(a);
          },
        }),
        nc.subscribe(this.names.leave, {
          callback: (err, msg) => {
            const l = err ? undefined : readLeave(msg.data);
            if (l) this.membership.leaving(l.node, l.incarnation);
          },
        }),
      );
      await nc.flush();
      let placement: KV | undefined;
      const records = new Map<SharedRecords, KV>();
      try {
        const js = nc.jetstream();
        j.nodes = await js.views.kv(this.names.nodesBucket, { history: 1, ttl: s.heartbeatMs * s.lostAfter });
        placement = await js.views.kv(this.names.placementBucket, { history: 1 });
        for (const [kind, r] of this.shared) records.set(r, await js.views.kv(recordsBucket(s.name, kind), { history: 1 }));
      } catch (err) {
        this.log.error(`no JetStream key-value buckets on ${s.connection.target} (${errorText(err)}): membership from heartbeats only, no placement records`);
      }
      if (j.nodes) {
        // The keys first, then each entry: the listing ends early when entries change while it is read.
        const keys: string[] = [];
        for await (const key of await j.nodes.keys()) keys.push(key);
        for (const key of keys) {
          const e = await j.nodes.get(key);
          const a = e && e.operation === 'PUT' ? readAnnouncement(e.value) : undefined;
          if (a) this.membership.heard(a);
        }
      }
      // The request subjects are known to the server before this node announces itself (joined, or back).
      this.requests.attach(nc);
      await nc.flush();
      if (nc.isClosed() || this.closed) return;
      this.joined = j;
      this.membership.thaw();
      const others = this.membership.size - 1;
      this.log.info(`${this.everJoined ? 'back on NATS, rejoined' : 'joined'} cluster ${s.name}: ${others} other node${others === 1 ? '' : 's'}`);
      this.everJoined = true;
      if (placement) await this.placement.attach(placement);
      for (const [r, kv] of records) await r.attach(kv);
      this.announce();
    } catch (err) {
      if (!nc.isClosed()) this.log.warn(`joining over NATS failed: ${errorText(err)}`);
    }
  }

  /** The connection is gone: serve alone, keep what was known. */
  private left(nc: NatsConnection, reason: string): void {
    if (this.joined?.nc !== nc) return;
    this.joined = undefined;
    this.membership.freeze();
    this.detachAll();
    if (!this.closed) {
      const others = this.membership.size - 1;
      this.log.warn(`NATS unreachable (${reason}): serving alone; the ${others} other node${others === 1 ? ' is' : 's are'} kept as last heard until NATS is back`);
    }
  }

  private detachAll(): void {
    this.placement.detach();
    this.requests.detach();
    for (const r of this.shared.values()) r.detach();
  }

  /** A node was lost: the first live node by name removes its records and its entry (so that one node does). */
  private async cleanUpAfter(node: string): Promise<void> {
    const first = this.membership
      .nodes()
      .map((n) => n.name)
      .sort()[0];
    if (first !== this.name || !this.joined) return;
    try {
      const n = await this.placement.purgeNode(node);
      await this.joined?.nodes?.purge(node);
      if (n > 0) this.log.info(`removed the ${n} placement record${n === 1 ? '' : 's'} of lost node ${node}`);
    } catch (err) {
      this.log.warn(`the records of lost node ${node} not removed: ${errorText(err)}`);
    }
  }
}

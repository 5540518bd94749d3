// Mountpoints over many nodes (docs/cluster.md). A mountpoint made at run time is shared (shared-mountpoints.ts):
// every other node shows a copy in `list` and `info` and lets clients `watch` it. The first viewer of a copy on
// node B makes B open a relay (mountpoint-relay.ts) and ask the source's node A to `feed` it: A sends every
// stream there once (node-feed.ts), whatever the number of viewers on B; B's last viewer gone, B asks A to stop
// (`unfeed`, and B's placement record goes, which A also acts on). Edit, destroy, enable, disable and
// recording and kick_all of a copy are carried to A and answered as A answers; A's kick_all and its `edited`
// event reach the viewers of every node it feeds. A destroyed on A: the record goes and every copy's viewers
// hear `stopped`, as Janus's viewers do when a mountpoint goes; A gone (lost, left): the same.
// A node holds a mountpoint (its placement record) while it has viewers of it.
import { randomBytes } from 'node:crypto';
import { errorText } from '../../logging/error-text.js';
import { isJsonObject, type JsonObject, type PluginCluster, type PluginClusterEvent } from '../plugin.js';
import { addJoinBuffers } from './join-buffer.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import { removeMountpoint, tellEdited } from './mountpoint-requests.js';
import { freshNodeKey, isNodeKey } from '../node-srtp.js';
import { MountpointRelay } from './mountpoint-relay.js';
import { NodeFeed } from './node-feed.js';
import { applySettings, copySettings, keyMountpoint, mountpointKey, mountpointRecord, readMountpointRecord, type SharedMountpoint } from './shared-mountpoints.js';
import { StreamSource } from './stream-source.js';
import { E, StreamingError } from './streaming-error.js';
import { stopViewers } from './viewer.js';
import type { StreamingState } from './streaming-state.js';

/** Tries of a relay's start (the source's node not known yet, its answer lost), a second apart. */
const FEED_TRIES = 5;
const FEED_RETRY_MS = 1000;
/** Tries of a record's write while NATS is away, two seconds apart. */
const SHARE_TRIES = 30;
const SHARE_RETRY_MS = 2000;
/** After another node's placement record of a mountpoint went: how long until its feed stops, unless held again. */
const RELEASE_GRACE_MS = 1500;

/** The requests a copy carries to the source's node. */
const CARRIED = new Set(['edit', 'destroy', 'enable', 'disable', 'recording', 'kick_all']);

export class MountpointSpan {
  /** This node's run: records of an earlier run under its name are stale. */
  readonly run = randomBytes(6).toString('hex');
  /** This node's mountpoints that are shared. */
  private readonly shared = new Set<MountpointId>();
  /** What this node sends other nodes: mountpoint → node → feed. */
  private readonly feeds = new Map<MountpointId, Map<string, NodeFeed>>();
  /** The mountpoints this node holds (has viewers of). */
  private readonly held = new Set<MountpointId>();
  /** Relays being started or stopped, and those changed meanwhile; failed starts so far. */
  private readonly busy = new Set<MountpointRelay>();
  private readonly dirty = new Set<MountpointRelay>();
  private readonly tries = new Map<MountpointRelay, number>();
  private readonly stopListening: () => void;

  constructor(
    private readonly state: StreamingState,
    private readonly cluster: PluginCluster,
    /** Answers a mountpoint request as the Admin API would (the carried ones). */
    private readonly manage: (body: JsonObject) => Promise<JsonObject>,
  ) {
    cluster.serve((from, body) => this.serve(from, body));
    this.stopListening = cluster.on((e) => this.event(e));
  }

  get node(): string {
    return this.cluster.node;
  }

  /** The nodes this node's mountpoint `id` is sent to (`srtp`: those it is sent to as SRTP). */
  fedNodes(id: MountpointId, srtp = false): string[] {
    return [...(this.feeds.get(id) ?? [])]
      .filter(([, feed]) => !srtp || feed.encrypted)
      .map(([node]) => node)
      .sort();
  }

  /** A mountpoint made here at run time (or from the saved state): every node gets a copy. */
  share(mp: Mountpoint): void {
    // An on-demand mountpoint plays its file to each viewer from the start: there is nothing to relay.
    if (mp.remote || mp.file?.kind === 'ondemand') return;
    this.shared.add(mp.id);
    this.put(mp, 1);
  }

  /** A shared mountpoint changed (edited, enabled, its first publisher's streams): the copies follow. */
  changed(mp: Mountpoint): void {
    if (!mp.remote && this.shared.has(mp.id)) this.put(mp, 1);
  }

  /** A mountpoint is gone here: its feeds stop; this node's own goes on every node. */
  removed(mp: Mountpoint): void {
    for (const feed of this.feeds.get(mp.id)?.values() ?? []) feed.close();
    this.feeds.delete(mp.id);
    if (mp.remote || !this.shared.delete(mp.id)) return;
    this.cluster.deleteRecord(mountpointKey(mp.id)).catch((err: unknown) => this.state.log.warn(`mountpoint ${mp.id}: its destruction not shared with the other nodes: ${errorText(err)}`));
  }

  /** A viewer came or went: the placement record, and a copy's relay, follow. */
  watchersChanged(mp: Mountpoint): void {
    const watched = mp.viewerCount > 0 && this.state.mountpoints.get(mp.id) === mp;
    if (watched && !this.held.has(mp.id)) {
      this.held.add(mp.id);
      this.cluster.hold(mp.id);
    } else if (!watched && this.held.delete(mp.id)) this.cluster.release(mp.id);
    if (mp.remote instanceof MountpointRelay) void this.syncRelay(mp, mp.remote);
  }

  /** This node's mountpoint was emptied (kick_all): the viewers of its copies are too, on every node. */
  kickedAll(mp: Mountpoint): void {
    this.tellCopies(mp, { request: 'kick_all', id: mp.id });
  }

  /** This node's mountpoint's metadata changed with `edited_event`: the viewers of its copies hear it too. */
  tellEdited(mp: Mountpoint): void {
    this.tellCopies(mp, { request: 'edited', id: mp.id, metadata: mp.settings.metadata ?? null });
  }

  /** Tells every node with viewers of a copy of `mp` (those fed, those holding it). */
  private tellCopies(mp: Mountpoint, body: JsonObject): void {
    if (mp.remote || !this.shared.has(mp.id)) return;
    const nodes = new Set([...this.fedNodes(mp.id), ...this.cluster.holders(mp.id)]);
    nodes.delete(this.cluster.node);
    for (const node of nodes) {
      this.cluster.request(node, body).catch((err: unknown) => this.state.log.warn(`mountpoint ${mp.id}: ${String(body.request)} not told to node ${node}: ${errorText(err)}`));
    }
  }

  /** A copy of `from`'s mountpoint named by `body`, or undefined. */
  private copyOf(from: string, body: JsonObject): Mountpoint | undefined {
    const mp = this.state.mountpoints.get(this.state.idOf(body, true)!);
    return mp?.remote?.node === from ? mp : undefined;
  }

  /**
   * A request naming a copy of another node's mountpoint: asked of that node, answered as it answers
   * (undefined when the mountpoint is not a copy: the request is this node's to answer).
   */
  carry(body: JsonObject): Promise<JsonObject> | undefined {
    let id: MountpointId | undefined;
    try {
      id = this.state.idOf(body, false);
    } catch {
      return undefined;
    }
    const node = id === undefined ? undefined : this.state.mountpoints.get(id)?.remote?.node;
    if (node === undefined) return undefined;
    return this.carryTo(node, body);
  }

  private async carryTo(node: string, body: JsonObject): Promise<JsonObject> {
    let answer: JsonObject;
    try {
      answer = await this.cluster.request(node, { request: 'manage', body });
    } catch (err) {
      throw new StreamingError(E.UNKNOWN, `The mountpoint's node did not answer (${errorText(err)})`);
    }
    if (typeof answer.error_code === 'number') throw new StreamingError(answer.error_code, typeof answer.error === 'string' ? answer.error : 'Error');
    return answer;
  }

  /** The plugin stops: nothing more is sent to other nodes. */
  close(): void {
    this.stopListening();
    for (const byNode of this.feeds.values()) for (const feed of byNode.values()) feed.close();
    this.feeds.clear();
  }

  private put(mp: Mountpoint, attempt: number): void {
    if (this.state.mountpoints.get(mp.id) !== mp || !this.shared.has(mp.id) || this.state.stopped) return;
    this.cluster.putRecord(mountpointKey(mp.id), mountpointRecord(mp, this.cluster.node, this.run)).catch((err: unknown) => {
      if (attempt === 1) this.state.log.warn(`mountpoint ${mp.id} not shared with the other nodes yet: ${errorText(err)}`);
      if (attempt < SHARE_TRIES) setTimeout(() => this.put(mp, attempt + 1), SHARE_RETRY_MS).unref();
    });
  }

  private media(): string | undefined {
    return this.cluster.mediaAddress(this.cluster.node);
  }

  private event(e: PluginClusterEvent): void {
    if (e.type === 'record') this.record(e.key, e.value);
    else if (e.type === 'node-gone') this.nodeGone(e.node, e.reason);
    else if (e.type === 'released') this.releasedBy(e.id, e.node);
    else if (e.type === 'node-joined') this.nodeJoined(e.node);
  }

  /**
   * A node joined, or is heard again after being taken as lost (which may have been wrong): its records are
   * applied again, and the copies of its mountpoints watched here ask it again to feed them (it may have
   * stopped, taking this node as lost).
   */
  private nodeJoined(node: string): void {
    for (const [key, value] of this.cluster.records()) if (readMountpointRecord(value)?.node === node) this.record(key, value);
    for (const mp of this.state.mountpoints.values()) {
      const relay = mp.remote;
      if (!(relay instanceof MountpointRelay) || relay.node !== node || !relay.open) continue;
      relay.stop();
      void this.syncRelay(mp, relay);
    }
  }

  /** Another node's record of `id` went: unless it holds it again soon, it is sent nothing more. */
  private releasedBy(id: MountpointId, node: string): void {
    const feed = this.feeds.get(id)?.get(node);
    if (!feed) return;
    setTimeout(() => {
      if (this.feeds.get(id)?.get(node) === feed && !this.cluster.holders(id).includes(node)) this.unfeed(id, node);
    }, RELEASE_GRACE_MS).unref();
  }

  /** A shared record appeared, changed or went. */
  private record(key: string, value: JsonObject | undefined): void {
    const state = this.state;
    const id = keyMountpoint(key, state.stringIds);
    if (id === undefined) return;
    let mp = state.mountpoints.get(id);
    const mine = mp !== undefined && !mp.remote && this.shared.has(id);
    if (!value) {
      // This node's own, removed while its mountpoint lives (a node that took this one as lost): written again.
      if (mp && mine) this.put(mp, 1);
      else if (mp?.remote) {
        state.log.info(`mountpoint ${id}: destroyed on node ${mp.remote.node}`);
        this.dropCopy(mp);
      }
      return;
    }
    const shared = readMountpointRecord(value);
    if (!shared) {
      state.log.warn(`mountpoint ${id}: a malformed shared record dropped`);
      return;
    }
    if (shared.node === this.cluster.node) {
      // Left by an earlier run of this node and not made again: it goes.
      if (shared.run !== this.run && !mine) this.cluster.deleteRecord(key).catch(() => undefined);
      return;
    }
    if (mp && !mp.remote) {
      state.log.warn(`mountpoint ${id} of node ${shared.node} not shown here: this node has a mountpoint ${id} of its own`);
      return;
    }
    if (mp?.remote && mp.remote.node !== shared.node) {
      this.dropCopy(mp);
      mp = undefined;
    }
    if (!mp) this.makeCopy(id, shared);
    else {
      applySettings(mp, shared);
      if (mp.streams.length === 0) this.addStreams(mp, shared);
    }
  }

  /** A copy goes with its source: its viewers told `stopped`, and nothing asked of the source's node any more. */
  private dropCopy(mp: Mountpoint): void {
    mp.remote?.close();
    removeMountpoint(this.state, mp, undefined);
  }

  private makeCopy(id: MountpointId, shared: SharedMountpoint): void {
    const copy = this.state.newMountpoint(copySettings(shared, id));
    copy.enabled = shared.enabled;
    copy.remote = new MountpointRelay(copy, shared.node);
    this.addStreams(copy, shared);
    this.state.mountpoints.set(id, copy);
    this.state.log.info(`mountpoint ${id}: a copy of node ${shared.node}'s (${copy.streams.map((s) => s.config.mid).join(', ') || 'no streams yet'})`);
  }

  private addStreams(mp: Mountpoint, shared: SharedMountpoint): void {
    for (const s of shared.streams) {
      const source = new StreamSource(
        s.config,
        undefined,
        undefined,
        (st, packet) => mp.fanOut(st, packet),
        (msg) => this.state.log.warn(`mountpoint ${mp.id}: ${msg}`),
      );
      source.peerSimulcast = s.simulcast;
      addJoinBuffers(source, mp.settings, s.simulcast);
      mp.streams.push(source);
    }
  }

  /** A node is gone: nothing more is sent to it, its mountpoints' copies go (their viewers told `stopped`). */
  private nodeGone(node: string, reason: 'lost' | 'left' | 'restarted'): void {
    const state = this.state;
    for (const [id, byNode] of this.feeds) if (byNode.has(node)) this.unfeed(id, node);
    for (const mp of [...state.mountpoints.values()]) {
      if (mp.remote?.node !== node) continue;
      state.log.info(`mountpoint ${mp.id}: its node ${node} is gone (${reason})`);
      this.dropCopy(mp);
    }
    for (const [key, value] of this.cluster.records()) {
      if (readMountpointRecord(value)?.node !== node) continue;
      // A node started again shares its mountpoints again (and removes its earlier run's): what is there now counts.
      if (reason === 'restarted') this.record(key, value);
      else this.cluster.deleteRecord(key).catch(() => undefined);
    }
  }

  /** Starts or stops a copy's relay until it matches whether anyone here watches (one change at a time). */
  private async syncRelay(mp: Mountpoint, relay: MountpointRelay): Promise<void> {
    if (this.busy.has(relay)) {
      this.dirty.add(relay);
      return;
    }
    this.busy.add(relay);
    try {
      do {
        this.dirty.delete(relay);
        if (relay.closed) return;
        const wanted = mp.viewerCount > 0 && this.state.mountpoints.get(mp.id) === mp && !this.state.stopped;
        if (wanted && !relay.open) await this.startRelay(mp, relay);
        else if (!wanted && relay.open) this.stopRelay(mp, relay);
      } while (this.dirty.has(relay));
    } finally {
      this.busy.delete(relay);
    }
  }

  private async startRelay(mp: Mountpoint, relay: MountpointRelay): Promise<void> {
    try {
      const host = this.cluster.mediaAddress(relay.node);
      if (host === undefined) throw new Error(`node ${relay.node} is not known (yet)`);
      // With cluster.srtp, this node picks a fresh key for each feed it asks for.
      const key = this.cluster.srtp ? freshNodeKey() : undefined;
      const ports = await relay.start(this.state.network, this.media(), this.state.range, host, key);
      await this.cluster.request(relay.node, { request: 'feed', id: mp.id, ports, ...(key ? { srtp_crypto: key } : {}) });
      if (relay.closed) throw new Error('the copy went meanwhile');
      this.tries.delete(relay);
      this.state.log.info(`mountpoint ${mp.id}: fed by node ${relay.node}`);
    } catch (err) {
      relay.stop();
      const tries = (this.tries.get(relay) ?? 0) + 1;
      this.tries.set(relay, tries);
      const again = tries < FEED_TRIES && !relay.closed;
      this.state.log.warn(`mountpoint ${mp.id}: node ${relay.node} does not feed this node: ${errorText(err)}${again ? ' (trying again)' : ''}`);
      if (again) setTimeout(() => void this.syncRelay(mp, relay), FEED_RETRY_MS).unref();
      else this.tries.delete(relay);
    }
  }

  private stopRelay(mp: Mountpoint, relay: MountpointRelay): void {
    relay.stop();
    if (relay.closed) return;
    this.state.log.info(`mountpoint ${mp.id}: nobody here watches, node ${relay.node} stops feeding this node`);
    this.cluster.request(relay.node, { request: 'unfeed', id: mp.id }).catch((err: unknown) => this.state.log.verbose(`mountpoint ${mp.id}: unfeed not told to node ${relay.node}: ${errorText(err)}`));
  }

  /** What another node asks of this one; every field is checked (untrusted input). */
  private async serve(from: string, body: JsonObject): Promise<JsonObject> {
    if (body.request === 'manage') {
      const inner = isJsonObject(body.body) ? body.body : {};
      const name = typeof inner.request === 'string' ? inner.request.toLowerCase() : '';
      if (!CARRIED.has(name)) return { streaming: 'event', error_code: E.INVALID_REQUEST, error: `Unknown request '${name.slice(0, 100)}'` };
      return this.manage(inner);
    }
    if (body.request === 'kick_all') {
      const copy = this.copyOf(from, body);
      if (copy) stopViewers(copy, 'kicked_all');
      return {};
    }
    if (body.request === 'edited') {
      const copy = this.copyOf(from, body);
      if (copy && (typeof body.metadata === 'string' || body.metadata === null)) {
        // The record that follows says the same; the viewers hear it now, with what they will see.
        copy.settings.metadata = body.metadata ?? undefined;
        tellEdited(copy);
      }
      return {};
    }
    const id = this.state.idOf(body, true)!;
    if (body.request === 'unfeed') {
      this.unfeed(id, from);
      return {};
    }
    if (body.request === 'feed') {
      if (body.srtp_crypto !== undefined && !isNodeKey(body.srtp_crypto)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (srtp_crypto)');
      return this.feed(from, id, body.ports, body.srtp_crypto);
    }
    throw new Error(`unknown request ${String(body.request).slice(0, 100)}`);
  }

  private async feed(from: string, id: MountpointId, rawPorts: unknown, srtpKey: string | undefined): Promise<JsonObject> {
    const mp = this.state.mountpoints.get(id);
    if (!mp || mp.remote || !this.shared.has(id)) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(id)}`);
    const host = this.cluster.mediaAddress(from);
    if (host === undefined) throw new Error(`node ${from} is not known (yet)`);
    const ports = readPorts(rawPorts, mp);
    this.unfeed(id, from);
    const feed = new NodeFeed(from, mp, host, ports, srtpKey);
    let byNode = this.feeds.get(id);
    if (!byNode) this.feeds.set(id, (byNode = new Map<string, NodeFeed>()));
    byNode.set(from, feed);
    try {
      await feed.open(this.state.network, this.media());
      if (this.state.mountpoints.get(id) !== mp) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `Mountpoint ${String(id)} went away`);
    } catch (err) {
      if (this.feeds.get(id)?.get(from) === feed) this.unfeed(id, from);
      else feed.close();
      throw err;
    }
    this.state.log.info(`mountpoint ${id}: feeding node ${from} (${host}${srtpKey ? ', SRTP' : ''})`);
    return { feeding: true };
  }

  private unfeed(id: MountpointId, node: string): void {
    const byNode = this.feeds.get(id);
    const feed = byNode?.get(node);
    if (!byNode || !feed) return;
    feed.close();
    byNode.delete(node);
    if (byNode.size === 0) this.feeds.delete(id);
    this.state.log.info(`mountpoint ${id}: no longer feeding node ${node}`);
  }
}

/** The ports a node opened for each stream of `mp`: its main port, then substreams 1 and 2 for a simulcast one. */
function readPorts(raw: unknown, mp: Mountpoint): Map<string, number[]> {
  if (!isJsonObject(raw)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (ports)');
  const out = new Map<string, number[]>();
  for (const s of mp.streams) {
    const list = raw[s.config.mid];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length < 1 || list.length > 3 || !list.every((p) => typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536)) {
      throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (ports of ${s.config.mid})`);
    }
    out.set(s.config.mid, list as number[]);
  }
  return out;
}

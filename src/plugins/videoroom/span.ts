// One room over many nodes (docs/cluster.md): every node that has someone in room R holds a replica of it, and
// each publisher crosses to each other holder once, as a remote publisher there fed by the cascade. The
// publisher's node asks the other to add it (`span_add`, answered with its ports) and then forwards to that
// node's media address (`publish_remotely`); an unpublish, a leave or a kick removes it there (`span_remove`).
// A node that starts holding R gets the publishers already there; one that stops holding R drops its copies
// and is no longer sent to; a node gone (lost, left, restarted) has its publishers removed everywhere else.
// A node (re)joining is resynchronised both ways: each side asks the other again for the copies it should have
// (`span_add` is idempotent: an existing copy answers with its ports, and a copy dropped meanwhile is made anew
// and forwarded to), so a node taken as lost for a while, by one side or both, gets its media back.
// Moderation, forwarding and remotization asked of another node's participant are carried to that node and
// answered the same; a publisher's renegotiation, new name or metadata reaches its copies (`span_update`). An
// operator's remote publisher (add_remote_publisher on one node) crosses as a local publisher does, and its
// updates and removal with it. With cluster.srtp the media goes as SRTP and the keyframe requests back as SRTCP.
import { isJsonObject, type JsonObject, type PluginCluster, type PluginClusterEvent } from '../plugin.js';
import { OFFER_EXTENSION_IDS, OUR_AUDIO_LEVEL_ID } from '../../rtp/header-extensions.js';
import { check, E, errMessage, VideoRoomError } from './errors.js';
import { participantEvent } from './events.js';
import { checkStored } from './limits.js';
import { freshNodeKey } from '../node-srtp.js';
import { listRemotes, publishRemotely, removeRemotePublisher, rtpForward, stopRtpForward, unpublishRemotely, updateRemotePublisher } from './cascade-requests.js';
import { kick, moderate } from './moderation.js';
import { holdsHere, notePlacement } from './placement.js';
import { withdraw } from './publication.js';
import type { Publisher } from './publisher.js';
import type { Room } from './room.js';
import { userIdOf } from './room-access.js';
import { ownCount, ownParticipants, participantEntry } from './room-requests.js';
import { applyRoomRecord, writePendingRooms } from './shared-rooms.js';
import type { VideoRoomState } from './videoroom-state.js';

/** How a publisher's copy on another node ends: as the room heard it end here. */
export type SpanEnd = 'unpublished' | 'leaving' | 'kicked' | 'destroyed';

/** Tries of a crossing or a removal that failed (the other node not known yet, a lost answer), a second apart. */
const CROSS_TRIES = 5;
const CROSS_RETRY_MS = 1000;

/** How long a subscription waits for other nodes' publishers to cross here, and how often it looks. */
const FEED_WAIT_MS = 3000;
const FEED_POLL_MS = 25;

/** The most participants one node's answer to listparticipants may list. */
const MAX_ROSTER = 10_000;

const VIDEO_ORIENTATION_ID = OFFER_EXTENSION_IDS.video.find(([, uri]) => uri.endsWith('video-orientation'))?.[0];

/** The remotization of a publisher towards `node`. */
function remoteId(node: string): string {
  return `span-${node}`;
}

export class RoomSpan {
  /** Local publishers crossing to other nodes: node → crossing being set up or up. */
  private readonly out = new Map<Publisher, Map<string, 'pending' | 'up'>>();
  /** With cluster.srtp: the key each crossing of a local publisher is sent with, by node. */
  private readonly sentKeys = new WeakMap<Publisher, Map<string, string>>();
  /** With cluster.srtp: the key each copy here was made with (its node asks again: the same key). */
  private readonly copyKeys = new WeakMap<Publisher, string>();
  /** How a local publication ended, for a crossing still being set up then (its copy, made after, goes the same way). */
  private readonly endings = new WeakMap<Publisher, SpanEnd>();

  constructor(
    private readonly vr: VideoRoomState,
    private readonly cluster: PluginCluster,
  ) {
    cluster.serve((from, body) => this.serve(from, body));
    cluster.on((e) => this.event(e));
  }

  /** A local publisher's publication is up: it crosses to every other node holding the room. */
  published(room: Room, p: Publisher): void {
    for (const node of this.cluster.holders(room.id)) if (node !== this.cluster.node) void this.cross(room, p, node, 1);
  }

  /** A local publisher renegotiated its streams: every copy of it follows (`span_update`), its participants hear it. */
  republished(room: Room, p: Publisher): void {
    for (const [node, state] of this.out.get(p) ?? []) if (state === 'up') this.updateOn(node, room, p);
    // A crossing still being set up compares what it sent with the streams once it is up (see cross).
  }

  /** A local publisher changed its display or metadata: its copies change with it, their participants hear it. */
  renamed(room: Room, p: Publisher): void {
    for (const [node, state] of this.out.get(p) ?? []) if (state === 'up') this.updateOn(node, room, p, 1, true);
    // A crossing still being set up sends the name as it is once it is up (see cross).
  }

  /** A local publisher's publication ended: its copies elsewhere go, as the room heard it here. */
  ended(room: Room, p: Publisher, how: SpanEnd): void {
    const nodes = this.out.get(p);
    this.out.delete(p);
    this.endings.set(p, how);
    if (!nodes || how === 'destroyed') return;
    for (const node of nodes.keys()) this.removeOn(node, room, p, how);
  }

  /** Nobody here is in the room any more: the other nodes' publishers' copies go, without a word (nobody hears). */
  dropReplica(room: Room): void {
    for (const p of [...room.participants.values()]) if (p.spannedFrom !== undefined) withdraw(this.vr, room, p, false);
  }

  /**
   * A subscription asked here for feeds this node has no copy of, in a room it does not hold (a viewer that joins
   * through a node where nobody is): the node holds the room while it waits, so that the other holders' publishers
   * cross to it, and the subscription goes on once every feed is here (or after `timeoutMs`, when it fails as
   * before: no such feed). The hold stays for the subscriber that follows; re-checked a little later.
   */
  async awaitFeeds(room: Room, feeds: readonly (number | string)[], timeoutMs = FEED_WAIT_MS): Promise<void> {
    const here = (): boolean => feeds.every((f) => room.participants.get(f)?.active === true);
    if (here() || room.destroyed || !this.cluster.holders(room.id).some((n) => n !== this.cluster.node)) return;
    room.awaitingCopies++;
    notePlacement(this.vr, room);
    try {
      for (const deadline = Date.now() + timeoutMs; !here() && !room.destroyed && Date.now() < deadline;) await new Promise((r) => setTimeout(r, FEED_POLL_MS));
    } finally {
      room.awaitingCopies--;
      // A subscription that failed after all leaves no hold behind.
      setTimeout(() => notePlacement(this.vr, room), FEED_WAIT_MS).unref();
    }
  }

  /**
   * A request about another node's participant (moderation, forwarding, remotization): asked of that node, its
   * answer (or error) given as it is.
   */
  async carry(node: string, body: JsonObject): Promise<JsonObject> {
    let answer: JsonObject;
    try {
      answer = await this.cluster.request(node, { request: 'span_request', body });
    } catch (err) {
      throw new VideoRoomError(E.UNKNOWN, `The participant's node did not answer (${errMessage(err)})`);
    }
    if (typeof answer.error_code === 'number') throw new VideoRoomError(answer.error_code, typeof answer.error === 'string' ? answer.error : 'Error');
    return answer;
  }

  /**
   * The other nodes' own participants of `room` (listparticipants): asked of every other node holding it; a node
   * that does not answer is shown by the copies of its publishers here.
   */
  async roster(room: Room): Promise<JsonObject[]> {
    const copies = [...room.participants.values()].filter((p) => p.spannedFrom !== undefined);
    const nodes = new Set([...this.cluster.holders(room.id), ...copies.map((p) => p.spannedFrom!)]);
    nodes.delete(this.cluster.node);
    const lists = await Promise.all(
      [...nodes].sort().map(async (node) => {
        try {
          const answer = await this.cluster.request(node, { request: 'span_roster', room: room.id });
          const list = Array.isArray(answer.participants) ? answer.participants.filter(isJsonObject) : [];
          return list.filter((e) => typeof e.id === 'number' || typeof e.id === 'string').slice(0, MAX_ROSTER);
        } catch (err) {
          this.vr.log.verbose(`videoroom: room ${room.id}: node ${node} did not list its participants: ${errMessage(err)}`);
          return copies.filter((p) => p.spannedFrom === node).map((p) => participantEntry(room, p));
        }
      }),
    );
    return lists.flat();
  }

  /**
   * How many participants each room has on the other nodes (list's num_participants): one request per other node
   * holding any of `rooms`; a node that does not answer is counted by the copies of its publishers here.
   */
  async counts(rooms: readonly Room[]): Promise<Map<Room, number>> {
    const out = new Map<Room, number>(rooms.map((r) => [r, 0]));
    const byNode = new Map<string, Room[]>();
    for (const room of rooms) {
      for (const node of this.cluster.holders(room.id)) {
        if (node === this.cluster.node) continue;
        let list = byNode.get(node);
        if (!list) byNode.set(node, (list = []));
        list.push(room);
      }
    }
    await Promise.all(
      [...byNode].map(async ([node, list]) => {
        let answered: unknown[] = [];
        try {
          const answer = await this.cluster.request(node, { request: 'span_counts', rooms: list.map((r) => r.id) });
          answered = Array.isArray(answer.counts) ? answer.counts : [];
        } catch (err) {
          this.vr.log.verbose(`videoroom: node ${node} did not count its participants: ${errMessage(err)}`);
        }
        list.forEach((room, i) => {
          const n = answered[i];
          const copies = [...room.participants.values()].filter((p) => p.spannedFrom === node).length;
          out.set(room, (out.get(room) ?? 0) + (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_ROSTER ? n : copies));
        });
      }),
    );
    return out;
  }

  /** The other nodes' forwarders in `room` (listforwarders): each other holder lists its own; one that does not answer, none. */
  async forwarders(room: Room): Promise<JsonObject[]> {
    const nodes = this.cluster
      .holders(room.id)
      .filter((n) => n !== this.cluster.node)
      .sort();
    const lists = await Promise.all(
      nodes.map(async (node) => {
        try {
          const answer = await this.cluster.request(node, { request: 'span_forwarders', room: room.id });
          return (Array.isArray(answer.publishers) ? answer.publishers.filter(isJsonObject) : []).slice(0, MAX_ROSTER);
        } catch (err) {
          this.vr.log.verbose(`videoroom: room ${room.id}: node ${node} did not list its forwarders: ${errMessage(err)}`);
          return [];
        }
      }),
    );
    return lists.flat();
  }

  /** An event of a local participant the other holders' participants hear too (moderation). */
  tellOthers(room: Room, event: JsonObject): void {
    for (const node of this.cluster.holders(room.id)) {
      if (node === this.cluster.node) continue;
      this.cluster
        .request(node, { request: 'span_event', room: room.id, event })
        .catch((err: unknown) => this.vr.log.verbose(`videoroom: room ${room.id}: event not told to node ${node}: ${errMessage(err)}`));
    }
  }

  private event(e: PluginClusterEvent): void {
    if (e.type === 'record') {
      applyRoomRecord(this.vr, e.key, e.value, e.by);
      return;
    }
    if (e.type === 'records-read') {
      // NATS is back and the records are read again: what changed here meanwhile goes out.
      writePendingRooms(this.vr);
      return;
    }
    if (e.type === 'node-gone') {
      this.nodeGone(e.node);
      return;
    }
    if (e.type === 'node-joined') {
      this.resync(e.node);
      this.cluster.request(e.node, { request: 'span_resync' }).catch((err: unknown) => this.vr.log.verbose(`videoroom: node ${e.node} not asked to resend its publishers: ${errMessage(err)}`));
      return;
    }
    const room = this.vr.rooms.get(e.id);
    if (!room || room.destroyed) return;
    for (const p of room.participants.values()) {
      if (p.spannedFrom !== undefined) continue;
      if (e.type === 'held' && p.active) void this.cross(room, p, e.node, 1);
      if (e.type === 'released') this.stopCrossing(p, e.node);
    }
  }

  /** Every local publisher in a room `node` holds is sent to it again, or still (see the header). */
  private resync(node: string): void {
    for (const room of this.vr.rooms.values()) {
      if (room.destroyed || !this.cluster.holders(room.id).includes(node)) continue;
      for (const p of room.participants.values()) if (p.spannedFrom === undefined && p.active) void this.cross(room, p, node, 1);
    }
  }

  /** A node is gone: its publishers leave every room here, and nothing more is sent to it. */
  private nodeGone(node: string): void {
    for (const room of this.vr.rooms.values()) {
      for (const p of [...room.participants.values()]) {
        if (p.spannedFrom === node) withdraw(this.vr, room, p, true);
        else if (p.spannedFrom === undefined) this.stopCrossing(p, node);
      }
    }
  }

  /**
   * `p` crosses to `node`: a remote publisher there, then forwarded to it. Asked again of a crossing that is up,
   * the copy there is checked: the same ports, nothing changes; a copy made anew is forwarded to instead.
   */
  private async cross(room: Room, p: Publisher, node: string, attempt: number): Promise<void> {
    let mine = this.out.get(p);
    if (!mine) this.out.set(p, (mine = new Map<string, 'pending' | 'up'>()));
    if (mine.get(node) === 'pending') return;
    const current = this.vr.cascade.listRemotes(p).find((r) => r.remote_id === remoteId(node));
    mine.set(node, 'pending');
    const still = (): boolean => this.out.get(p)?.get(node) === 'pending' && p.active && !room.destroyed;
    let added = false;
    try {
      const host = this.cluster.mediaAddress(node);
      if (host === undefined) throw new Error(`node ${node} is not known (yet)`);
      const srtp = this.cluster.srtp;
      const described = describeForCopy(p);
      const answer = await this.cluster.request(node, { request: 'span_add', room: room.id, publisher: described, ...(srtp ? { srtp: true } : {}) });
      added = true;
      const port = answer.port;
      const rtcpPort = answer.rtcp_port;
      if (!isPort(port) || !isPort(rtcpPort)) throw new Error(`node ${node} answered without ports`);
      // The copy's node chose the key (a copy kept from before keeps its own); it is checked where it is used.
      const answered = srtp ? answer.srtp_crypto : undefined;
      if (srtp && typeof answered !== 'string') throw new Error(`node ${node} answered without an SRTP key`);
      const key = typeof answered === 'string' ? answered : undefined;
      if (!still()) throw new Error('the publication ended meanwhile');
      let keys = this.sentKeys.get(p);
      if (!keys) this.sentKeys.set(p, (keys = new Map<string, string>()));
      if (current && current.port === port && current.rtcp_port === rtcpPort && current.host === host && keys.get(node) === key) {
        mine.set(node, 'up');
        // A copy kept from before may have missed a renegotiation (an update lost while the node was away).
        this.updateOn(node, room, p);
        return;
      }
      if (current) this.unpublishRemotely(p, node);
      const media = key !== undefined ? { srtp_suite: 80, srtp_crypto: key } : {};
      await this.vr.cascade.publishRemotely(p, { remote_id: remoteId(node), host, port, rtcp_port: rtcpPort, ...media }, { key });
      if (key !== undefined) keys.set(node, key);
      else keys.delete(node);
      if (!still()) {
        this.unpublishRemotely(p, node);
        throw new Error('the publication ended meanwhile');
      }
      mine.set(node, 'up');
      // Renegotiated or renamed while the crossing was being set up: the copy gets the publisher as it is now.
      const now = describeForCopy(p);
      if (JSON.stringify(now.streams) !== JSON.stringify(described.streams)) this.updateOn(node, room, p);
      if (now.display !== described.display || JSON.stringify(now.metadata) !== JSON.stringify(described.metadata)) this.updateOn(node, room, p, 1, true);
      this.vr.log.info(`videoroom: room ${room.id}: publisher ${p.id} crosses to node ${node} (${host} port ${port})`);
    } catch (err) {
      if (this.out.get(p)?.get(node) === 'pending') {
        mine.delete(node);
        // Nothing is sent where no crossing is recorded (a refresh that failed): a retry sets it up again.
        this.unpublishRemotely(p, node);
      }
      // Ended meanwhile (a kick, a leave): the copy made after the end was told goes as the room heard it.
      const how = this.endings.get(p) ?? 'unpublished';
      if (added && how !== 'destroyed') this.removeOn(node, room, p, how);
      const again = attempt < CROSS_TRIES && p.active && !room.destroyed && this.cluster.holders(room.id).includes(node);
      this.vr.log.warn(`videoroom: room ${room.id}: publisher ${p.id} not sent to node ${node}: ${errMessage(err)}${again ? ' (trying again)' : ''}`);
      if (again) setTimeout(() => void this.cross(room, p, node, attempt + 1), CROSS_RETRY_MS).unref();
    }
  }

  private stopCrossing(p: Publisher, node: string): void {
    const mine = this.out.get(p);
    if (!mine?.delete(node)) return;
    this.unpublishRemotely(p, node);
  }

  private unpublishRemotely(p: Publisher, node: string): void {
    try {
      this.vr.cascade.unpublishRemotely(p, { remote_id: remoteId(node) });
    } catch {
      // already gone with the publication
    }
  }

  /**
   * Gives `p`'s copy on `node` its streams (`renamed`: its display and metadata) as they are now; tried again a
   * second later while that node holds the room.
   */
  private updateOn(node: string, room: Room, p: Publisher, attempt = 1, renamed = false): void {
    const body: JsonObject = { request: 'span_update', room: room.id, publisher: describeForCopy(p), ...(renamed ? { renamed: true } : {}) };
    this.cluster.request(node, body).catch((err: unknown) => {
      const again = attempt < CROSS_TRIES && p.active && this.out.get(p)?.get(node) === 'up' && this.cluster.holders(room.id).includes(node);
      this.vr.log.warn(`videoroom: room ${room.id}: publisher ${p.id}'s copy on node ${node} not updated: ${errMessage(err)}${again ? ' (trying again)' : ''}`);
      if (again) setTimeout(() => this.updateOn(node, room, p, attempt + 1, renamed), CROSS_RETRY_MS).unref();
    });
  }

  /** Removes `p`'s copy on `node`; tried again a second later while that node is alive (a lost answer, a reconnection). */
  private removeOn(node: string, room: Room, p: Publisher, how: SpanEnd, attempt = 1): void {
    this.cluster.request(node, { request: 'span_remove', room: room.id, id: p.id, how }).catch((err: unknown) => {
      const again = attempt < CROSS_TRIES && this.cluster.mediaAddress(node) !== undefined;
      this.vr.log.warn(`videoroom: room ${room.id}: publisher ${p.id} not removed on node ${node}: ${errMessage(err)}${again ? ' (trying again)' : ''}`);
      if (again) setTimeout(() => this.removeOn(node, room, p, how, attempt + 1), CROSS_RETRY_MS).unref();
    });
  }

  /** What another node asks of this one; every field is checked (untrusted input). */
  private async serve(from: string, body: JsonObject): Promise<JsonObject> {
    const vr = this.vr;
    if (body.request === 'span_resync') {
      this.resync(from);
      return {};
    }
    if (body.request === 'span_request') {
      const inner = isJsonObject(body.body) ? body.body : {};
      try {
        const run = typeof inner.request === 'string' && Object.hasOwn(CARRIED, inner.request) ? CARRIED[inner.request] : undefined;
        if (!run) throw new VideoRoomError(E.INVALID_REQUEST, `Unknown request '${String(inner.request)}'`);
        return await run(vr, inner);
      } catch (err) {
        if (err instanceof VideoRoomError) return { videoroom: 'event', error_code: err.code, error: err.message };
        throw err;
      }
    }
    if (body.request === 'span_counts') {
      // This node's own participants of each room asked (in the order asked; an unknown room counts none).
      const ids = Array.isArray(body.rooms) ? body.rooms.slice(0, MAX_ROSTER) : [];
      return { counts: ids.map((id) => (typeof id === 'number' || typeof id === 'string' ? ownCount(this.vr.rooms.get(id)) : 0)) };
    }
    const room = this.roomOf(body.room);
    if (body.request === 'span_event') {
      if (isJsonObject(body.event) && body.event.videoroom === 'event' && body.event.room === room.id) room.notify(body.event);
      return {};
    }
    if (body.request === 'span_roster') return { participants: ownParticipants(room) };
    if (body.request === 'span_forwarders') return { publishers: vr.cascade.listForwarders(room) };
    if (body.request === 'span_remove') {
      const id = userIdOf(vr, body, 'id', true)!;
      const p = room.participants.get(id);
      if (!p || p.spannedFrom !== from) return {};
      if (body.how === 'kicked') room.notify({ videoroom: 'event', room: room.id, kicked: id }, p);
      withdraw(vr, room, p, body.how === 'leaving');
      return {};
    }
    if (body.request === 'span_update') {
      // The publisher renegotiated: its copy here takes its streams as they are now (new ones, disabled ones).
      const desc = isJsonObject(body.publisher) ? body.publisher : {};
      const id = userIdOf(vr, desc, 'id', true)!;
      const copy = room.participants.get(id);
      if (!copy || copy.spannedFrom !== from) throw new VideoRoomError(E.NO_SUCH_FEED, `No such feed (${id})`);
      if (body.renamed === true) {
        // A new display or metadata: heard here as the publisher's node heard it (Janus's configure event).
        check(desc, [
          { name: 'display', type: 'string' },
          { name: 'metadata', type: 'object' },
        ]);
        checkStored(desc, ['display', 'metadata']);
        if (typeof desc.display === 'string') copy.display = desc.display;
        if (isJsonObject(desc.metadata)) copy.metadata = desc.metadata;
        if (copy.active) room.notify(participantEvent(room, 'id', copy), copy);
        return {};
      }
      vr.cascade.updateRemotePublisher(room, copy, { display: desc.display, metadata: desc.metadata, streams: desc.streams }, true);
      return {};
    }
    if (body.request === 'span_add') {
      // A node that has nobody in the room wants no copy (it released it meanwhile).
      if (!holdsHere(room)) throw new Error(`room ${room.id} is not held here`);
      const desc = isJsonObject(body.publisher) ? body.publisher : {};
      const id = userIdOf(vr, desc, 'id', true)!;
      const known = room.participants.get(id);
      // The same participant again (a resync, a retry): its copy is still here, and its subscribers with it.
      const ports = known?.spannedFrom === from ? vr.cascade.remotePorts(known) : undefined;
      if (ports && known) {
        const key = this.copyKeys.get(known);
        if ((body.srtp === true) === (key !== undefined)) return key ? { ...ports, srtp_crypto: key } : ports;
        // Asked now with SRTP and not before (or the reverse): the copy is made anew below.
        withdraw(vr, room, known, false);
      } else if (known) throw new VideoRoomError(E.ID_EXISTS, `User ID ${id} already exists`);
      // With SRTP, a fresh key of this node's choosing: AES_CM_128_HMAC_SHA1_80's 16-byte key and 14-byte salt.
      const key = body.srtp === true ? freshNodeKey() : undefined;
      const host = this.cluster.mediaAddress(from);
      if (host === undefined) throw new Error(`node ${from} is not known (yet)`);
      const added = await vr.cascade.addRemotePublisher(
        room,
        id,
        { display: desc.display, metadata: desc.metadata, streams: desc.streams, ...(key ? { srtp_suite: 80, srtp_crypto: key } : {}) },
        { node: from, host, key },
      );
      const copy = room.participants.get(id);
      if (copy && key) this.copyKeys.set(copy, key);
      return { port: added.port, rtcp_port: added.rtcp_port, ...(key ? { srtp_crypto: key } : {}) };
    }
    throw new Error(`unknown request ${String(body.request)}`);
  }

  private roomOf(id: unknown): Room {
    const room = typeof id === 'number' || typeof id === 'string' ? this.vr.rooms.get(id) : undefined;
    if (!room || room.destroyed) throw new VideoRoomError(E.NO_SUCH_ROOM, `No such room (${String(id)})`);
    return room;
  }
}

/** The requests another node carries here, about a participant of this node (answered as asked here). */
const CARRIED: Readonly<Record<string, (vr: VideoRoomState, body: JsonObject) => JsonObject | Promise<JsonObject>>> = {
  kick,
  moderate,
  rtp_forward: rtpForward,
  stop_rtp_forward: stopRtpForward,
  publish_remotely: publishRemotely,
  unpublish_remotely: unpublishRemotely,
  listremotes: listRemotes,
  update_remote_publisher: updateRemotePublisher,
  remove_remote_publisher: removeRemotePublisher,
};

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536;
}

/** The publisher as add_remote_publisher takes it: its streams as forwarded (header extensions renumbered to ours). */
function describeForCopy(p: Publisher): JsonObject {
  const out: JsonObject = { id: p.id };
  if (p.display !== undefined) out.display = p.display;
  if (p.metadata !== undefined) out.metadata = p.metadata;
  // An m-line without a codec (offered recvonly) carries nothing: no copy of it.
  out.streams = p.streams
    .filter((s) => s.type === 'data' || s.codec)
    .map((s) => {
      const d = s.describe();
      const e: JsonObject = { type: s.type, mindex: s.mindex, mid: s.mid };
      for (const k of ['codec', 'description', 'disabled', 'simulcast', 'stereo', 'fec', 'dtx', 'h264_profile', 'vp9_profile']) if (d[k] !== undefined) e[k] = d[k];
      if (s.hasAudioLevel) e.audiolevel_ext_id = OUR_AUDIO_LEVEL_ID;
      if (s.type === 'video' && VIDEO_ORIENTATION_ID !== undefined && s.extensionTable?.includes(VIDEO_ORIENTATION_ID)) e.videoorient_ext_id = VIDEO_ORIENTATION_ID;
      return e;
    });
  return out;
}

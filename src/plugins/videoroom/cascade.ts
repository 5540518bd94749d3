// Media leaving and entering a room over plain RTP: RTP forwarders (`rtp_forward`, forwarders.ts), remotizations
// that feed a publisher to a room on another server (`publish_remotely`, remotizations.ts), and remote publishers
// fed that way (`add_remote_publisher`, remote-publishers.ts). Every socket comes from the network layer, so a host
// without IPv6 gets IPv4 sockets rather than the "Address family not supported" failure Janus had there.
import type { Logger } from '../../logging/logger.js';
import type { Network } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { Forwarders } from './forwarders.js';
import type { Publisher, PublisherStream, UserId } from './publisher.js';
import { RemotePublishers, type CopyOf } from './remote-publishers.js';
import { Remotizations, type NodeCrossing } from './remotizations.js';
import type { Room } from './room.js';

/** What the cascade needs from the plugin. */
export interface CascadeHost {
  /** A remote publisher is ready: the room hears of it. */
  announce(room: Room, p: Publisher): void;
  /** A forwarder's receiver asked for a keyframe of a local publisher's stream. */
  keyframe(p: Publisher, s: PublisherStream): void;
}

export class Cascade {
  private readonly forwarders: Forwarders;
  private readonly remotizations: Remotizations;
  private readonly remotes: RemotePublishers;

  constructor(network: Network, log: Logger, host: CascadeHost) {
    this.forwarders = new Forwarders(network, log, (p, s) => host.keyframe(p, s));
    this.remotizations = new Remotizations(network, this.forwarders);
    this.remotes = new RemotePublishers(network, log, (room, p) => host.announce(room, p));
  }

  rtpForward(room: Room, p: Publisher, body: JsonObject): Promise<JsonObject> {
    return this.forwarders.rtpForward(room, p, body);
  }

  stopForward(p: Publisher, id: number): void {
    this.forwarders.stopForward(p, id);
  }

  listForwarders(room: Room): JsonObject[] {
    return this.forwarders.listForwarders(room);
  }

  /** A publisher stopped publishing: its forwarders and remotizations end with it. */
  publisherGone(p: Publisher): void {
    this.forwarders.detachAll(p);
    this.remotizations.forget(p);
  }

  /** `crossing`: a crossing to another node (span.ts), which a remote publisher may make too. */
  publishRemotely(p: Publisher, body: JsonObject, crossing?: NodeCrossing): Promise<JsonObject> {
    return this.remotizations.publishRemotely(p, body, crossing);
  }

  /** A renegotiation added streams to a local publisher: its remotizations forward them too. */
  streamsAdded(p: Publisher, streams: readonly PublisherStream[]): Promise<void> {
    return this.remotizations.streamsAdded(p, streams);
  }

  unpublishRemotely(p: Publisher, body: JsonObject): void {
    this.remotizations.unpublishRemotely(p, body);
  }

  listRemotes(p: Publisher): JsonObject[] {
    return this.remotizations.listRemotes(p);
  }

  /** `copyOf`: the copy of another node's participant, when the room spans nodes. */
  addRemotePublisher(room: Room, id: UserId, body: JsonObject, copyOf?: CopyOf): Promise<JsonObject> {
    return this.remotes.add(room, id, body, copyOf);
  }

  updateRemotePublisher(room: Room, p: Publisher, body: JsonObject, spanned = false): void {
    this.remotes.update(room, p, body, spanned);
  }

  /** False when the remote publisher's RTCP address is not known yet (the request goes out once it is). */
  requestRemoteKeyframe(p: Publisher, s: PublisherStream): boolean {
    return this.remotes.requestKeyframe(p, s);
  }

  /** The ports a remote publisher listens on, while it does. */
  remotePorts(p: Publisher): { port: number; rtcp_port: number } | undefined {
    return this.remotes.ports(p);
  }

  /** A remote publisher leaves: its sockets close. */
  removeRemote(p: Publisher): void {
    this.remotes.remove(p);
  }

  closeAll(): void {
    for (const p of this.forwarders.publishers()) this.publisherGone(p);
    for (const p of this.remotes.publishers()) this.removeRemote(p);
  }
}

// What this node sends another that has viewers of one of its mountpoints (docs/cluster.md): a sink among the
// mountpoint's viewers that sends every packet of every stream, as received, to the ports that node opened for
// it on its media address, from one socket of this node's; the keyframe requests (RTCP PLI/FIR) its relay sends
// back to that socket reach the mountpoint's sources. One per mountpoint and node, whatever its viewers there.
import type { SourcePacket } from '../../forwarding/source-packet.js';
import { destinationFor, type Network, type UdpEndpoint } from '../../plugin-api/index.js';
import { summarizeRtcp } from '../../rtp/rtcp.js';
import type { Mountpoint } from './mountpoint.js';
import type { StreamSink, StreamSource } from './stream-source.js';

/** The ports of one stream on the other node: its main port, then the simulcast substreams 1 and 2 when it has them. */
export type FeedPorts = ReadonlyMap<string, readonly number[]>;

export class NodeFeed implements StreamSink {
  /** Packets sent to the other node. */
  packets = 0;
  private socket: UdpEndpoint | undefined;
  private to = '';
  private closed = false;

  constructor(
    readonly node: string,
    readonly mountpoint: Mountpoint,
    /** The other node's media address. */
    readonly host: string,
    readonly ports: FeedPorts,
  ) {}

  /** Opens the socket (on this node's media address) and joins the mountpoint's viewers. */
  async open(network: Network, bind: string | undefined): Promise<void> {
    const socket = await network.openUdp({ what: `mountpoint ${this.mountpoint.id} feed to node ${this.node}`, bind });
    if (this.closed) {
      void socket.close();
      return;
    }
    this.socket = socket;
    this.to = destinationFor(this.host, socket.family);
    socket.onMessage((msg, from) => {
      // Only the other node's relay asks; anything else is dropped.
      if (from.address !== this.to && from.address !== this.host) return;
      if (summarizeRtcp(msg)?.keyframeRequest) this.mountpoint.requestKeyframe();
    });
    this.mountpoint.viewers.add(this);
    this.mountpoint.requestKeyframe();
  }

  receive(stream: StreamSource, packet: SourcePacket): void {
    const socket = this.socket;
    const ports = this.ports.get(stream.config.mid);
    if (!socket || !ports) return;
    const port = ports[packet.layer > 0 ? packet.layer : 0];
    if (port === undefined) return;
    // Copied at once: a WebRTC publisher's packet is only lent.
    socket.sendSoon(packet.buffer, packet.buffer.length, port, this.to);
    this.packets++;
  }

  close(): void {
    this.closed = true;
    this.mountpoint.viewers.delete(this);
    void this.socket?.close();
    this.socket = undefined;
  }
}

// What this node sends another that has viewers of one of its mountpoints (docs/cluster.md): a sink among the
// mountpoint's viewers that sends every packet of every stream, as received, to the ports that node opened for
// it on its media address, from one socket of this node's; the keyframe requests (RTCP PLI/FIR) its relay sends
// back to that socket reach the mountpoint's sources. One per mountpoint and node, whatever its viewers there.
// With a key from that node (cluster.srtp), media and data go as SRTP and its RTCP comes as SRTCP (node-srtp.ts).
import type { SourcePacket } from '../../forwarding/source-packet.js';
import { destinationFor, type Network, type UdpEndpoint } from '../../plugin-api/index.js';
import { summarizeRtcp } from '../../rtp/rtcp.js';
import { NodeSrtpSender } from '../node-srtp.js';
import type { Mountpoint } from './mountpoint.js';
import type { StreamSink, StreamSource } from './stream-source.js';

/** The ports of one stream on the other node: its main port, then the simulcast substreams 1 and 2 when it has them. */
export type FeedPorts = ReadonlyMap<string, readonly number[]>;

/** The SSRCs a data stream's messages are protected under (one per stream of the mountpoint). */
const DATA_SSRC = 0xda7a0000;

export class NodeFeed implements StreamSink {
  /** Packets sent to the other node. */
  packets = 0;
  private socket: UdpEndpoint | undefined;
  private to = '';
  private closed = false;
  private readonly srtp: NodeSrtpSender | undefined;
  /** Where a packet is protected before it is sent (grown for a large data message). */
  private scratch = Buffer.alloc(0);

  constructor(
    readonly node: string,
    readonly mountpoint: Mountpoint,
    /** The other node's media address. */
    readonly host: string,
    readonly ports: FeedPorts,
    /** The SRTP master key that node chose (cluster.srtp there), base64. */
    srtpKey?: string,
  ) {
    this.srtp = srtpKey === undefined ? undefined : new NodeSrtpSender(srtpKey);
    if (this.srtp) this.scratch = Buffer.alloc(1600);
  }

  /** Whether what it sends is SRTP. */
  get encrypted(): boolean {
    return this.srtp !== undefined;
  }

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
      const rtcp = this.srtp ? this.srtp.openRtcp(msg) : msg;
      if (rtcp && summarizeRtcp(rtcp)?.keyframeRequest) this.mountpoint.requestKeyframe();
    });
    this.mountpoint.viewers.add(this);
    // What a viewer joining here is given first (bufferkf, buffermsg) goes to the other node's copy too.
    for (const s of this.mountpoint.streams) s.replayTo(this);
    this.mountpoint.requestKeyframe();
  }

  receive(stream: StreamSource, packet: SourcePacket): void {
    const socket = this.socket;
    const ports = this.ports.get(stream.config.mid);
    if (!socket || !ports) return;
    const port = ports[packet.layer > 0 ? packet.layer : 0];
    if (port === undefined) return;
    const buf = packet.buffer;
    if (this.srtp) {
      if (this.scratch.length < buf.length + 12 + this.srtp.tagLength) this.scratch = Buffer.alloc(buf.length + 12 + this.srtp.tagLength);
      const data = stream.config.type === 'data';
      const n = data ? this.srtp.protectData(buf, DATA_SSRC + this.mountpoint.streams.indexOf(stream), this.scratch) : this.srtp.protectInto(buf, buf.length, this.scratch);
      if (n < 0) return;
      socket.sendSoon(this.scratch, n, port, this.to);
    } else {
      // Copied at once: a WebRTC publisher's packet is only lent.
      socket.sendSoon(buf, buf.length, port, this.to);
    }
    this.packets++;
  }

  close(): void {
    this.closed = true;
    this.mountpoint.viewers.delete(this);
    void this.socket?.close();
    this.socket = undefined;
  }
}

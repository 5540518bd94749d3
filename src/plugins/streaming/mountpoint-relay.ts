// This node's copy of a mountpoint whose source is on another node (docs/cluster.md), while someone here watches
// it: a socket per stream (and per simulcast substream) on this node's media address, each datagram from the
// source's node handed to the copy's stream as a source's would be (then to every viewer here); the viewers'
// keyframe requests go back to the socket that sends, as a PLI, which that node hands to the real source. With
// cluster.srtp this node picks a key per relay: what comes is SRTP, the PLIs go back as SRTCP (node-srtp.ts).
import type { Network, PortRange, UdpEndpoint, UdpSource } from '../../plugin-api/index.js';
import { buildPli } from '../../rtp/rtcp.js';
import { NodeSrtpReceiver } from '../node-srtp.js';
import type { Mountpoint } from './mountpoint.js';
import type { StreamSource } from './stream-source.js';

/** Ports by mid: the main port, then those of simulcast substreams 1 and 2. */
export type RelayPorts = Record<string, number[]>;

export class MountpointRelay {
  private sockets: UdpEndpoint[] = [];
  /** Where the source's node sends from (keyframe requests go there). */
  private sender: { readonly socket: UdpEndpoint; readonly from: UdpSource } | undefined;
  /** The source node's media address: only datagrams from there are taken. */
  private host = '';
  private srtp: NodeSrtpReceiver | undefined;

  constructor(
    readonly mountpoint: Mountpoint,
    /** The node with the source. */
    readonly node: string,
  ) {}

  get open(): boolean {
    return this.sockets.length > 0;
  }

  /** Datagrams dropped for failing SRTP (a wrong key, a replay). */
  get srtpRefused(): number {
    return this.srtp?.refused ?? 0;
  }

  /** Opens a socket for every stream and substream; resolves with their ports. `srtpKey`: what comes is SRTP under it. */
  async start(network: Network, bind: string | undefined, range: PortRange, host: string, srtpKey?: string): Promise<RelayPorts> {
    this.stop();
    this.host = host;
    this.srtp = srtpKey === undefined ? undefined : new NodeSrtpReceiver(srtpKey);
    const opened: UdpEndpoint[] = [];
    const ports: RelayPorts = {};
    try {
      for (const s of this.mountpoint.streams) {
        const list: number[] = [];
        const count = s.simulcast ? 3 : 1;
        for (let i = 0; i < count; i++) {
          const socket = await network.openUdp({
            what: `mountpoint ${this.mountpoint.id} stream ${s.config.mid} from node ${this.node}`,
            bind,
            portRange: range,
            recvBufferSize: s.config.type === 'video' ? 4 * 1024 * 1024 : undefined,
          });
          opened.push(socket);
          const layer = s.simulcast ? i : undefined;
          socket.onMessage((msg, from) => this.received(s, socket, msg, from, layer));
          list.push(socket.port);
        }
        ports[s.config.mid] = list;
      }
      if (this.closed) throw new Error('the copy went meanwhile');
    } catch (err) {
      for (const socket of opened) void socket.close();
      throw err;
    }
    this.sockets = opened;
    for (const s of this.mountpoint.streams) s.keyframeVia = () => this.askKeyframe(s);
    return ports;
  }

  private received(s: StreamSource, socket: UdpEndpoint, msg: Buffer, from: UdpSource, layer: number | undefined): void {
    if (from.address !== this.host && from.address !== `::ffff:${this.host}`) return;
    let packet: Buffer | undefined = msg;
    if (this.srtp) packet = s.config.type === 'data' ? this.srtp.openData(msg) : this.srtp.open(msg);
    if (!packet) return;
    this.sender ??= { socket, from };
    s.ingest(packet, layer);
  }

  private askKeyframe(s: StreamSource): void {
    const to = this.sender;
    if (!to || s.lastSsrc === 0) return;
    const pli = buildPli(1, s.lastSsrc);
    const out = this.srtp ? this.srtp.protectRtcp(pli) : pli;
    if (out) to.socket.send(out, to.from.port, to.from.address);
  }

  /** Closes the sockets (nobody here watches any more, or the mountpoint went). */
  stop(): void {
    for (const socket of this.sockets) void socket.close();
    this.sockets = [];
    this.sender = undefined;
    for (const s of this.mountpoint.streams) {
      s.keyframeVia = undefined;
      // Fed again later, the source's node gives what it keeps then.
      s.keyframes?.clear();
      s.lastMessage?.clear();
    }
  }

  /** Set by close(): the copy is gone (its source's node destroyed it, or went); nothing more is asked of it. */
  closed = false;

  close(): void {
    this.closed = true;
    this.stop();
  }
}

// A plain-RTP participant's link (`rtp` in join, for SIP gateways and the like): one local UDP port, opened by
// the network layer in the family the peer's address needs, where the peer's RTP arrives; the mix goes to the
// address the participant gave, with our own SSRC, sequence numbers and timestamps, once the peer has sent one
// valid packet (as Janus does). After that, datagrams from any other address or SSRC are dropped and counted.
import { destinationFor, randomUint32, type Network, type UdpEndpoint, type UdpSource } from '../../plugin-api/index.js';
import { rtpPayloadOffset } from '../../rtp/packet-check.js';
import { readOneByteExtension } from '../../rtp/header-extensions.js';
import { rtpClock, type AudioCodec } from './audio-codec.js';

export interface PlainRtpPeer {
  /** Where the mix goes; undefined until a `configure` gives it (`generate_offer`). */
  ip: string | undefined;
  port: number | undefined;
  payloadType: number;
  /** The peer's ssrc-audio-level extension id (0: none). */
  audioLevelId: number;
  fec: boolean;
}

/** What the link hands on: a packet's sequence number, payload and audio level (-1 without one). */
export type PlainRtpReceiver = (seq: number, payload: Buffer, level: number) => void;

export class PlainRtpLink {
  latched = false;
  dropped = 0;
  private readonly ssrc = randomUint32();
  private readonly header = Buffer.alloc(12);
  private remoteSsrc: number | undefined;
  /** Where the peer's first valid packet came from: the only source taken after it. */
  private source: string | undefined;
  private destination: string | undefined;

  private constructor(
    private readonly socket: UdpEndpoint,
    readonly peer: PlainRtpPeer,
    private readonly codec: AudioCodec,
    private readonly receive: PlainRtpReceiver,
  ) {
    this.setPeer(peer);
    socket.onMessage((data, from) => this.onDatagram(data, from));
    socket.onError(() => this.dropped++);
  }

  static async open(network: Network, bind: string | undefined, range: { min: number; max: number }, peer: PlainRtpPeer, codec: AudioCodec, receive: PlainRtpReceiver): Promise<PlainRtpLink> {
    const socket = await network.openUdp({ what: 'AudioBridge plain RTP participant', bind, portRange: range });
    return new PlainRtpLink(socket, peer, codec, receive);
  }

  get localPort(): number {
    return this.socket.port;
  }

  /** A new remote address (a `configure` with `rtp`). */
  setPeer(peer: PlainRtpPeer): void {
    Object.assign(this.peer, peer);
    this.destination = peer.ip !== undefined ? destinationFor(peer.ip, this.socket.family) : undefined;
  }

  send(payload: Buffer, frameIndex: number): void {
    const port = this.peer.port;
    if (!this.latched || this.destination === undefined || port === undefined || this.socket.closed) return;
    const h = this.header;
    h[0] = 0x80;
    h[1] = this.peer.payloadType & 0x7f;
    h.writeUInt16BE(frameIndex & 0xffff, 2);
    h.writeUInt32BE((frameIndex * (rtpClock(this.codec) / 50)) >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.socket.sendParts([h, payload], port, this.destination);
  }

  close(): Promise<void> {
    this.socket.onMessage(undefined);
    return this.socket.close();
  }

  private onDatagram(data: Buffer, from: UdpSource): void {
    const start = rtpPayloadOffset(data);
    // Only RTP of the negotiated payload type; RTCP (types 200-204 in the second byte's low bits) is ignored here.
    if (typeof start === 'string' || (data[1] & 0x7f) !== (this.peer.payloadType & 0x7f) || start >= data.length) {
      this.dropped++;
      return;
    }
    const ssrc = data.readUInt32BE(8);
    const source = `${from.address}|${from.port}`;
    if (this.latched && (source !== this.source || ssrc !== this.remoteSsrc)) {
      this.dropped++;
      return;
    }
    this.remoteSsrc = ssrc;
    if (!this.latched) {
      this.latched = true;
      this.source = source;
      // No address given: answer where the packets come from.
      if (this.peer.ip === undefined || this.peer.port === undefined) this.setPeer({ ...this.peer, ip: from.address, port: from.port });
    }
    const value = this.peer.audioLevelId > 0 ? readOneByteExtension(data, this.peer.audioLevelId) : -1;
    const level = value < 0 ? -1 : value & 0x7f;
    this.receive(data.readUInt16BE(2), data.subarray(start), level);
  }
}

// An RTP forwarder: a publisher stream (or one simulcast layer of it) sent as plain or SRTP RTP to a UDP
// address, with its own SSRC, payload type and continuous sequence numbers. All forwarders of a publisher share
// one socket, opened by the network layer (dual-stack where IPv6 exists, IPv4 where it does not).
import { destinationFor, type JsonObject, type UdpEndpoint } from '../../plugin-api/index.js';
import type { SrtpRtpProtector } from '../../rtp/srtp/srtp-protector.js';
import type { SourcePacket } from '../../forwarding/source-packet.js';
import type { StreamSink, DataSink } from './publisher.js';

export interface ForwarderTarget {
  readonly host: string;
  readonly port: number;
  /** Payload type and SSRC to send with; undefined keeps the publisher's. */
  readonly pt?: number;
  readonly ssrc?: number;
  /** Only this simulcast layer (undefined: every packet, whatever its layer). */
  readonly substream?: number;
  readonly srtp?: { readonly protector: SrtpRtpProtector; readonly tagLength: number };
}

export class RtpForwarder implements StreamSink, DataSink {
  packets = 0;
  private readonly scratch = Buffer.alloc(1500);
  private readonly destination: string;
  private seqOffset = 0;
  private lastInSsrc = -1;
  private highest = -1;
  private roc = 0;
  /** The RTCP socket that latches the receiver (publish_remotely / rtcp_port), closed with the forwarder. */
  rtcp: UdpEndpoint | undefined;
  closed = false;

  constructor(
    readonly id: number,
    readonly type: 'audio' | 'video' | 'data',
    readonly mid: string,
    private readonly socket: UdpEndpoint,
    readonly target: ForwarderTarget,
    /** The remotization this forwarder belongs to (publish_remotely), if any. */
    readonly remoteId?: string,
  ) {
    this.destination = destinationFor(target.host, socket.family);
  }

  receive(p: SourcePacket): void {
    const t = this.target;
    const packet = p.buffer;
    if (this.closed || (t.substream !== undefined && p.layer >= 0 && p.layer !== t.substream)) return;
    const len = packet.length;
    if (len < 12 || len > this.scratch.length - 16) return;
    const out = this.scratch;
    packet.copy(out, 0, 0, len);
    if (t.pt !== undefined) out[1] = (out[1] & 0x80) | (t.pt & 0x7f);
    if (t.ssrc !== undefined) {
      // One outgoing stream whatever the source does (a publisher renegotiating changes its SSRC).
      const inSsrc = packet.readUInt32BE(8);
      const inSeq = packet.readUInt16BE(2);
      if (inSsrc !== this.lastInSsrc) {
        if (this.highest >= 0) this.seqOffset = (this.highest + 1 - inSeq) & 0xffff;
        this.lastInSsrc = inSsrc;
      }
      out.writeUInt32BE(t.ssrc >>> 0, 8);
      const seq = (inSeq + this.seqOffset) & 0xffff;
      out.writeUInt16BE(seq, 2);
      if (this.highest >= 0 && seq < 0x1000 && (this.highest & 0xffff) > 0xf000) this.roc++;
      this.highest = seq;
    }
    if (t.srtp) {
      const enc = t.srtp.protector.protect(out, len, this.roc);
      if (!enc) return;
      this.packets++;
      this.socket.sendPrefix(enc, len + t.srtp.tagLength, t.port, this.destination);
      return;
    }
    this.packets++;
    this.socket.sendPrefix(out, len, t.port, this.destination);
  }

  /** Data forwarders carry each message behind a 12-byte RTP-like header (payload type 1 = binary). */
  receiveData(data: Buffer | string): void {
    if (this.closed) return;
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    const head = Buffer.alloc(12);
    head[0] = 0x80;
    head[1] = typeof data === 'string' ? 0 : 1;
    head.writeUInt16BE(this.packets & 0xffff, 2);
    head.writeUInt32BE((this.target.ssrc ?? 0) >>> 0, 8);
    this.packets++;
    this.socket.sendParts([head, body], this.target.port, this.destination);
  }

  describe(): JsonObject {
    const t = this.target;
    const out: JsonObject = { stream_id: this.id, type: this.type, host: t.host, port: t.port };
    if (this.rtcp) out.local_rtcp_port = this.rtcp.port;
    if (t.pt !== undefined) out.pt = t.pt;
    if (t.ssrc !== undefined) out.ssrc = t.ssrc;
    if (t.substream !== undefined) out.substream = t.substream;
    if (t.srtp) out.srtp = true;
    return out;
  }

  close(): void {
    this.closed = true;
    void this.rtcp?.close();
    this.rtcp = undefined;
  }
}

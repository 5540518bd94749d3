// One stream of a mountpoint: RTP/data received on UDP sockets of the network layer (or played from a file, or
// sent by a WebRTC publisher),
// checked (SRTP, RTP header, SSRC collision), recorded and kept for joining viewers, then handed on.
import type { UdpEndpoint } from '../../plugin-api/index.js';
import { destinationFor } from '../../plugin-api/index.js';
import type { CodecEntry } from '../../forwarding/codec-registry.js';
import { SourcePacket } from '../../forwarding/source-packet.js';
import type { SrtcpProtector } from '../../rtp/srtp/srtcp-protector.js';
import type { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import type { MjrRecorder } from '../mjr/mjr-recorder.js';
import type { KeyframeBuffer, LastMessageBuffer } from './join-buffer.js';
import { looksLikeRtcpReport } from '../../rtp/rtp-header.js';
import { buildPli } from '../../rtp/rtcp.js';
import type { PluginHandle } from '../plugin.js';

/** The source's rate is measured over windows of at least this long. */
const RATE_WINDOW_MS = 1000;

export interface StreamConfig {
  readonly type: 'audio' | 'video' | 'data';
  readonly mid: string;
  readonly label: string;
  readonly pt?: number;
  readonly codec?: CodecEntry;
  readonly codecText?: string;
  readonly fmtp?: string;
  readonly datatype: 'text' | 'binary';
  readonly iface?: string;
  readonly mcast?: string;
  /** Keep the last keyframe for viewers who join (video, Janus's `bufferkf`). */
  readonly bufferKeyframe?: boolean;
  /** Keep the last message for viewers who join (data, Janus's `buffermsg`). */
  readonly bufferMessage?: boolean;
}

/** What the fan-out needs from a viewer. */
export interface StreamSink {
  /**
   * A packet of `stream`, read once for every viewer (its `layer`: the simulcast substream, -1 without simulcast).
   * The SourcePacket is the stream's own and is reloaded for the next packet: a sink keeps nothing of it.
   */
  receive(stream: StreamSource, packet: SourcePacket): void;
}

export class StreamSource {
  packets = 0;
  /** Bytes of the packets handed on (after SRTP), and their rate over the last window of about a second. */
  bytes = 0;
  private windowAt = 0;
  private windowBytes = 0;
  private windowRate = 0;
  garbage = 0;
  lastPacketAt = 0;
  lastSsrc = 0;
  /** Where RTCP to the source (PLI) goes: the first sender seen on the RTCP socket. */
  latched: { address: string; port: number } | undefined;
  private garbageLogged = false;
  /** Simulcast video: the sockets of substreams 1 and 2 (the main socket carries substream 0). */
  readonly layers: UdpEndpoint[] = [];
  /** A `webrtc` mountpoint's stream: the publisher's handle and mid that feed it (keyframe requests go there). */
  uplink: { readonly handle: PluginHandle; readonly mid: string } | undefined;
  /** A copy of another node's mountpoint (mountpoint-relay.ts): keyframe requests go to that node. */
  keyframeVia: (() => void) | undefined;
  /** The WebRTC publisher simulcasts on this stream (its packets come with their substream). */
  peerSimulcast = false;
  /** Set when the source sends SRTP (the mountpoint's srtpsuite/srtpcrypto); RTCP to it then goes as SRTCP. */
  srtp: SrtpRtpUnprotector | undefined;
  srtcp: SrtcpProtector | undefined;
  /** Writes what arrives to a .mjr file while a `recording` is on. */
  recorder: MjrRecorder | undefined;
  /** Packets refused by SRTP (bad tag, replay). */
  srtpRefused = 0;
  private srtpLogged = false;
  /** Mountpoint `collision` (ms): a new SSRC takes over only after this long without the current one; 0: any. */
  collisionMs = 0;
  /** Packets dropped because another SSRC was still active. */
  collisions = 0;
  private activeSsrc = -1;
  /** What joining viewers are given first: the last keyframe onwards (bufferkf), the last message (buffermsg). */
  keyframes: KeyframeBuffer | undefined;
  lastMessage: LastMessageBuffer | undefined;
  /** The packet being handed on, read once for every viewer. */
  private readonly packet: SourcePacket;

  constructor(
    readonly config: StreamConfig,
    /** The socket the source sends to; undefined for a stream fed from a file. */
    readonly rtp: UdpEndpoint | undefined,
    readonly rtcp: UdpEndpoint | undefined,
    private readonly deliver: (stream: StreamSource, packet: SourcePacket) => void,
    private readonly warn: (msg: string) => void,
  ) {
    this.packet = new SourcePacket(config.codec?.name);
    rtp?.onMessage((msg) => this.ingest(msg));
    rtcp?.onMessage((_msg, from) => {
      this.latched ??= { address: from.address, port: from.port };
    });
  }

  /** Makes this a simulcast stream: the main socket is substream 0, these are substreams 1 and 2. */
  addLayers(sockets: readonly UdpEndpoint[]): void {
    this.rtp?.onMessage((msg) => this.ingest(msg, 0));
    sockets.forEach((s, i) => {
      this.layers.push(s);
      s.onMessage((msg) => this.ingest(msg, i + 1));
    });
  }

  /** A datagram from the source (the socket's, or a file player's); `layer` for simulcast substreams. */
  ingest(msg: Buffer, layer?: number): void {
    if (this.srtp && this.config.type !== 'data') {
      const r = this.srtp.unprotect(msg);
      if (typeof r === 'string') {
        this.srtpRefused++;
        if (!this.srtpLogged) {
          this.srtpLogged = true;
          this.warn(`stream ${this.config.mid}: dropping SRTP packets that fail to ${r === 'auth' ? 'authenticate (wrong key?)' : r === 'replay' ? 'pass the replay check' : 'parse'} (logged once)`);
        }
        return;
      }
      msg = r;
    }
    const p = this.packet;
    if (this.config.type !== 'data') {
      if (looksLikeRtcpReport(msg) || !p.load(msg, layer ?? -1)) {
        this.garbage++;
        if (!this.garbageLogged) {
          this.garbageLogged = true;
          this.warn(`stream ${this.config.mid}: dropping datagrams that are not RTP (logged once)`);
        }
        return;
      }
      if (layer === undefined && this.activeSsrc !== p.header.ssrc) {
        if (this.activeSsrc !== -1 && this.collisionMs > 0 && Date.now() - this.lastPacketAt < this.collisionMs) {
          this.collisions++;
          return;
        }
        this.activeSsrc = p.header.ssrc;
      }
      this.lastSsrc = p.header.ssrc;
      if (layer === undefined) this.keyframes?.add(msg, p.header.headerLength, Date.now());
    } else {
      p.load(msg);
      this.lastMessage?.add(msg);
    }
    const now = Date.now();
    this.packets++;
    this.bytes += msg.length;
    this.lastPacketAt = now;
    if (now - this.windowAt >= RATE_WINDOW_MS) {
      this.windowRate = this.windowAt === 0 ? 0 : ((this.bytes - this.windowBytes) * 1000) / (now - this.windowAt);
      this.windowAt = now;
      this.windowBytes = this.bytes;
    }
    // A simulcast recording keeps the main port's layer only: interleaved layers would not play back.
    if (!layer) this.recorder?.write(msg);
    this.deliver(this, p);
  }

  /** Gives a viewer who just started what it would otherwise wait for (see join-buffer.ts). */
  replayTo(sink: StreamSink): void {
    for (const p of this.keyframes?.contents ?? []) this.playTo(sink, p);
    for (const m of this.lastMessage?.contents ?? []) this.playTo(sink, m);
  }

  /** Hands one viewer a packet of this stream that is its alone (a replay, its own on-demand playback). */
  playTo(sink: StreamSink, packet: Buffer): void {
    this.packet.load(packet);
    sink.receive(this, this.packet);
  }

  /** Whether the source sends substreams (three sockets, or a simulcasting WebRTC publisher). */
  get simulcast(): boolean {
    return this.layers.length === 2 || this.peerSimulcast;
  }

  /** Asks the source for a keyframe: its WebRTC publisher, the node that feeds this copy, or a PLI to the latched address once it sent. */
  requestKeyframe(): void {
    if (this.uplink) this.uplink.handle.requestKeyframe(this.uplink.mid);
    else if (this.keyframeVia) this.keyframeVia();
    else if (this.lastSsrc !== 0) this.sendRtcp(buildPli(1, this.lastSsrc));
  }

  /** Sends RTCP (a PLI) to the latched source address, if any. */
  sendRtcp(packet: Buffer): void {
    const to = this.latched;
    if (!to || !this.rtcp) return;
    const out = this.srtcp ? this.srtcp.protect(packet) : packet;
    if (out) this.rtcp.send(out, to.port, destinationFor(to.address, this.rtcp.family));
  }

  /** Bytes per second (its bitrate / 8) the source sent over its last window of at least a second; 0 once it was silent for two. */
  get byteRate(): number {
    return this.lastPacketAt === 0 || Date.now() - this.lastPacketAt > 2 * RATE_WINDOW_MS ? 0 : this.windowRate;
  }

  ageMs(): number | undefined {
    return this.lastPacketAt === 0 ? undefined : Date.now() - this.lastPacketAt;
  }

  /** Closes the sockets and the recorder now (the recording is on disk when this returns). */
  close(): void {
    this.recorder?.close();
    this.recorder = undefined;
    for (const s of [this.rtp, this.rtcp, ...this.layers]) void s?.close();
  }
}

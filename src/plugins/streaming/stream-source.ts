// One stream of a mountpoint: RTP/data received on UDP sockets of the network layer (or played from a file),
// checked (SRTP, RTP header, SSRC collision), recorded and kept for joining viewers, then handed on.
import type { BoundUdpSocket } from '../../net/network.js';
import { destinationFor } from '../../net/address.js';
import type { CodecInfo } from './codecs.js';
import type { SrtcpProtector } from '../../rtp/srtp/srtcp-protector.js';
import type { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import type { MjrRecorder } from '../rtp/mjr-recorder.js';
import type { KeyframeBuffer, LastMessageBuffer } from './join-buffer.js';
import { looksLikeRtcp, parseRtpHeader } from '../rtp/rtp-header.js';

export interface StreamConfig {
  readonly type: 'audio' | 'video' | 'data';
  readonly mid: string;
  readonly label: string;
  readonly pt?: number;
  readonly codec?: CodecInfo;
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
  /** `layer`: the simulcast substream the packet belongs to (undefined without simulcast). */
  receive(stream: StreamSource, packet: Buffer, layer?: number): void;
}

export class StreamSource {
  packets = 0;
  garbage = 0;
  lastPacketAt = 0;
  lastSsrc = 0;
  /** Where RTCP to the source (PLI) goes: the first sender seen on the RTCP socket. */
  latched: { address: string; port: number } | undefined;
  private garbageLogged = false;
  /** Simulcast video: the sockets of substreams 1 and 2 (the main socket carries substream 0). */
  readonly layers: BoundUdpSocket[] = [];
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

  constructor(
    readonly config: StreamConfig,
    /** The socket the source sends to; undefined for a stream fed from a file. */
    readonly rtp: BoundUdpSocket | undefined,
    readonly rtcp: BoundUdpSocket | undefined,
    private readonly deliver: (stream: StreamSource, packet: Buffer, layer?: number) => void,
    private readonly warn: (msg: string) => void,
  ) {
    rtp?.socket.on('message', (msg) => this.ingest(msg));
    rtcp?.socket.on('message', (_msg, rinfo) => {
      this.latched ??= { address: rinfo.address, port: rinfo.port };
    });
  }

  /** Makes this a simulcast stream: the main socket is substream 0, these are substreams 1 and 2. */
  addLayers(sockets: readonly BoundUdpSocket[]): void {
    this.rtp?.socket.removeAllListeners('message');
    this.rtp?.socket.on('message', (msg) => this.ingest(msg, 0));
    sockets.forEach((s, i) => {
      this.layers.push(s);
      s.socket.on('message', (msg) => this.ingest(msg, i + 1));
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
    if (this.config.type !== 'data') {
      const h = looksLikeRtcp(msg) ? undefined : parseRtpHeader(msg);
      if (!h) {
        this.garbage++;
        if (!this.garbageLogged) {
          this.garbageLogged = true;
          this.warn(`stream ${this.config.mid}: dropping datagrams that are not RTP (logged once)`);
        }
        return;
      }
      if (layer === undefined && this.activeSsrc !== h.ssrc) {
        if (this.activeSsrc !== -1 && this.collisionMs > 0 && Date.now() - this.lastPacketAt < this.collisionMs) {
          this.collisions++;
          return;
        }
        this.activeSsrc = h.ssrc;
      }
      this.lastSsrc = h.ssrc;
      if (layer === undefined) this.keyframes?.add(msg, h.headerLength, Date.now());
    } else this.lastMessage?.add(msg);
    this.packets++;
    this.lastPacketAt = Date.now();
    // A simulcast recording keeps the main port's layer only: interleaved layers would not play back.
    if (!layer) this.recorder?.write(msg);
    this.deliver(this, msg, layer);
  }

  /** Gives a viewer who just started what it would otherwise wait for (see join-buffer.ts). */
  replayTo(sink: StreamSink): void {
    for (const p of this.keyframes?.contents ?? []) sink.receive(this, p);
    for (const m of this.lastMessage?.contents ?? []) sink.receive(this, m);
  }

  /** Sends RTCP (a PLI) to the latched source address, if any. */
  sendRtcp(packet: Buffer): void {
    const to = this.latched;
    if (!to || !this.rtcp) return;
    const out = this.srtcp ? this.srtcp.protect(packet) : packet;
    if (out) this.rtcp.socket.send(out, to.port, destinationFor(to.address, this.rtcp.family));
  }

  ageMs(): number | undefined {
    return this.lastPacketAt === 0 ? undefined : Date.now() - this.lastPacketAt;
  }

  /** Closes the sockets and the recorder now (the recording is on disk when this returns). */
  close(): void {
    this.recorder?.close();
    this.recorder = undefined;
    for (const s of [this.rtp, this.rtcp, ...this.layers]) {
      try {
        s?.socket.close();
      } catch {
        // already closed
      }
    }
  }
}

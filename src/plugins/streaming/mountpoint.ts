// A mountpoint: RTP/data streams received on UDP sockets of the network layer, and the viewers watching them.
import type { BoundUdpSocket } from '../../net/network.js';
import { destinationFor } from '../../net/address.js';
import type { AudioFrames } from './audio-file.js';
import type { CodecInfo } from './codecs.js';
import type { FilePlayer } from './file-player.js';
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
}

/** What the fan-out needs from a viewer. */
export interface StreamSink {
  receive(stream: StreamSource, packet: Buffer): void;
}

export class StreamSource {
  packets = 0;
  garbage = 0;
  lastPacketAt = 0;
  lastSsrc = 0;
  /** Where RTCP to the source (PLI) goes: the first sender seen on the RTCP socket. */
  latched: { address: string; port: number } | undefined;
  private garbageLogged = false;

  constructor(
    readonly config: StreamConfig,
    /** The socket the source sends to; undefined for a stream fed from a file. */
    readonly rtp: BoundUdpSocket | undefined,
    readonly rtcp: BoundUdpSocket | undefined,
    private readonly deliver: (stream: StreamSource, packet: Buffer) => void,
    private readonly warn: (msg: string) => void,
  ) {
    rtp?.socket.on('message', (msg) => this.ingest(msg));
    rtcp?.socket.on('message', (_msg, rinfo) => {
      this.latched ??= { address: rinfo.address, port: rinfo.port };
    });
  }

  /** A datagram from the source (the socket's, or a file player's). */
  ingest(msg: Buffer): void {
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
      this.lastSsrc = h.ssrc;
    }
    this.packets++;
    this.lastPacketAt = Date.now();
    this.deliver(this, msg);
  }

  /** Sends RTCP (a PLI) to the latched source address, if any. */
  sendRtcp(packet: Buffer): void {
    const to = this.latched;
    if (!to || !this.rtcp) return;
    this.rtcp.socket.send(packet, to.port, destinationFor(to.address, this.rtcp.family));
  }

  ageMs(): number | undefined {
    return this.lastPacketAt === 0 ? undefined : Date.now() - this.lastPacketAt;
  }

  close(): void {
    for (const s of [this.rtp, this.rtcp]) {
      try {
        s?.socket.close();
      } catch {
        // already closed
      }
    }
  }
}

export interface MountpointSettings {
  readonly id: number;
  name: string;
  description: string;
  metadata?: string;
  secret?: string;
  pin?: string;
  isPrivate: boolean;
  readonly legacy: boolean;
}

/** What a `live` or `ondemand` mountpoint plays. */
export interface FileSettings {
  readonly kind: 'live' | 'ondemand';
  readonly filename: string;
  readonly audio: AudioFrames;
  readonly pt: number;
  /** The shared player of a `live` mountpoint. */
  player?: FilePlayer;
}

export class Mountpoint {
  enabled = true;
  readonly streams: StreamSource[] = [];
  readonly viewers = new Set<StreamSink>();

  constructor(readonly settings: MountpointSettings) {}

  get id(): number {
    return this.settings.id;
  }

  /** Hands a source packet to every viewer; a disabled mountpoint relays nothing. */
  fanOut(stream: StreamSource, packet: Buffer): void {
    if (!this.enabled) return;
    for (const v of this.viewers) v.receive(stream, packet);
  }

  /** Set for file mountpoints (`live`, `ondemand`). */
  file: FileSettings | undefined;

  close(): void {
    this.file?.player?.stop();
    for (const s of this.streams) s.close();
  }
}

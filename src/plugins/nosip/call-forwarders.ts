// RTP forwarders of a NoSIP call (`rtp_forward`, `stop_rtp_forward`, `listforwarders`): copies of one of the
// call's four streams (the user's audio or video, the peer's audio or video) sent as RTP, or SRTP with the key
// given, to any address, with the payload type and SSRC asked for. All the forwarders of a call share one socket
// from the network layer (dual-stack where IPv6 exists, IPv4 where it does not); they end with the call.
import { destinationFor, type JsonObject, type Network, type UdpEndpoint } from '../../plugin-api/index.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../rtp/srtp/srtp-protector.js';

export const FORWARDED_STREAMS = ['audio', 'video', 'peer_audio', 'peer_video'] as const;
export type ForwardedStream = (typeof FORWARDED_STREAMS)[number];

/** What a forwarder sends where, once its host is an address. */
export interface ForwarderSpec {
  readonly stream: ForwardedStream;
  readonly host: string;
  readonly port: number;
  /** Rewritten into every packet when given (non-zero). */
  readonly pt?: number;
  readonly ssrc?: number;
  /** SRTP: the tag length (32 or 80 bits) and the base64 of a 16-byte key and a 14-byte salt. */
  readonly srtp?: { readonly suite: 32 | 80; readonly master: Buffer };
}

const MAX_PACKET = 1500;

class Forwarder {
  private readonly out = Buffer.alloc(MAX_PACKET + 16);
  private readonly protectedOut = Buffer.alloc(MAX_PACKET + 16);
  private readonly protector: SrtpRtpProtector | undefined;
  private readonly tagLength: number;
  private roc = 0;
  private highest = -1;
  packets = 0;

  constructor(
    readonly id: number,
    readonly spec: ForwarderSpec,
    private readonly destination: string,
  ) {
    const m = spec.srtp?.master;
    this.protector = m ? new SrtpRtpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, m.subarray(0, 16), m.subarray(16, 30))) : undefined;
    this.tagLength = spec.srtp?.suite === 32 ? 4 : 10;
  }

  send(socket: UdpEndpoint, packet: Buffer): void {
    const len = packet.length;
    if (len < 12 || len > MAX_PACKET) return;
    const out = this.out;
    packet.copy(out, 0, 0, len);
    const s = this.spec;
    if (s.pt !== undefined) out[1] = (out[1] & 0x80) | (s.pt & 0x7f);
    if (s.ssrc !== undefined) out.writeUInt32BE(s.ssrc >>> 0, 8);
    this.packets++;
    if (!this.protector) {
      socket.sendPrefix(out, len, s.port, this.destination);
      return;
    }
    const seq = out.readUInt16BE(2);
    if (this.highest > 0xf000 && seq < 0x1000) this.roc++;
    if (this.highest < 0 || ((seq - this.highest) & 0xffff) < 0x8000) this.highest = seq;
    if (this.protector.protectInto(out, len, this.roc, this.protectedOut) < 0) return;
    socket.sendPrefix(this.protectedOut, len + this.tagLength, s.port, this.destination);
  }

  describe(): JsonObject {
    const s = this.spec;
    const out: JsonObject = { stream_id: this.id, type: s.stream, host: s.host, port: s.port, media: s.stream.endsWith('audio') ? 'audio' : 'video' };
    if (s.ssrc !== undefined) out.ssrc = s.ssrc;
    if (s.pt !== undefined) out.pt = s.pt;
    out.srtp = s.srtp !== undefined;
    return out;
  }
}

export class CallForwarders {
  private socket: UdpEndpoint | undefined;
  private opening: Promise<UdpEndpoint> | undefined;
  private readonly all = new Map<number, Forwarder>();
  /** Per stream, the forwarders that take it (the hot path walks these). */
  private readonly byStream: Record<ForwardedStream, Forwarder[]> = { audio: [], video: [], peer_audio: [], peer_video: [] };
  private closed = false;

  constructor(
    private readonly network: Network,
    private readonly what: string,
    private readonly nextId: () => number,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** Adds forwarders (their hosts already addresses); rejects when the socket cannot be opened. */
  async add(specs: readonly ForwarderSpec[]): Promise<JsonObject[]> {
    const socket = await this.open();
    if (this.closed) return [];
    return specs.map((spec) => {
      const f = new Forwarder(this.nextId(), spec, destinationFor(spec.host, socket.family));
      this.all.set(f.id, f);
      this.byStream[spec.stream].push(f);
      return f.describe();
    });
  }

  /** False when no forwarder has that id. */
  stop(id: number): boolean {
    const f = this.all.get(id);
    if (!f) return false;
    this.all.delete(id);
    const list = this.byStream[f.spec.stream];
    list.splice(list.indexOf(f), 1);
    return true;
  }

  list(): JsonObject[] {
    return [...this.all.values()].map((f) => f.describe());
  }

  /** The hot path: a packet of one of the call's streams (lent; copied by each forwarder). */
  forward(stream: ForwardedStream, packet: Buffer): void {
    const socket = this.socket;
    if (!socket) return;
    const list = this.byStream[stream];
    for (let i = 0; i < list.length; i++) list[i].send(socket, packet);
  }

  /** Every forwarder goes, and the socket with them (the call ended). */
  clear(): void {
    this.all.clear();
    for (const k of FORWARDED_STREAMS) this.byStream[k].length = 0;
  }

  close(): void {
    this.closed = true;
    this.clear();
    void this.socket?.close();
    this.socket = undefined;
  }

  private async open(): Promise<UdpEndpoint> {
    if (this.socket) return this.socket;
    this.opening ??= this.network.openUdp({ what: this.what });
    const socket = await this.opening;
    this.opening = undefined;
    if (this.closed) {
      void socket.close();
      return socket;
    }
    socket.onError(() => undefined);
    this.socket = socket;
    return socket;
  }
}

// A forwarder of a room's mix (`rtp_forward`, or the `rtp_forward_*` keys of a configured room): the whole mix
// or one group's, encoded once per frame (Opus at the room's rate, or G.711), sent as plain RTP or SRTP with its
// own SSRC, payload type, sequence numbers and timestamps. Every forwarder of a room shares one socket, opened by
// the network layer (dual-stack where IPv6 exists, IPv4 where it does not).
import { destinationFor, type JsonObject, type UdpEndpoint } from '../../plugin-api/index.js';
import type { SrtpSender } from '../srtp-settings.js';
import { rtpClock, type AudioCodec } from './audio-codec.js';
import type { EncoderSettings } from './mix-encoder.js';
import type { MixFrameInfo } from './mixer.js';
import type { MixForwarderLike } from './room.js';

export interface MixForwarderTarget {
  readonly host: string;
  readonly port: number;
  readonly ssrc: number;
  readonly ptype: number;
  readonly codec: AudioCodec;
  readonly group: string | undefined;
  readonly alwaysOn: boolean;
  readonly srtp: SrtpSender | undefined;
}

export class MixForwarder implements MixForwarderLike {
  packets = 0;
  readonly encoder: EncoderSettings;
  private readonly destination: string;
  private readonly packet = Buffer.alloc(1500);
  private seq = 0;
  private timestamp = 0;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly socket: UdpEndpoint,
    readonly target: MixForwarderTarget,
    encoder: EncoderSettings,
  ) {
    this.destination = destinationFor(target.host, socket.family);
    this.encoder = encoder;
  }

  get group(): string | undefined {
    return this.target.group;
  }

  get alwaysOn(): boolean {
    return this.target.alwaysOn;
  }

  receive(_pcm: Int16Array, _samples: number, payload: Buffer | undefined, _frame: MixFrameInfo): void {
    if (this.closed || !payload || payload.length > this.packet.length - 32) return;
    const p = this.packet;
    p[0] = 0x80;
    p[1] = this.target.ptype & 0x7f;
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.timestamp >>> 0, 4);
    p.writeUInt32BE(this.target.ssrc >>> 0, 8);
    payload.copy(p, 12);
    const len = 12 + payload.length;
    const roc = Math.floor(this.packets / 0x10000);
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + rtpClock(this.target.codec) / 50) % 0x100000000;
    this.packets++;
    const srtp = this.target.srtp;
    if (srtp) {
      const protectedPacket = srtp.protector.protect(p, len, roc);
      if (protectedPacket) this.socket.sendPrefix(protectedPacket, len + srtp.tagLength, this.target.port, this.destination);
      return;
    }
    this.socket.sendPrefix(p, len, this.target.port, this.destination);
  }

  describe(): JsonObject {
    const t = this.target;
    const out: JsonObject = { stream_id: this.id };
    if (t.group !== undefined) out.group = t.group;
    Object.assign(out, { ip: t.host, port: t.port, ssrc: t.ssrc, codec: t.codec, ptype: t.ptype, srtp: t.srtp !== undefined, always_on: t.alwaysOn });
    return out;
  }

  close(): void {
    this.closed = true;
  }
}

// How a TURN client talks to its server: datagrams over UDP, or a byte stream over TCP or TLS (RFC 5766 §2.1,
// nat.turn_type), where messages are framed by their own lengths and ChannelData is padded to 4 bytes (§11.5).
import type { TcpConnection } from '../net/network.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';

export interface TurnServerLink {
  readonly family: 4 | 6;
  /** Our address on the link (for messages). */
  readonly localAddress: string;
  /** Sends one STUN message or ChannelData message given in parts. */
  send(parts: readonly Buffer[]): void;
  /** Every message from the server, one at a time. */
  onMessage: (msg: Buffer) => void;
  onError: (err: Error) => void;
  close(): Promise<void>;
}

/** UDP: one datagram per message; datagrams from anyone but the server are ignored. */
export class UdpTurnLink implements TurnServerLink {
  onMessage: (msg: Buffer) => void = () => {};
  onError: (err: Error) => void = () => {};

  constructor(
    private readonly bound: UdpEndpoint,
    private readonly server: { readonly address: string; readonly port: number },
  ) {
    bound.onMessage((data, from) => {
      if (from.port === server.port && from.address === server.address) this.onMessage(data);
    });
    bound.onError((err) => this.onError(err));
  }

  get family(): 4 | 6 {
    return this.bound.family;
  }
  get localAddress(): string {
    return this.bound.address;
  }

  send(parts: readonly Buffer[]): void {
    this.bound.sendParts(parts, this.server.port, this.server.address);
  }

  close(): Promise<void> {
    return this.bound.close();
  }
}

/**
 * The length of the first complete message at the start of `buf` on a stream link, 0 when more bytes are
 * needed, -1 when the bytes are neither STUN nor ChannelData (the stream is then unusable).
 */
export function streamMessageLength(buf: Buffer): number {
  if (buf.length < 4) return 0;
  const kind = buf[0] >> 6;
  const len = buf.readUInt16BE(2);
  let total: number;
  if (kind === 0)
    total = 20 + len; // STUN (its length is a multiple of 4)
  else if (kind === 1)
    total = 4 + ((len + 3) & ~3); // ChannelData, padded on streams
  else return -1;
  return buf.length >= total ? total : 0;
}

/** TCP or TLS: messages framed by their lengths; ChannelData padded to a multiple of 4. */
export class StreamTurnLink implements TurnServerLink {
  onMessage: (msg: Buffer) => void = () => {};
  onError: (err: Error) => void = () => {};
  private pending: Buffer = Buffer.alloc(0);
  private static readonly PAD = Buffer.alloc(3);

  constructor(
    private readonly socket: TcpConnection,
    readonly family: 4 | 6,
  ) {
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err) => this.onError(err));
  }

  get localAddress(): string {
    return this.socket.localAddress ?? '';
  }

  send(parts: readonly Buffer[]): void {
    if (this.socket.destroyed) return;
    let length = 0;
    for (const p of parts) length += p.length;
    const pad = (4 - (length & 3)) & 3;
    this.socket.write(parts.length === 1 && pad === 0 ? parts[0] : Buffer.concat(pad > 0 ? [...parts, StreamTurnLink.PAD.subarray(0, pad)] : [...parts]));
  }

  close(): Promise<void> {
    // Let a last message (the Refresh that gives the allocation back) go out first.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
    return Promise.resolve();
  }

  private received(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const n = streamMessageLength(this.pending);
      if (n < 0) {
        this.onError(new Error('the TURN server sent bytes that are neither STUN nor ChannelData'));
        this.socket.destroy();
        return;
      }
      if (n === 0) return;
      const msg = this.pending.subarray(0, n);
      this.pending = this.pending.subarray(n);
      this.onMessage(msg);
    }
  }
}

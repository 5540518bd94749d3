// One ICE-TCP connection (RFC 6544, passive side): RFC 4571 frames in, frames out. It belongs to no PeerConnection
// until its first frame proves one's credentials (shared-tcp-port.ts decides); its writes are bounded, so a peer
// that stops reading loses packets instead of growing our memory.
import type { TcpConnection } from '../net/network.js';
import type { UdpSource } from '../net/udp-endpoint.js';
import { frame, frameParts, FrameReader, MAX_FRAME } from './stream-framing.js';

/** Bytes a connection may have waiting in its send queue; media beyond it is dropped (and counted). */
export const MAX_QUEUED_BYTES = 1024 * 1024;

export interface TcpLinkOwner {
  deliver(data: Buffer, from: UdpSource): void;
  detach(link: TcpIceLink): void;
}

export class TcpIceLink {
  /** The remote end, as werift's pairs know it (a TCP peer looks like one more remote address). */
  readonly from: UdpSource;
  owner: TcpLinkOwner | undefined;
  /** Packets not written because the connection's send queue was full. */
  dropped = 0;
  private readonly reader = new FrameReader();
  private isClosed = false;

  constructor(
    private readonly socket: TcpConnection,
    private readonly onFrame: (data: Buffer, link: TcpIceLink) => void,
    private readonly onClose: (link: TcpIceLink) => void,
  ) {
    this.from = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.closed());
    // Errors (a reset peer, say) end in 'close'; the network put a listener on already.
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  send(packet: Buffer, length: number): void {
    if (this.isClosed || length > MAX_FRAME) return;
    if (this.socket.writableLength > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    this.socket.write(frame(packet, length));
  }

  sendParts(parts: readonly Buffer[]): void {
    if (this.isClosed) return;
    if (this.socket.writableLength > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    let length = 0;
    for (const p of parts) length += p.length;
    if (length <= MAX_FRAME) this.socket.write(frameParts(parts));
  }

  close(): void {
    if (this.isClosed) return;
    this.socket.destroy();
    this.closed();
  }

  private receive(chunk: Buffer): void {
    for (const data of this.reader.push(chunk)) {
      if (this.isClosed) return;
      this.onFrame(data, this);
    }
  }

  private closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.owner?.detach(this);
    this.owner = undefined;
    this.onClose(this);
  }
}

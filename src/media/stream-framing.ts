// RFC 4571 framing, as ICE-TCP (RFC 6544) carries STUN, DTLS, RTP and RTCP over a TCP connection: each packet
// preceded by its length in 16 bits, big-endian. The reader keeps at most one partial frame (65 537 bytes), so
// whatever a peer writes costs bounded memory. Pure: no sockets, no timers.

/** The largest packet a frame can carry. */
export const MAX_FRAME = 0xffff;

export class FrameReader {
  /** Bytes of an incomplete frame (length prefix included), when a chunk ended inside one. */
  private partial: Buffer | undefined;

  /** Bytes held back for the next chunk. */
  get buffered(): number {
    return this.partial?.length ?? 0;
  }

  /**
   * The complete frames in what arrived so far, in order (views into the chunk where they lie whole in it, so
   * a caller that keeps one must copy it). Zero-length frames carry nothing and are skipped.
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let data = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let at = 0;
    while (data.length - at >= 2) {
      const length = data.readUInt16BE(at);
      if (data.length - at - 2 < length) break;
      if (length > 0) frames.push(data.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
    // A copy: the chunk's memory belongs to the stream and may be reused.
    if (at < data.length) this.partial = Buffer.from(data.subarray(at));
    return frames;
  }
}

/** packet[0, length) as one frame (a new buffer: TCP writes may hold it until later). */
export function frame(packet: Buffer, length = packet.length): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_FRAME || length > packet.length) throw new RangeError(`cannot frame ${length} bytes`);
  const out = Buffer.allocUnsafe(length + 2);
  out.writeUInt16BE(length, 0);
  packet.copy(out, 2, 0, length);
  return out;
}

/** The concatenation of parts as one frame. */
export function frameParts(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  if (length > MAX_FRAME) throw new RangeError(`cannot frame ${length} bytes`);
  const out = Buffer.allocUnsafe(length + 2);
  out.writeUInt16BE(length, 0);
  let at = 2;
  for (const p of parts) at += p.copy(out, at);
  return out;
}

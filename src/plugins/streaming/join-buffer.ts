// What a viewer who joins a running stream is given at once, before live packets: the last keyframe of a video
// stream and the packets after it (Janus's bufferkf, bounded by bufferkf_ms / bufferkf_bytes), so the picture
// appears without waiting for the next keyframe; or the last message of a data stream (buffermsg).

export interface KeyframeBufferLimits {
  readonly maxMs: number;
  readonly maxBytes: number;
}

export class KeyframeBuffer {
  private packets: Buffer[] = [];
  private bytes = 0;
  private startedAt = 0;
  /** Past a limit: nothing more is kept until the next keyframe. */
  private full = true;

  constructor(
    private readonly isKeyframeStart: (payload: Buffer) => boolean,
    private readonly limits: KeyframeBufferLimits,
  ) {}

  /** Notes a packet of the stream (`headerLength`: where its payload starts); copies what it keeps. */
  add(packet: Buffer, headerLength: number, now: number): void {
    if (this.isKeyframeStart(packet.subarray(headerLength))) {
      this.packets = [];
      this.bytes = 0;
      this.startedAt = now;
      this.full = false;
    }
    if (this.full) return;
    if (this.bytes + packet.length > this.limits.maxBytes || now - this.startedAt > this.limits.maxMs) {
      this.full = true;
      return;
    }
    this.packets.push(Buffer.from(packet));
    this.bytes += packet.length;
  }

  /** The kept packets, oldest first (empty before the first keyframe). */
  get contents(): readonly Buffer[] {
    return this.packets;
  }
}

export class LastMessageBuffer {
  private last: Buffer | undefined;

  add(message: Buffer): void {
    this.last = Buffer.from(message);
  }

  get contents(): readonly Buffer[] {
    return this.last ? [this.last] : [];
  }
}

// What a viewer who joins a running stream is given at once, before live packets: the last keyframe of a video
// stream and the packets after it (Janus's bufferkf, bounded by bufferkf_ms / bufferkf_bytes), so the picture
// appears without waiting for the next keyframe; or the last message of a data stream (buffermsg). A copy of
// another node's mountpoint keeps its own (docs/cluster.md), made by the same rule.
import { keyframeTest } from '../../forwarding/keyframe.js';
import type { MountpointSettings } from './mountpoint.js';
import type { StreamSource } from './stream-source.js';

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

  /** Forgets what is kept (a copy no longer fed: what it kept goes stale). */
  clear(): void {
    this.packets = [];
    this.bytes = 0;
    this.full = true;
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

  clear(): void {
    this.last = undefined;
  }
}

/** Gives a stream the buffers its settings ask for (a simulcast stream keeps no keyframe: its layers interleave). */
export function addJoinBuffers(source: StreamSource, s: MountpointSettings, simulcast: boolean): void {
  const config = source.config;
  const isKeyframeStart = keyframeTest(config.codec?.name);
  if (config.type === 'video' && !simulcast && isKeyframeStart && (config.bufferKeyframe || s.bufferkfMs > 0 || s.bufferkfBytes > 0)) {
    source.keyframes = new KeyframeBuffer(isKeyframeStart, { maxMs: s.bufferkfMs || 5000, maxBytes: s.bufferkfBytes || 1024 * 1024 });
  }
  if (config.type === 'data' && config.bufferMessage) source.lastMessage = new LastMessageBuffer();
}

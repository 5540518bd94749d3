// Who is talking (an AudioBridge or VideoRoom room's `audiolevel_event`): the audio level a sender writes into each packet
// (RFC 6464, 0 = loudest, 127 = silence, in -dBov) is averaged over a window of packets; an average below the
// threshold starts "talking", one above it stops it.

export type TalkingChange = 'talking' | 'stopped-talking';

export class TalkingDetector {
  talking = false;
  private sum = 0;
  private count = 0;
  /** The last window's average level (-dBov). */
  lastAverage = 127;

  constructor(
    /** Packets per window (`audio_active_packets`). */
    private readonly windowPackets: number,
    /** Average level below which the publisher talks (`audio_level_average`). */
    private readonly threshold: number,
  ) {}

  /** One packet's level (0-127); returns a change when a window closes with one. */
  add(level: number): TalkingChange | undefined {
    this.sum += level & 0x7f;
    this.count++;
    if (this.count < Math.max(1, this.windowPackets)) return undefined;
    const average = this.sum / this.count;
    this.sum = 0;
    this.count = 0;
    this.lastAverage = average;
    const now = average < this.threshold;
    if (now === this.talking) return undefined;
    this.talking = now;
    return now ? 'talking' : 'stopped-talking';
  }
}

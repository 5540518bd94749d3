// Plays the frames of an audio file as RTP in real time, looping at the end (as Janus's file mountpoints do).
// One player feeds everybody on a `live` mountpoint; each viewer of an `ondemand` one gets a player of its own.
import { randomInt } from 'node:crypto';
import type { AudioFrames } from '../../audio/audio-file.js';

const TICK_MS = 10;
/** After a stall longer than this (a busy event loop), playback resumes at "now" rather than bursting. */
const MAX_CATCH_UP_MS = 200;

export class FilePlayer {
  private timer: NodeJS.Timeout | undefined;
  private index = 0;
  private seq = randomInt(0, 0x10000);
  private ts = randomInt(0, 0x100000000);
  private readonly ssrc = randomInt(1, 0x100000000);
  private nextDue = 0;
  private first = true;
  /** Packets sent so far. */
  sent = 0;

  constructor(
    private readonly audio: AudioFrames,
    private readonly pt: number,
    private readonly emit: (packet: Buffer) => void,
  ) {}

  get playing(): boolean {
    return this.timer !== undefined;
  }

  /** Starts, or resumes where a pause left off. */
  start(): void {
    if (this.timer) return;
    this.nextDue = performance.now();
    this.first = true;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.pause();
  }

  private tick(): void {
    const now = performance.now();
    if (now - this.nextDue > MAX_CATCH_UP_MS) this.nextDue = now;
    const { frames, durations, clockRate } = this.audio;
    while (this.nextDue <= now) {
      const frame = frames[this.index];
      const packet = Buffer.allocUnsafe(12 + frame.length);
      packet[0] = 0x80;
      packet[1] = (this.first ? 0x80 : 0) | this.pt;
      packet.writeUInt16BE(this.seq, 2);
      packet.writeUInt32BE(this.ts >>> 0, 4);
      packet.writeUInt32BE(this.ssrc >>> 0, 8);
      frame.copy(packet, 12);
      this.first = false;
      this.seq = (this.seq + 1) & 0xffff;
      this.ts = (this.ts + durations[this.index]) >>> 0;
      this.nextDue += (durations[this.index] * 1000) / clockRate;
      this.index = (this.index + 1) % frames.length;
      this.sent++;
      try {
        this.emit(packet);
      } catch {
        // a viewer's failure must not stop the playback of the others
      }
    }
  }
}

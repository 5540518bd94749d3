// An announcement (`play_file`): an Ogg Opus file read once, decoded frame by frame into the room's mix, once
// or in a loop, through the same queue and decoder a participant's packets take.
import { readFile } from 'node:fs/promises';
import { opusFrames } from '../../audio/audio-file.js';
import type { OpusRate } from '../../audio/opus-codec.js';
import { InboundAudio } from './inbound-audio.js';
import type { Announcement } from './room.js';

/** The largest announcement file read (bytes): an hour of 64 kbit/s Opus is about 29 MB. */
export const MAX_ANNOUNCEMENT_BYTES = 64 * 1024 * 1024;

export class FileAnnouncement implements Announcement {
  private next = 0;
  private seq = 0;
  private stopped = false;
  private readonly audio: InboundAudio;
  private ended = false;

  private constructor(
    readonly id: string,
    readonly group: string | undefined,
    /** The name the client gave. */
    readonly filename: string,
    private readonly packets: readonly Buffer[],
    readonly loop: boolean,
    rate: OpusRate,
    frameSamples: number,
  ) {
    this.audio = new InboundAudio('opus', rate, frameSamples, 0);
  }

  /** Reads and checks the file; throws (with a reason) when it is not Ogg Opus. */
  static async load(id: string, group: string | undefined, filename: string, path: string, loop: boolean, rate: OpusRate, frameSamples: number): Promise<FileAnnouncement> {
    const data = await readFile(path);
    if (data.length > MAX_ANNOUNCEMENT_BYTES) throw new Error(`larger than ${MAX_ANNOUNCEMENT_BYTES} bytes`);
    return new FileAnnouncement(id, group, filename, opusFrames(data).frames, loop, rate, frameSamples);
  }

  get done(): boolean {
    return this.stopped || this.ended;
  }

  take(out: Int16Array): boolean {
    if (this.done) return false;
    // Two packets ahead is enough whatever their length (Opus packets last 2.5 to 120 ms).
    while (this.audio.queued < 2) {
      if (this.next >= this.packets.length) {
        if (!this.loop) break;
        this.next = 0;
      }
      this.audio.push(this.seq, this.packets[this.next++]);
      this.seq = (this.seq + 1) & 0xffff;
    }
    if (this.audio.take(out)) return true;
    if (!this.loop && this.next >= this.packets.length) this.ended = true;
    return false;
  }

  stop(): void {
    this.stopped = true;
    this.audio.close();
  }
}

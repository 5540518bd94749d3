// A .wav recording of 16-bit PCM (an AudioBridge room's mix): the RIFF header is written first with the sizes
// unknown, and rewritten with them when the recording ends, so a file cut short by a crash is still readable.
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

export const WAV_HEADER_BYTES = 44;

/** The 44-byte header of a PCM .wav file holding `dataBytes` of samples. */
export function wavHeader(rate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff - 36, dataBytes), 40);
  return h;
}

export class WavRecorder {
  private readonly stream: WriteStream;
  private dataBytes = 0;
  private closed = false;
  /** Why writing failed, once it has. */
  failure: string | undefined;

  constructor(
    readonly path: string,
    readonly rate: number,
    readonly channels: number,
  ) {
    this.stream = createWriteStream(path, { flags: 'wx' });
    this.stream.on('error', (err) => (this.failure ??= err.message));
    this.stream.write(wavHeader(rate, channels, 0));
  }

  /** Appends `samples` interleaved samples (a copy is written, the array is the caller's again). */
  write(pcm: Int16Array, samples: number): void {
    if (this.closed || this.failure) return;
    const bytes = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) bytes.writeInt16LE(pcm[i], i * 2);
    this.dataBytes += bytes.length;
    this.stream.write(bytes);
  }

  /** Ends the file and writes its real sizes into the header. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.stream.end(resolve));
    if (this.failure) return;
    const file = await open(this.path, 'r+');
    try {
      await file.write(wavHeader(this.rate, this.channels, this.dataBytes), 0, WAV_HEADER_BYTES, 0);
    } finally {
      await file.close();
    }
  }
}

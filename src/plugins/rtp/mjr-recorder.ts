// Records RTP (or data channel messages) to a Janus .mjr file, the structured format Janus's janus-pp-rec turns
// into .opus/.webm/.mp4: "MJR00002", then (before the first frame) a length-prefixed JSON info header, then
// frames of "MEET" + milliseconds since the first frame + length + the packet (data frames also carry the
// wall-clock time in microseconds). Writes go through a buffered stream; a failing disk stops the recording
// with one log line and never reaches the media path.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type RecordedKind = 'audio' | 'video' | 'data';

const VIDEO_CODECS = new Set(['vp8', 'vp9', 'h264', 'av1', 'h265']);
const AUDIO_CODECS = new Set(['opus', 'multiopus', 'pcmu', 'pcma', 'g711', 'g722']);

/** What a codec name records as, or undefined when a .mjr cannot carry it. */
export function recordedKind(codec: string): RecordedKind | undefined {
  const c = codec.toLowerCase();
  if (VIDEO_CODECS.has(c)) return 'video';
  if (AUDIO_CODECS.has(c)) return 'audio';
  if (c === 'text' || c === 'binary') return 'data';
  return undefined;
}

export class MjrRecorder {
  /** The file written, with its .mjr extension. */
  readonly path: string;
  readonly kind: RecordedKind;
  frames = 0;
  private readonly out: WriteStream;
  private readonly created = Date.now() * 1000;
  private startedAt = -1;
  private failed = false;
  private closed = false;

  /** Opens `<base>.mjr` (folders created as needed); throws when the codec cannot be recorded or the file not opened. */
  constructor(
    base: string,
    private readonly codec: string,
    private readonly fmtp: string | undefined,
    private readonly onError: (message: string) => void,
  ) {
    const kind = recordedKind(codec);
    if (!kind) throw new Error(`codec '${codec}' cannot be recorded`);
    this.kind = kind;
    this.path = `${base}.mjr`;
    mkdirSync(dirname(this.path), { recursive: true });
    this.out = createWriteStream(this.path, { flags: 'wx' });
    this.out.on('error', (err) => {
      if (this.failed) return;
      this.failed = true;
      this.onError(`recording ${this.path} stopped: ${err.message}`);
    });
    this.out.write('MJR00002');
  }

  /** Appends one RTP packet (audio/video) or data message (data). */
  write(packet: Buffer): void {
    if (this.closed || this.failed || packet.length === 0 || packet.length > 0xffff - 8) return;
    const nowMs = performance.now();
    if (this.startedAt < 0) {
      this.startedAt = nowMs;
      const info: Record<string, unknown> = { t: this.kind[0], c: this.codec.toLowerCase() };
      if (this.fmtp) info.f = this.fmtp;
      info.s = this.created;
      info.u = Date.now() * 1000;
      const json = Buffer.from(JSON.stringify(info));
      const len = Buffer.alloc(2);
      len.writeUInt16BE(json.length, 0);
      this.out.write(Buffer.concat([len, json]));
    }
    const data = this.kind === 'data';
    const head = Buffer.allocUnsafe(10 + (data ? 8 : 0));
    head.write('MEET', 0, 'latin1');
    head.writeUInt32BE(Math.max(0, Math.floor(nowMs - this.startedAt)) >>> 0, 4);
    head.writeUInt16BE(packet.length + (data ? 8 : 0), 8);
    if (data) head.writeBigInt64BE(BigInt(Date.now()) * 1000n, 10);
    this.out.write(head);
    this.out.write(packet);
    this.frames++;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

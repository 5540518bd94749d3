// Records RTP (or data channel messages) to a Janus .mjr file, the structured format Janus's janus-pp-rec turns
// into .opus/.webm/.mp4: "MJR00002", then (before the first frame) a length-prefixed JSON info header, then
// frames of "MEET" + milliseconds since the first frame + length + the packet (data frames also carry the
// wall-clock time in microseconds); mjr-reader.ts reads it back.
//
// Every frame reaches the file whole or not at all: header, length and packet go out in ONE synchronous write,
// so a process that stops (SIGTERM, a crash, process.exit) between two packets leaves only whole frames, and
// close() is done when it returns. A short write (a full disk) is cut back to the last whole frame. A failing
// disk stops the recording with one log line and never reaches the media path.
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorText } from '../../logging/error-text.js';

export type RecordedKind = 'audio' | 'video' | 'data';

const VIDEO_CODECS = new Set(['vp8', 'vp9', 'h264', 'av1', 'h265']);
const AUDIO_CODECS = new Set(['opus', 'multiopus', 'pcmu', 'pcma', 'g711', 'g722']);

/** The file's first bytes: the .mjr magic with its version. */
export const MJR_MAGIC = 'MJR00002';
/** Every frame starts with this. */
export const MJR_FRAME_MAGIC = 'MEET';
/** "MEET", 32-bit milliseconds, 16-bit length. */
export const MJR_FRAME_HEADER_BYTES = 10;
/** A data frame's payload starts with the 64-bit wall-clock time in microseconds. */
export const MJR_DATA_TIME_BYTES = 8;
/** The 16-bit length field bounds a frame's payload (the data time included). */
export const MJR_MAX_FRAME_PAYLOAD = 0xffff;

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
  private fd: number | undefined;
  /** Bytes of the file known whole: where a short write is cut back to. */
  private size = 0;
  private readonly created = Date.now() * 1000;
  private startedAt = -1;

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
    const fd = openSync(this.path, 'wx');
    try {
      if (writeSync(fd, MJR_MAGIC, 0, 'latin1') !== MJR_MAGIC.length) throw new Error(`cannot write ${this.path}`);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.size = MJR_MAGIC.length;
  }

  /** Whether the file is still being written (not closed, no write failed). */
  get open(): boolean {
    return this.fd !== undefined;
  }

  /** Appends one RTP packet (audio/video) or data message (data); one that does not fit a frame is skipped. */
  write(packet: Buffer): void {
    const data = this.kind === 'data';
    const payload = packet.length + (data ? MJR_DATA_TIME_BYTES : 0);
    if (this.fd === undefined || packet.length === 0 || payload > MJR_MAX_FRAME_PAYLOAD) return;
    const nowMs = performance.now();
    // The info header goes out with the first frame, in the same write.
    const info = this.startedAt < 0 ? this.infoHeader() : undefined;
    if (this.startedAt < 0) this.startedAt = nowMs;
    const infoBytes = info ? 2 + info.length : 0;
    const out = Buffer.allocUnsafe(infoBytes + MJR_FRAME_HEADER_BYTES + payload);
    if (info) {
      out.writeUInt16BE(info.length, 0);
      info.copy(out, 2);
    }
    let at = infoBytes;
    out.write(MJR_FRAME_MAGIC, at, 'latin1');
    out.writeUInt32BE(Math.max(0, Math.floor(nowMs - this.startedAt)) >>> 0, at + 4);
    out.writeUInt16BE(payload, at + 8);
    at += MJR_FRAME_HEADER_BYTES;
    if (data) {
      out.writeBigInt64BE(BigInt(Date.now()) * 1000n, at);
      at += MJR_DATA_TIME_BYTES;
    }
    packet.copy(out, at);
    if (this.append(out)) this.frames++;
  }

  /** Closes the file; synchronous, so every frame written is in it when this returns. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch (err) {
      this.onError(`recording ${this.path}: closing failed: ${errorText(err)}`);
    }
  }

  private infoHeader(): Buffer {
    const info: Record<string, unknown> = { t: this.kind[0], c: this.codec.toLowerCase() };
    if (this.fmtp) info.f = this.fmtp;
    info.s = this.created;
    info.u = Date.now() * 1000;
    const json = Buffer.from(JSON.stringify(info));
    // The header's own length field is 16 bits: a fmtp that would not fit is left out.
    if (json.length <= 0xffff) return json;
    delete info.f;
    return Buffer.from(JSON.stringify(info));
  }

  /** One write of `bytes`; on failure the file is cut back to its last whole frame and the recording stops. */
  private append(bytes: Buffer): boolean {
    const fd = this.fd;
    if (fd === undefined) return false;
    let problem: string | undefined;
    try {
      const written = writeSync(fd, bytes, 0, bytes.length, this.size);
      if (written === bytes.length) {
        this.size += written;
        return true;
      }
      problem = `short write (${written} of ${bytes.length} bytes)`;
    } catch (err) {
      problem = errorText(err);
    }
    try {
      ftruncateSync(fd, this.size);
    } catch {
      // The file keeps a torn last frame, which a reader reports as such; nothing more can be done.
    }
    this.close();
    this.onError(`recording ${this.path} stopped: ${problem}`);
    return false;
  }
}

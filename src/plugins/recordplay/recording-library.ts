// The recordings the plugin knows: those its .nfo files in the recordings folder describe (read at start and on
// `update`), and those being made now. Each file's codec comes from its .mjr header.
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../../plugin-api/index.js';
import { errorText } from '../../logging/error-text.js';
import type { Logger } from '../../logging/logger.js';
import { readMjr, type MjrInfo } from '../mjr/mjr-reader.js';
import { resolveInside } from '../safe-path.js';
import { formatNfo, MAX_NFO_BYTES, parseNfo, type NfoRecording } from './nfo-file.js';

/** Enough of a file to hold its info header (at most 64 KiB in the format). */
const HEADER_PROBE_BYTES = 70 * 1024;

export interface MediaFile {
  /** As in the .nfo: relative to the folder, with `.mjr`. */
  readonly file: string;
  readonly codec: string;
  readonly fmtp?: string;
}

export interface Recording {
  readonly id: number;
  readonly name: string;
  readonly date: string;
  readonly audio?: MediaFile;
  readonly video?: MediaFile;
  /** Data channel messages; `textData` says whether they were text. */
  readonly data?: MediaFile;
  readonly textData: boolean;
  /** False while it is being recorded: not listed, not playable. */
  completed: boolean;
}

export class RecordingLibrary {
  private readonly recordings = new Map<number, Recording>();

  constructor(
    /** The folder the operator configured (`path`); the plugin's files and the clients' names stay inside it. */
    readonly folder: string,
    private readonly log: Logger,
  ) {}

  get(id: number): Recording | undefined {
    return this.recordings.get(id);
  }

  has(id: number): boolean {
    return this.recordings.has(id);
  }

  /** A recording that begins now (not listed until `complete`). */
  add(r: Recording): void {
    this.recordings.set(r.id, r);
  }

  /** The recording's files are closed: its .nfo is written and it is listed from now on. */
  async complete(r: Recording): Promise<void> {
    const nfo: NfoRecording = { id: r.id, name: r.name, date: r.date, audio: r.audio?.file, video: r.video?.file, data: r.data?.file };
    try {
      await writeFile(resolveInside(this.folder, `${r.id}.nfo`), formatNfo(nfo));
      r.completed = true;
    } catch (err) {
      this.log.error(`recordplay: cannot write the .nfo of recording ${r.id}: ${errorText(err)}`);
    }
  }

  /** Janus's `list`: completed recordings. */
  list(): JsonObject[] {
    const out: JsonObject[] = [];
    for (const r of this.recordings.values()) {
      if (!r.completed) continue;
      const entry: JsonObject = { id: r.id, name: r.name, date: r.date, audio: r.audio !== undefined };
      if (r.audio) entry.audio_codec = r.audio.codec;
      entry.video = r.video !== undefined;
      if (r.video) entry.video_codec = r.video.codec;
      entry.data = r.data !== undefined;
      out.push(entry);
    }
    return out;
  }

  /** Reads the folder again: new .nfo files are added, completed recordings whose .nfo went away are dropped. */
  async update(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.folder)).filter((n) => n.toLowerCase().endsWith('.nfo'));
    } catch (err) {
      this.log.warn(`recordplay: cannot read the recordings folder ${this.folder}: ${errorText(err)}`);
      return;
    }
    const seen = new Set<number>();
    for (const name of names) {
      const r = await this.readNfo(name);
      if (!r) continue;
      seen.add(r.id);
      if (!this.recordings.has(r.id)) this.recordings.set(r.id, r);
    }
    for (const [id, r] of this.recordings) if (r.completed && !seen.has(id)) this.recordings.delete(id);
  }

  /** The path of a recording's file, inside the folder whatever the .nfo says. */
  pathOf(f: MediaFile): string {
    return resolveInside(this.folder, f.file);
  }

  private async readNfo(name: string): Promise<Recording | undefined> {
    let text: string;
    try {
      const bytes = await readFile(join(this.folder, name));
      if (bytes.length > MAX_NFO_BYTES) throw new Error('too large for a .nfo');
      text = bytes.toString('utf8');
    } catch (err) {
      this.log.warn(`recordplay: skipping ${name}: ${errorText(err)}`);
      return undefined;
    }
    const nfo = parseNfo(text);
    if (typeof nfo === 'string') {
      this.log.warn(`recordplay: skipping ${name}: ${nfo}`);
      return undefined;
    }
    const audio = nfo.audio ? await this.probe(nfo.audio, 'audio') : undefined;
    const video = nfo.video ? await this.probe(nfo.video, 'video') : undefined;
    const data = nfo.data ? await this.probe(nfo.data, 'data') : undefined;
    if (!audio && !video) {
      this.log.warn(`recordplay: skipping ${name}: none of its media files can be read`);
      return undefined;
    }
    return { id: nfo.id, name: nfo.name, date: nfo.date, audio, video, data, textData: data?.codec !== 'binary', completed: true };
  }

  /** A file's codec from its header; undefined (logged) when it cannot be read or holds another kind. */
  private async probe(file: string, kind: MjrInfo['kind']): Promise<MediaFile | undefined> {
    const named = file.toLowerCase().endsWith('.mjr') ? file : `${file}.mjr`;
    try {
      const fh = await open(resolveInside(this.folder, named), 'r');
      try {
        const buf = Buffer.alloc(HEADER_PROBE_BYTES);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        const info = readMjr(buf.subarray(0, bytesRead)).info;
        if (!info) throw new Error('no .mjr header');
        if (info.kind !== kind) throw new Error(`holds ${info.kind}, not ${kind}`);
        return { file: named, codec: info.codec, ...(info.fmtp ? { fmtp: info.fmtp } : {}) };
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.log.warn(`recordplay: ${named}: ${errorText(err)}`);
      return undefined;
    }
  }
}

// A NoSIP session's recordings (`recording` with action start): up to four .mjr files, the user's audio and
// video and the peer's, each opened at once with the leg's codec, always inside the recordings folder.
import type { JsonObject } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import { errorText } from '../../logging/error-text.js';
import { prepareFileInside } from '../safe-path.js';
import { MjrRecorder } from '../mjr/mjr-recorder.js';

export const RECORDED_STREAMS = ['audio', 'video', 'peer_audio', 'peer_video'] as const;
export type RecordedStream = (typeof RECORDED_STREAMS)[number];

/** The suffix of each stream's file, as Janus names them after the base (`<base>-user-audio.mjr`). */
const SUFFIX: Readonly<Record<RecordedStream, string>> = { audio: 'user-audio', video: 'user-video', peer_audio: 'peer-audio', peer_video: 'peer-video' };
/** The suffix when no base is given (`nosip-<id>-<time>-own-audio.mjr`). */
const DEFAULT_SUFFIX: Readonly<Record<RecordedStream, string>> = { audio: 'own-audio', video: 'own-video', peer_audio: 'peer-audio', peer_video: 'peer-video' };
/** The keys `info` lists them under, as Janus does. */
const INFO_KEY: Readonly<Record<RecordedStream, string>> = { audio: 'audio', video: 'video', peer_audio: 'audio-peer', peer_video: 'video-peer' };

export function recordingName(stream: RecordedStream, base: string | undefined, fallbackBase: string): string {
  return base !== undefined ? `${base}-${SUFFIX[stream]}.mjr` : `${fallbackBase}-${DEFAULT_SUFFIX[stream]}.mjr`;
}

export class NosipRecordings {
  private readonly files = new Map<RecordedStream, MjrRecorder>();

  constructor(
    private readonly folder: string,
    private readonly log: Logger,
  ) {}

  /** Starts one stream's file (replacing a running one); false when it could not be opened (logged). */
  start(stream: RecordedStream, name: string, codec: string | undefined): boolean {
    this.stop(stream);
    try {
      if (!codec) throw new Error('the negotiated codec is not known yet');
      const path = prepareFileInside(this.folder, name);
      this.files.set(stream, new MjrRecorder(path.slice(0, -'.mjr'.length), codec, undefined, (m) => this.log.warn(`nosip: ${m}`)));
      return true;
    } catch (err) {
      this.log.warn(`nosip: cannot record ${stream}: ${errorText(err)}`);
      return false;
    }
  }

  stop(stream: RecordedStream): void {
    const file = this.files.get(stream);
    if (!file) return;
    file.close();
    this.files.delete(stream);
  }

  /** The hot path: one lookup, nothing allocated. */
  write(stream: RecordedStream, packet: Buffer): void {
    this.files.get(stream)?.write(packet);
  }

  get active(): boolean {
    return this.files.size > 0;
  }

  close(): void {
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }

  describe(): JsonObject {
    const out: JsonObject = {};
    for (const [stream, file] of this.files) out[INFO_KEY[stream]] = file.path;
    return out;
  }
}

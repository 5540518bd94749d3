// A recording of one peer as .mjr files, one per kind (audio, video, data), each opened on the first packet of its
// kind, when its codec is known, and always inside the recordings folder whatever the name says (EchoTest's
// `record`, VideoCall's `set` with `record`).
import type { JsonObject } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import { errorText } from '../../logging/error-text.js';
import { prepareFileInside } from '../safe-path.js';
import { MjrRecorder, type RecordedKind } from './mjr-recorder.js';

export class KindRecording {
  private readonly files = new Map<RecordedKind, MjrRecorder>();
  /** Kinds whose file could not be opened: tried once, then left out (one log line, not one per packet). */
  private readonly failed = new Set<RecordedKind>();
  /** Made once: every file of the recording reports its troubles through it. */
  private readonly warn: (message: string) => void;

  /**
   * `base`: the file name without `-<kind>.mjr`, relative to `folder` and already checked to stay inside it;
   * `plugin` begins the log lines ("echotest", "videocall").
   */
  constructor(
    private readonly folder: string,
    readonly base: string,
    log: Logger,
    plugin: string,
  ) {
    this.warn = (m) => log.warn(`${plugin}: ${m}`);
  }

  /** Writes a packet to the file of its kind, opening that file on its first packet. */
  write(kind: RecordedKind, codec: string | undefined, packet: Buffer): void {
    if (this.failed.has(kind)) return;
    let file = this.files.get(kind);
    if (!file) {
      try {
        if (!codec) throw new Error('the negotiated codec is not known');
        // Checked again now that the file is made: a link may have appeared in the folder since it was named.
        const path = prepareFileInside(this.folder, `${this.base}-${kind}.mjr`);
        file = new MjrRecorder(path.slice(0, -'.mjr'.length), codec, undefined, this.warn);
        this.files.set(kind, file);
      } catch (err) {
        this.failed.add(kind);
        this.warn(`cannot record ${kind}: ${errorText(err)}`);
        return;
      }
    }
    file.write(packet);
  }

  /** Closes every file now (on disk when this returns). */
  close(): void {
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }

  /** The files opened so far, by kind (for the handle's info). */
  paths(): JsonObject {
    const out: JsonObject = {};
    for (const [kind, file] of this.files) out[kind] = file.path;
    return out;
  }
}

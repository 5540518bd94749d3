// One user's recording in a call (`set` with `record: true`): a .mjr file per kind of what the user sends, each
// opened on the first packet of its kind (when its codec is known), always inside the recordings folder.
import type { JsonObject } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import { errorText } from '../../logging/error-text.js';
import { prepareFileInside } from '../safe-path.js';
import { MjrRecorder, type RecordedKind } from '../mjr/mjr-recorder.js';

export class CallRecording {
  private readonly files = new Map<RecordedKind, MjrRecorder>();
  /** Kinds whose file could not be opened: tried once (one log line, not one per packet). */
  private readonly failed = new Set<RecordedKind>();
  private readonly warn: (message: string) => void;

  /** `base`: the file name without `-<kind>.mjr`, relative to `folder`, already checked to stay inside it. */
  constructor(
    private readonly folder: string,
    readonly base: string,
    private readonly log: Logger,
  ) {
    this.warn = (m) => this.log.warn(`videocall: ${m}`);
  }

  write(kind: RecordedKind, codec: string | undefined, packet: Buffer): void {
    if (this.failed.has(kind)) return;
    let file = this.files.get(kind);
    if (!file) {
      try {
        if (!codec) throw new Error('the negotiated codec is not known');
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

  close(): void {
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }

  paths(): JsonObject {
    const out: JsonObject = {};
    for (const [kind, file] of this.files) out[kind] = file.path;
    return out;
  }
}

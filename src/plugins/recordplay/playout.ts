// Plays a recording's frames to one handle in real time (recordplay `play` → `start`): RTP on the mid of its
// kind, data on the data channel; a new SSRC in the file starts a new run on the way out. Ends by itself.
import type { PluginHandle } from '../../plugin-api/index.js';
import type { PlayoutFrame } from './playout-schedule.js';

const TICK_MS = 10;
/** After a stall longer than this (a busy event loop), playback carries on from "now" rather than bursting. */
const MAX_CATCH_UP_MS = 200;

export class Playout {
  private timer: NodeJS.Timeout | undefined;
  private index = 0;
  /** performance.now() of due time 0. */
  private origin = 0;
  private readonly lastSsrc = new Map<string, number>();
  sent = 0;

  constructor(
    private readonly handle: PluginHandle,
    private readonly frames: readonly PlayoutFrame[],
    /** The mid of each kind in the negotiated offer. */
    private readonly mids: Readonly<Partial<Record<PlayoutFrame['kind'], string>>>,
    private readonly textData: boolean,
    private readonly onEnd: () => void,
  ) {}

  get playing(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer || this.index >= this.frames.length) return;
    this.origin = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now() - this.origin;
    const frames = this.frames;
    if (this.index < frames.length && now - frames[this.index].dueMs > MAX_CATCH_UP_MS) this.origin += now - frames[this.index].dueMs - TICK_MS;
    const until = performance.now() - this.origin;
    while (this.index < frames.length && frames[this.index].dueMs <= until) this.send(frames[this.index++]);
    if (this.index >= frames.length) {
      this.stop();
      this.onEnd();
    }
  }

  private send(f: PlayoutFrame): void {
    const mid = this.mids[f.kind];
    if (mid === undefined) return;
    this.sent++;
    if (f.kind === 'data') {
      const bytes = Buffer.from(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
      this.handle.relayData(this.textData ? bytes.toString('utf8') : bytes);
      return;
    }
    const last = this.lastSsrc.get(mid);
    if (last !== undefined && last !== f.ssrc) this.handle.restartRtp(mid);
    this.lastSsrc.set(mid, f.ssrc);
    // A copy: the media layer may write its own header fields into the buffer it is given.
    this.handle.relayRtp(mid, Buffer.from(f.payload));
  }
}

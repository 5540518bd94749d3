// When each frame of a recording is played, in ms from the start of the playout. A pure function over the
// frames read from the .mjr files: within a run of one SSRC the RTP timestamps give the pacing (the sender's own
// clock, free of the network's jitter when it was recorded); where the SSRC changes or the timestamps jump, the
// recorder's arrival times carry on. Files of one recording are aligned by the wall-clock time of their first frame.
import type { MjrFrame, MjrInfo } from '../mjr/mjr-reader.js';

export interface PlayoutFrame {
  readonly dueMs: number;
  readonly kind: 'audio' | 'video' | 'data';
  readonly payload: Uint8Array;
  /** RTP only: the SSRC the frame was recorded with (a change starts a new run on the way out). */
  readonly ssrc: number;
}

/** A jump of the timestamps larger than this (either way) is not pacing but a new run. */
const MAX_TIMESTAMP_STEP_MS = 5000;

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** The due times of one file's frames, from 0 at its first frame. */
export function fileSchedule(frames: readonly MjrFrame[], kind: PlayoutFrame['kind'], clockRate: number): PlayoutFrame[] {
  const out: PlayoutFrame[] = [];
  let runSsrc = -1;
  let runTs = 0;
  let runDue = 0;
  let lastDue = 0;
  let lastTime = 0;
  for (const f of frames) {
    const p = f.payload;
    let due: number;
    let ssrc = 0;
    if (kind === 'data' || p.length < 12 || clockRate <= 0) {
      due = f.timeMs;
    } else {
      ssrc = u32(p, 8);
      const ts = u32(p, 4);
      const stepMs = (((ts - runTs) | 0) / clockRate) * 1000;
      const sinceArrivalMs = Math.max(0, f.timeMs - lastTime);
      if (out.length > 0 && ssrc === runSsrc && Math.abs(stepMs) <= MAX_TIMESTAMP_STEP_MS + sinceArrivalMs) {
        due = runDue + stepMs;
      } else {
        // A new run: it starts where the arrival times put it, never before the frame played last.
        due = out.length === 0 ? 0 : lastDue + sinceArrivalMs;
        runSsrc = ssrc;
        runTs = ts;
        runDue = due;
      }
    }
    due = Math.max(0, due);
    out.push({ dueMs: due, kind, payload: p, ssrc });
    lastDue = Math.max(lastDue, due);
    lastTime = f.timeMs;
  }
  return out;
}

export interface RecordedFile {
  readonly info: MjrInfo;
  readonly frames: readonly MjrFrame[];
  readonly clockRate: number;
}

/** Every file's frames in one list by due time, each file shifted by when its first frame came. */
export function recordingSchedule(files: readonly RecordedFile[]): PlayoutFrame[] {
  const starts = files.map((f) => f.info.firstFrameUs).filter((us) => us > 0);
  const first = starts.length > 0 ? Math.min(...starts) : 0;
  const all: PlayoutFrame[] = [];
  for (const f of files) {
    const shift = f.info.firstFrameUs > 0 && first > 0 ? (f.info.firstFrameUs - first) / 1000 : 0;
    for (const fr of fileSchedule(f.frames, f.info.kind, f.clockRate)) all.push(shift === 0 ? fr : { ...fr, dueMs: fr.dueMs + shift });
  }
  // Stable: frames due together keep their file order.
  return all
    .map((fr, i) => ({ fr, i }))
    .sort((a, b) => a.fr.dueMs - b.fr.dueMs || a.i - b.i)
    .map((x) => x.fr);
}

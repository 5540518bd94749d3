// Recording a room: its mix to a .wav file (`record`, `enable_recording`), named as Janus names it unless
// `record_file` says otherwise, written under `record_tmp_ext` and renamed when done; and each participant's own
// packets to a .mjr file (`mjrs`, `record` in join/configure), which Janus's janus-pp-rec converts.
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WavRecorder } from '../../audio/wav-recorder.js';
import { errorText } from '../../logging/error-text.js';
import { MjrRecorder } from '../mjr/mjr-recorder.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { recordingDone } from './handler-events.js';
import { clientPath } from './request-checks.js';
import type { Participant } from './participant.js';
import type { AudioRoom } from './room.js';

/** Final paths of recordings written under a temporary extension, by recorder. */
const finalPaths = new WeakMap<WavRecorder, string>();

/** The path a room's recording goes to: configured paths are the operator's, requested ones stay in the recordings folder. */
function wavPath(state: AudioBridgeState, room: AudioRoom, trusted: boolean): string {
  const s = room.settings;
  const name = s.recordFile ?? `janus-audioroom-${room.id}-${Date.now() * 1000}.wav`;
  if (trusted) return s.recordDir !== undefined ? join(s.recordDir, name) : name.startsWith('/') ? name : join(state.recordingsDir, name);
  return clientPath(state, s.recordDir !== undefined ? join(s.recordDir, name) : name, 'recording path');
}

export async function startRecording(state: AudioBridgeState, room: AudioRoom, trusted: boolean): Promise<void> {
  if (room.recorder) return;
  const path = wavPath(state, room, trusted);
  const ext = state.options.recordTmpExt;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const recorder = new WavRecorder(ext ? `${path}.${ext}` : path, room.settings.rate, room.mixer.channels);
    if (ext) finalPaths.set(recorder, path);
    room.recorder = recorder;
    state.wake();
    state.log.verbose(`audiobridge: recording room ${room.id} to ${path}`);
  } catch (err) {
    state.log.error(`audiobridge: cannot record room ${room.id} to ${path}: ${errorText(err)}`);
  }
}

/** Closes the room's .wav (renamed to its final name when written under `record_tmp_ext`); event handlers hear `recordingdone`. */
export async function stopRecording(state: AudioBridgeState, room: AudioRoom): Promise<void> {
  const recorder = room.recorder;
  if (!recorder) return;
  room.recorder = undefined;
  await recorder.close();
  const final = finalPaths.get(recorder);
  if (final) renameSync(recorder.path, final);
  recordingDone(state, room, final ?? recorder.path);
}

/** Starts (or stops) the .mjr of one participant's audio; `filename` is the base Janus adds `-audio.mjr` to. */
export function recordParticipant(state: AudioBridgeState, p: Participant, on: boolean, filename?: string): void {
  if (!on) {
    p.recorder?.close();
    p.recorder = undefined;
    return;
  }
  if (p.recorder) return;
  const room = p.room;
  const base = filename ?? `audiobridge-${room.id}-${p.id}-${Date.now() * 1000}`;
  const path = clientPath(state, room.settings.mjrsDir !== undefined ? join(room.settings.mjrsDir, `${base}-audio`) : `${base}-audio`, 'recording path');
  try {
    p.recorder = new MjrRecorder(path, p.options.codec, undefined, (m) => state.log.warn(`audiobridge: ${m}`));
  } catch (err) {
    state.log.error(`audiobridge: cannot record participant ${p.id}: ${errorText(err)}`);
  }
}

/** The room's `mjrs` setting applied to everyone in it. */
export function applyMjrs(state: AudioBridgeState, room: AudioRoom): void {
  for (const p of room.participants.values()) recordParticipant(state, p, room.settings.mjrs);
}

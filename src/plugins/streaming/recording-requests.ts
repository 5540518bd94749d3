// The `recording` request: .mjr files of a live mountpoint's streams, inside the recordings folder.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { isJsonObject } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { MjrRecorder } from '../mjr/mjr-recorder.js';
import { prepareFileInside, UnsafePathError } from '../safe-path.js';
import type { StreamSource } from './stream-source.js';
import { check, E, faultText, requireBounded, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';
import { errorText } from '../../logging/error-text.js';

/** `recording` start/stop: .mjr files per stream, as Janus writes them (janus-pp-rec reads them). */
export function recordingRequest(state: StreamingState, body: JsonObject): JsonObject {
  check(body, [
    { name: 'action', type: 'string', required: true },
    { name: 'media', type: 'array' },
  ]);
  requireBounded(body);
  const mp = state.lookup(body, true);
  if (mp.file) throw new StreamingError(E.INVALID_REQUEST, 'Recording is only available on RTP-based live streams');
  const action = body.action;
  if (action !== 'start' && action !== 'stop') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid action (should be start|stop)');
  // Which streams, from the media array or the older per-type fields (file names when starting, booleans when stopping).
  const wanted: Array<{ stream: StreamSource; filename?: string }> = [];
  if (Array.isArray(body.media)) {
    for (const e of body.media) {
      if (!isJsonObject(e) || typeof e.mid !== 'string') continue;
      const stream = mp.streams.find((s) => s.config.mid === e.mid);
      if (!stream) throw new StreamingError(E.INVALID_ELEMENT, `No such mid '${e.mid}'`);
      if (action === 'start' && typeof e.filename !== 'string') continue;
      wanted.push({ stream, filename: e.filename as string | undefined });
    }
  } else {
    for (const kind of ['audio', 'video', 'data'] as const) {
      const v = body[kind];
      if (action === 'start' ? typeof v !== 'string' : v !== true) continue;
      const stream = mp.streams.find((s) => s.config.type === kind);
      if (stream) wanted.push({ stream, filename: typeof v === 'string' ? v : undefined });
    }
  }
  if (wanted.length === 0) throw new StreamingError(E.INVALID_REQUEST, 'Missing audio, video and/or data');
  if (action === 'stop') {
    for (const { stream } of wanted) {
      stream.recorder?.close();
      stream.recorder = undefined;
    }
    return { streaming: 'ok' };
  }
  if (wanted.some(({ stream }) => stream.recorder)) throw new StreamingError(E.INVALID_REQUEST, 'Recording for this mountpoint already in progress');
  // Every file a client names is inside the recordings folder; nothing is opened unless all names are.
  const bases = wanted.map(({ filename }) => recordingBase(state, filename as string));
  const started: MjrRecorder[] = [];
  try {
    wanted.forEach(({ stream }, i) => {
      const c = stream.config;
      const codec = c.type === 'data' ? c.datatype : (c.codec?.name ?? '');
      const recorder = new MjrRecorder(bases[i], codec, c.fmtp, (m) => state.log.warn(`mountpoint ${mp.id}: ${m}`));
      started.push(recorder);
      stream.recorder = recorder;
    });
  } catch (err) {
    for (const { stream } of wanted) stream.recorder = undefined;
    for (const r of started) r.close();
    state.log.warn(`mountpoint ${mp.id}: recording not started: ${errorText(err)}`);
    throw new StreamingError(E.CANT_RECORD, `Error starting recorder: ${faultText(err)}`);
  }
  state.log.info(`mountpoint ${mp.id}: recording ${started.map((r) => r.path).join(', ')}`);
  return { streaming: 'ok' };
}

/** The path (without `.mjr`) a recording a client named is written to: inside the recordings folder, or 454. */
function recordingBase(state: StreamingState, filename: string): string {
  try {
    const file = prepareFileInside(state.recordingsDir, `${filename}.mjr`);
    // A recording never replaces a file (the recorder, which opens it exclusively, would refuse it anyway).
    if (existsSync(file)) throw new StreamingError(E.CANT_RECORD, `Error starting recorder: '${filename.slice(0, 200)}.mjr' exists`);
    return file.slice(0, -'.mjr'.length);
  } catch (err) {
    if (err instanceof StreamingError) throw err;
    if (err instanceof UnsafePathError) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (filename '${filename.slice(0, 200)}' ${err.message})`);
    state.log.warn(`recording folder for '${filename.slice(0, 200)}' not made: ${errorText(err)}`);
    throw new StreamingError(E.CANT_RECORD, `Error starting recorder: ${faultText(err)}`);
  }
}

/** A recording as info shows it: its name inside the recordings folder. */
export function recordingName(state: StreamingState, path: string): string {
  return relative(state.recordingsDir, path);
}

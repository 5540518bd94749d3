// A `live` or `ondemand` mountpoint: one audio stream played in real time from a file (.alaw, .mulaw, Ogg Opus).
import { readFileSync, statSync } from 'node:fs';
import type { JsonObject } from '../plugin.js';
import { resolveInside, UnsafePathError } from '../safe-path.js';
import { AudioFileError, audioFramesFor, type AudioFrames } from '../../audio/audio-file.js';
import { findCodec } from './codecs.js';
import { FilePlayer } from './file-player.js';
import { isSdpText, MAX_AUDIO_FILE_BYTES } from './guards.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import { StreamSource, type StreamConfig } from './stream-source.js';
import type { Origin } from './mountpoint-create.js';
import { mountpointSettings } from './mountpoint-settings.js';
import { check, E, faultText, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';

/** A `live` or `ondemand` mountpoint: one audio stream played from a file (.alaw, .mulaw, .opus). */
export function createFileMountpoint(state: StreamingState, body: JsonObject, kind: 'live' | 'ondemand', id: MountpointId, origin: Origin): Mountpoint {
  check(body, [
    { name: 'filename', type: 'string', required: true },
    { name: 'audio', type: 'boolean' },
    { name: 'video', type: 'boolean' },
    { name: 'audiopt', type: 'integer' },
    { name: 'audiocodec', type: 'string' },
    { name: 'audiortpmap', type: 'string' },
    { name: 'audiofmtp', type: 'string' },
  ]);
  const filename = body.filename as string;
  if (filename === '' || filename.includes('../')) throw new StreamingError(E.INVALID_ELEMENT, `Invalid filename '${filename.slice(0, 200)}'`);
  // A file a client names is read inside the recordings folder only; the operator's configuration may name any.
  let path = filename;
  if (origin !== 'config') {
    try {
      path = resolveInside(state.recordingsDir, filename);
    } catch (err) {
      if (!(err instanceof UnsafePathError)) throw err;
      throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (filename '${filename.slice(0, 200)}' ${err.message})`);
    }
  }
  if (body.audio !== true || body.video === true) throw new StreamingError(E.CANT_CREATE, `Can't add '${kind}' stream: only audio files are supported (audio: true, video: false)`);
  const audio = readAudioFile(path, filename, kind);
  const codecText = typeof body.audiocodec === 'string' ? body.audiocodec : typeof body.audiortpmap === 'string' ? body.audiortpmap : undefined;
  if (codecText !== undefined && findCodec('audio', codecText)?.name !== audio.codec) {
    throw new StreamingError(E.CANT_CREATE, `Can't add '${kind}' stream: the file holds ${audio.codec}, not '${codecText}'`);
  }
  const pt = typeof body.audiopt === 'number' ? body.audiopt : audio.pt;
  if (pt < 0 || pt > 127) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (audiopt should be 0-127)');
  if (body.audiofmtp !== undefined && !isSdpText(body.audiofmtp)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (audiofmtp should be one line of at most 1024 printable characters)');
  const mp = state.newMountpoint(mountpointSettings(body, id, false));
  const config: StreamConfig = {
    type: 'audio',
    mid: 'a',
    label: 'audio',
    pt,
    codec: findCodec('audio', audio.codec),
    codecText: audio.codec,
    fmtp: typeof body.audiofmtp === 'string' ? body.audiofmtp : undefined,
    datatype: 'text',
  };
  const stream = new StreamSource(
    config,
    undefined,
    undefined,
    (s, p) => mp.fanOut(s, p),
    (m) => state.log.warn(`mountpoint ${id}: ${m}`),
  );
  mp.streams.push(stream);
  mp.file = { kind, filename, audio, pt };
  if (kind === 'live') {
    // One playback for everybody, running whether or not anyone listens (as a radio does).
    mp.file.player = new FilePlayer(audio, pt, (packet) => stream.ingest(packet));
    mp.file.player.start();
  }
  state.mountpoints.set(id, mp);
  state.log.info(`mountpoint ${id} created: ${kind} playback of ${filename} (${audio.codec}, ${audio.frames.length} frames)`);
  return mp;
}

/** Reads and cuts a file mountpoint's audio: a regular file (not a FIFO or a device) of bounded size. */
function readAudioFile(path: string, filename: string, kind: string): AudioFrames {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new AudioFileError('not a regular file');
    if (st.size > MAX_AUDIO_FILE_BYTES) throw new AudioFileError(`larger than ${MAX_AUDIO_FILE_BYTES} bytes`);
    return audioFramesFor(filename, readFileSync(path));
  } catch (err) {
    throw new StreamingError(E.CANT_CREATE, `Can't add '${kind}' stream, cannot play '${filename.slice(0, 200)}': ${faultText(err)}`);
  }
}

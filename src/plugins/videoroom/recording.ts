// Recording publishers: one .mjr per stream, in the room's folder; where a folder or file a client names may be;
// the `enable_recording` request.
import { resolve } from 'node:path';
import type { JsonObject } from '../plugin.js';
import { prepareFileInside, resolveInside, UnsafePathError } from '../safe-path.js';
import { MjrRecorder } from '../mjr/mjr-recorder.js';
import { check, checkSecret, E, errMessage, VideoRoomError } from './errors.js';
import { checkStored } from './limits.js';
import type { Publisher } from './publisher.js';
import type { Room } from './room.js';
import { lookupRoom } from './room-access.js';
import { shareRoom } from './shared-rooms.js';
import type { VideoRoomState } from './videoroom-state.js';

/** Closes a recorder (synchronously: its last frame is on disk when this returns). */
export function closeRecorder(vr: VideoRoomState, r: MjrRecorder): void {
  if (!vr.recorders.delete(r)) return;
  try {
    r.close();
  } catch (err) {
    vr.log.warn(`videoroom: closing ${r.path}: ${errMessage(err)}`);
  }
}

/** Starts or stops recording a publisher's streams, one .mjr per stream (`close` closes the files). */
export function setRecording(vr: VideoRoomState, room: Room, p: Publisher, on: boolean, close = false): void {
  p.recording = on;
  for (const s of p.streams) {
    if ((!on || close) && s.recorder) {
      closeRecorder(vr, s.recorder);
      s.recorder = undefined;
    }
    // Another node's participant is recorded on its node, where its media comes from (docs/cluster.md).
    if (!on || close || s.recorder || !p.active || s.disabled || p.spannedFrom !== undefined) continue;
    const codec = s.type === 'data' ? 'text' : s.codec?.name;
    if (!codec) continue;
    const base = p.recordingBase ? `${p.recordingBase}-${s.type}-${s.mid}` : `videoroom-${room.id}-user-${p.id}-${Date.now()}-${s.type}-${s.mid}`;
    try {
      // Checked again here: the folder may have changed (edit) or a link been put in since the request.
      const file = prepareFileInside(room.recFolder, `${base}.mjr`);
      s.recorder = new MjrRecorder(file.slice(0, -'.mjr'.length), codec, s.codec?.fmtp, (m) => vr.log.warn(`videoroom: ${m}`));
      vr.recorders.add(s.recorder);
    } catch (err) {
      vr.log.warn(`videoroom: cannot record ${s.type} of ${p.id}: ${errMessage(err)}`);
    }
  }
}

/**
 * The folder a room records in: the operator's rec_dir (configuration file) wherever it is; a client's
 * (create, edit, a saved room) only inside recordings_dir (430 otherwise); recordings_dir without one.
 */
export function recordingFolder(vr: VideoRoomState, recDir: string | undefined, byOperator: boolean): string {
  if (recDir === undefined) return vr.recordingsDir;
  if (byOperator) return resolve(recDir);
  try {
    return resolveInside(vr.recordingsDir, recDir);
  } catch (err) {
    if (err instanceof UnsafePathError) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (rec_dir ${err.message})`);
    throw err;
  }
}

/**
 * The `record` and `filename` of a configure, publish or joinandconfigure. With the room's `lock_record` (and a
 * room secret), either needs the secret; the file name (a client's) must stay inside the room's folder.
 */
export function recordingChange(room: Room, body: JsonObject): { record?: boolean; filename?: string } {
  check(body, [
    { name: 'record', type: 'boolean' },
    { name: 'filename', type: 'string' },
    { name: 'secret', type: 'string' },
  ]);
  const record = typeof body.record === 'boolean' ? body.record : undefined;
  const filename = typeof body.filename === 'string' ? body.filename : undefined;
  if (record === undefined && filename === undefined) return {};
  const s = room.settings;
  if (s.lockRecord && s.secret !== undefined) checkSecret(body, 'secret', s.secret);
  if (filename !== undefined) {
    checkStored(body, ['filename']);
    try {
      resolveInside(room.recFolder, `${filename}.mjr`);
    } catch (err) {
      if (err instanceof UnsafePathError) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (filename ${err.message})`);
      throw err;
    }
  }
  return { record, filename };
}

/** `enable_recording`: the room's `record` switched, for every participant at once. */
export function enableRecording(vr: VideoRoomState, body: JsonObject): JsonObject {
  check(body, [{ name: 'record', type: 'boolean', required: true }]);
  const room = lookupRoom(vr, body, true);
  room.settings.record = body.record === true;
  for (const p of room.participants.values()) setRecording(vr, room, p, room.settings.record);
  // Over many nodes, a room setting like the others: every node records its own publishers (shared-rooms.ts).
  shareRoom(vr, room);
  return { videoroom: 'success', record: room.settings.record };
}

// Announcements: play_file, is_playing, stop_file, stop_all_files and listannouncements (Janus's fields; the
// admin_key is needed too when lock_play_file is set). Files are Ogg Opus, inside the recordings folder.
import { randomUUID } from 'node:crypto';
import { PluginError, type JsonObject } from '../../plugin-api/index.js';
import { errorText } from '../../logging/error-text.js';
import { FileAnnouncement } from './announcement.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { E } from './audiobridge-error.js';
import { announcementChanged } from './handler-events.js';
import { checkFields, checkRoomSecret, clientPath, findRoom, roomId } from './request-checks.js';
import type { Announcement, AudioRoom } from './room.js';

function roomFor(state: AudioBridgeState, body: JsonObject): AudioRoom {
  checkFields(body, [{ name: 'secret', type: 'string' }]);
  const room = findRoom(state, roomId(state, body));
  checkRoomSecret(state, room, body, state.options.lockPlayFile);
  return room;
}

export async function playFile(state: AudioBridgeState, body: JsonObject): Promise<JsonObject> {
  checkFields(body, [
    { name: 'filename', type: 'string', required: true },
    { name: 'file_id', type: 'string' },
    { name: 'group', type: 'string' },
    { name: 'loop', type: 'boolean' },
  ]);
  const room = roomFor(state, body);
  const group = typeof body.group === 'string' ? body.group : undefined;
  if (group !== undefined && !room.settings.groups.includes(group)) throw new PluginError(E.NO_SUCH_GROUP, 'No such group');
  const id = typeof body.file_id === 'string' && body.file_id !== '' ? body.file_id : randomUUID();
  if (room.announcements.has(id)) throw new PluginError(E.ID_EXISTS, `File ID exists (${id})`);
  const path = clientPath(state, body.filename as string, 'filename');
  let announcement: FileAnnouncement;
  try {
    announcement = await FileAnnouncement.load(id, group, body.filename as string, path, body.loop === true, room.settings.rate, room.mixer.frameSamples);
  } catch (err) {
    state.log.warn(`audiobridge: cannot play ${path} in room ${room.id}: ${errorText(err)}`);
    throw new PluginError(E.UNKNOWN_ERROR, 'Error opening file');
  }
  if (room.destroyed || room.announcements.has(id)) {
    announcement.stop();
    throw new PluginError(room.destroyed ? E.NO_SUCH_ROOM : E.ID_EXISTS, room.destroyed ? `No such room (${room.id})` : `File ID exists (${id})`);
  }
  room.announcements.set(id, announcement);
  room.notify({ audiobridge: 'announcement-started', room: room.id, file_id: id });
  announcementChanged(state, 'announcement-started', room, id);
  state.wake();
  return { audiobridge: 'success', room: room.id, file_id: id };
}

export function isPlaying(state: AudioBridgeState, body: JsonObject): JsonObject {
  checkFields(body, [{ name: 'file_id', type: 'string', required: true }]);
  const room = roomFor(state, body);
  const id = body.file_id as string;
  const a = room.announcements.get(id);
  return { audiobridge: 'success', room: room.id, file_id: id, playing: a !== undefined && !a.done };
}

/** Ends an announcement and tells the room (stop_file, or the file ended). */
export function endAnnouncement(state: AudioBridgeState, room: AudioRoom, a: Announcement): void {
  if (room.announcements.get(a.id) !== a) return;
  room.announcements.delete(a.id);
  a.stop();
  room.notify({ audiobridge: 'announcement-stopped', room: room.id, file_id: a.id });
  announcementChanged(state, 'announcement-stopped', room, a.id);
}

export function stopFile(state: AudioBridgeState, body: JsonObject): JsonObject {
  checkFields(body, [{ name: 'file_id', type: 'string', required: true }]);
  const room = roomFor(state, body);
  const id = body.file_id as string;
  const a = room.announcements.get(id);
  if (a) endAnnouncement(state, room, a);
  return { audiobridge: 'success', room: room.id, file_id: id };
}

export function stopAllFiles(state: AudioBridgeState, body: JsonObject): JsonObject {
  const room = roomFor(state, body);
  const stopped = [...room.announcements.values()];
  for (const a of stopped) endAnnouncement(state, room, a);
  return { audiobridge: 'success', room: room.id, file_id_list: stopped.map((a) => a.id) };
}

export function listAnnouncements(state: AudioBridgeState, body: JsonObject): JsonObject {
  const room = roomFor(state, body);
  const announcements = [...room.announcements.values()].map((a) => ({ file_id: a.id, filename: a.filename, playing: !a.done, loop: a.loop, ...(a.group !== undefined ? { group: a.group } : {}) }));
  return { audiobridge: 'announcements', room: room.id, announcements };
}

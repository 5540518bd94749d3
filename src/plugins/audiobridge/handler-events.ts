// What the AudioBridge tells event handlers (Janus's notify_event, docs/events.md): rooms created, edited and
// destroyed, muted and unmuted; participants joining, configuring, leaving, moderated, suspended and talking;
// announcements starting and stopping; a room's recording done. A request's events are in the context of the
// handle it came on (none over the Admin API), as Janus's `session ? session->handle : NULL`.
import type { JsonObject, PluginHandle } from '../../plugin-api/index.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import type { Participant } from './participant.js';
import type { RoomId } from './room-settings.js';
import type { AudioRoom } from './room.js';

/** The handle a request came on; undefined over the Admin API. */
export type Requester = PluginHandle | undefined;

/** Who the event is about: Janus's `event`, `room`, `id` and `display` (when it has one). */
function about(p: Participant, event: string, room: RoomId = p.room.id): JsonObject {
  const info: JsonObject = { event, room, id: p.id };
  if (p.display !== undefined) info.display = p.display;
  return info;
}

/** Janus's `spatial_position` (spatial rooms) and `suspended` (only when true) at the end of joined and configured. */
function withPosition(p: Participant, info: JsonObject): JsonObject {
  if (p.room.settings.spatial) info.spatial_position = p.options.spatialPosition;
  if (p.options.suspended) info.suspended = true;
  return info;
}

export function roomChanged(state: AudioBridgeState, event: 'created' | 'edited' | 'destroyed', room: RoomId, by: Requester): void {
  state.events.send(() => ({ event, room }), by);
}

/** `mute_room` / `unmute_room`, when the room's state changed. */
export function roomMuted(state: AudioBridgeState, room: AudioRoom, muted: boolean, by: Requester): void {
  state.events.send(() => ({ event: muted ? 'mute_room' : 'unmute_room', room: room.id }), by);
}

/** A moderator's act on one participant: `mute`, `unmute`, `kicked`, `kicked_all`, `suspended`, `resumed`. */
export function moderated(state: AudioBridgeState, event: 'mute' | 'unmute' | 'kicked' | 'kicked_all' | 'suspended' | 'resumed', room: AudioRoom, id: RoomId, by: Requester): void {
  state.events.send(() => ({ event, room: room.id, id }), by);
}

/** `joined` (join; a changeroom's has no `setup`), in the participant's handle. */
export function participantJoined(state: AudioBridgeState, p: Participant, changedRoom: boolean): void {
  state.events.send(() => {
    const info = about(p, 'joined');
    if (!changedRoom) info.setup = p.session.mediaUp;
    info.muted = p.options.muted;
    return withPosition(p, info);
  }, p.session.handle);
}

export function participantConfigured(state: AudioBridgeState, p: Participant): void {
  state.events.send(() => {
    const info = about(p, 'configured');
    info.muted = p.options.muted;
    if (p.options.bitrate > 0) info.bitrate = p.options.bitrate;
    info.quality = p.options.quality;
    return withPosition(p, info);
  }, p.session.handle);
}

/** `left`: in the participant's handle when it asked (leave, changeroom), in none when its media went (hangup, detach, kick). */
export function participantLeft(state: AudioBridgeState, room: AudioRoom, p: Participant, asked: boolean): void {
  state.events.send(() => about(p, 'left', room.id), asked ? p.session.handle : undefined);
}

/** `talking` / `stopped-talking` (rooms with audiolevel_event), under Janus's `audiobridge` key rather than `event`. */
export function talkingChanged(state: AudioBridgeState, p: Participant, change: 'talking' | 'stopped-talking'): void {
  state.events.send(() => ({ audiobridge: change, room: p.room.id, id: p.id }), p.session.handle);
}

export function announcementChanged(state: AudioBridgeState, event: 'announcement-started' | 'announcement-stopped', room: AudioRoom, fileId: string): void {
  state.events.send(() => ({ event, room: room.id, file_id: fileId }));
}

/** The room's .wav is closed (recording turned off, room destroyed): its final path. */
export function recordingDone(state: AudioBridgeState, room: AudioRoom, file: string): void {
  state.events.send(() => ({ event: 'recordingdone', room: room.id, record_file: file }));
}

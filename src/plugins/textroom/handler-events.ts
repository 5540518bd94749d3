// What the TextRoom tells event handlers (Janus's notify_event, docs/events.md): rooms created, edited and
// destroyed (in the context of the handle that asked, none over the Admin API), participants joining and leaving
// (theirs), and kicked (the kicker's handle, under Janus's `textroom` key rather than `event`).
import type { TextRoomSession, Participant, Room, RoomId } from './room.js';
import type { TextRoomState } from './textroom-state.js';

export function roomChanged(state: TextRoomState, event: 'created' | 'edited' | 'destroyed', room: RoomId, by: TextRoomSession | undefined): void {
  state.events.send(() => ({ event, room }), by?.handle);
}

export function participantJoined(state: TextRoomState, p: Participant): void {
  state.events.send(() => ({ event: 'join', room: p.room.id, username: p.username, ...(p.display !== undefined ? { display: p.display } : {}) }), p.session.handle);
}

/** A leave request, or every room left as the handle's PeerConnection goes. */
export function participantLeft(state: TextRoomState, p: Participant): void {
  state.events.send(() => ({ event: 'leave', room: p.room.id, username: p.username }), p.session.handle);
}

export function participantKicked(state: TextRoomState, room: Room, username: string, by: TextRoomSession | undefined): void {
  state.events.send(() => ({ textroom: 'kicked', room: room.id, username }), by?.handle);
}

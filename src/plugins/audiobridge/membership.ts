// Entering and leaving a room, and what everyone hears of it: the events Janus sends on join, leave, kick and
// changes of a participant (mute, setup, position, suspension).
import type { JsonObject } from '../../plugin-api/index.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import type { Participant } from './participant.js';
import type { AudioRoom } from './room.js';

/** The others in the room, as the `joined` event lists them. */
export function othersOf(room: AudioRoom, self: Participant): JsonObject[] {
  const list: JsonObject[] = [];
  for (const p of room.participants.values()) if (p !== self) list.push(p.describe(room.settings.audiolevelEvent));
  return list;
}

/** Puts the participant in the room and tells the others (`joined` with the newcomer alone). */
export function enter(state: AudioBridgeState, room: AudioRoom, p: Participant): void {
  room.participants.set(p.id, p);
  p.room = room;
  room.notify({ audiobridge: 'joined', room: room.id, participants: [p.describe(room.settings.audiolevelEvent)] }, p);
  state.wake();
}

/** Tells the others that a participant changed (`event` with it alone). */
export function announceChange(room: AudioRoom, p: Participant): void {
  room.notify({ audiobridge: 'event', room: room.id, participants: [p.describe(room.settings.audiolevelEvent)] }, p);
}

/** Takes the participant out and tells the others (`leaving`); `kicked` tells everyone, the kicked one included. */
export function leave(room: AudioRoom, p: Participant, how: 'leaving' | 'kicked' = 'leaving'): void {
  if (room.participants.get(p.id) !== p) return;
  room.participants.delete(p.id);
  if (how === 'kicked') {
    const event = { audiobridge: 'event', room: room.id, kicked: p.id };
    room.notify(event);
    if (!p.session.destroyed) p.session.handle.pushEvent(undefined, event);
  } else {
    room.notify({ audiobridge: 'event', room: room.id, leaving: p.id });
  }
  p.recorder?.close();
  p.recorder = undefined;
  p.mixState.close();
}

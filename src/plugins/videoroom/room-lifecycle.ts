// Leaving: a handle leaves whatever it was in, a room closes (shutdown) or is destroyed with everyone in it.
import type { HandleState } from './handle-state.js';
import { notePlacement } from './placement.js';
import { withdraw } from './publication.js';
import { setRecording } from './recording.js';
import type { Room } from './room.js';
import { saveRooms } from './permanent-rooms.js';
import type { VideoRoomState } from './videoroom-state.js';

/** The handle leaves whatever it was in (leave, kick, detach, room destroyed). */
export function leave(vr: VideoRoomState, h: HandleState, why: 'left' | 'kicked' | 'detached' | 'destroyed'): void {
  const role = h.role;
  h.role = { kind: 'gone' };
  if (role.kind === 'publisher') {
    const announce = why !== 'destroyed' && why !== 'kicked';
    withdraw(vr, role.room, role.publisher, announce, why === 'kicked');
  } else if (role.kind === 'subscriber') {
    role.subscriber.closed = true;
    role.subscriber.detachAll();
    role.room.subscribers.delete(role.subscriber);
  }
  if (role.kind === 'publisher' || role.kind === 'subscriber') notePlacement(vr, role.room);
}

/** The room's timer stops and its recordings, forwarders and remote publishers' sockets close. */
export function closeRoom(vr: VideoRoomState, room: Room): void {
  room.destroyed = true;
  if (room.firTimer) clearInterval(room.firTimer);
  for (const p of [...room.participants.values()]) {
    setRecording(vr, room, p, false, true);
    vr.cascade.publisherGone(p);
    vr.cascade.removeRemote(p);
  }
}

/** `destroy`: everyone in the room hears it and leaves; with `permanent`, it is gone from the saved state too. */
export function removeRoom(vr: VideoRoomState, room: Room, permanent: boolean): void {
  const ev = { videoroom: 'destroyed', room: room.id };
  for (const p of [...room.participants.values()]) {
    if (!p.handle) continue;
    p.handle.pushEvent(undefined, ev);
    const h = vr.handles.get(p.handle.id);
    if (h) leave(vr, h, 'destroyed');
    p.handle.closePc();
  }
  for (const sub of [...room.subscribers]) {
    sub.handle.pushEvent(undefined, ev);
    const h = vr.handles.get(sub.handle.id);
    if (h) leave(vr, h, 'destroyed');
    sub.handle.closePc();
  }
  closeRoom(vr, room);
  notePlacement(vr, room);
  vr.rooms.delete(room.id);
  if (permanent && vr.permanent.delete(room.id)) saveRooms(vr);
}

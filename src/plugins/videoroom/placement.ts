// The cluster's record of this node holding a room (docs/cluster.md): held while the node has someone in it, a
// participant on a handle of its own or a subscriber; released when the last one goes or the room does. Remote
// publishers do not count: they are other nodes' participants.
import type { Room } from './room.js';
import type { VideoRoomState } from './videoroom-state.js';

export function notePlacement(vr: VideoRoomState, room: Room): void {
  const cluster = vr.cluster;
  if (!cluster) return;
  if (holdsHere(room)) cluster.hold(room.id);
  else {
    cluster.release(room.id);
    // Nobody here hears the other nodes' publishers any more: their copies go (and their nodes stop sending).
    vr.span?.dropReplica(room);
  }
}

/** Whether this node has someone in the room: a participant on a handle of its own, a subscriber or one joining. */
export function holdsHere(room: Room): boolean {
  return !room.destroyed && (room.subscribers.size > 0 || room.awaitingCopies > 0 || [...room.participants.values()].some((p) => !p.remote && p.handle !== undefined));
}

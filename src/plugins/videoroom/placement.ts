// The cluster's record of this node holding a room (docs/cluster.md): held while the node has someone in it, a
// participant on a handle of its own or a subscriber; released when the last one goes or the room does. Remote
// publishers do not count: they are other nodes' participants.
import type { Room } from './room.js';
import type { VideoRoomState } from './videoroom-state.js';

export function notePlacement(vr: VideoRoomState, room: Room): void {
  const placement = vr.placement;
  if (!placement) return;
  const someone = !room.destroyed && (room.subscribers.size > 0 || [...room.participants.values()].some((p) => !p.remote && p.handle !== undefined));
  if (someone) placement.hold(room.id);
  else placement.release(room.id);
}

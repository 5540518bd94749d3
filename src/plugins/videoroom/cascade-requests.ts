// Cascading requests: RTP forwarders (rtp_forward, stop_rtp_forward, listforwarders), remotizations
// (publish_remotely, unpublish_remotely, listremotes) and remote publishers (add, update, remove). Asked here of
// another node's participant (a room over many nodes), a request about one publisher is carried to its node and
// answered as that node answers; listforwarders lists every node's forwarders.
import type { JsonObject } from '../plugin.js';
import { check, E, errMessage, VideoRoomError } from './errors.js';
import { checkRange, RANGES } from './limits.js';
import { withdraw } from './publication.js';
import type { Publisher } from './publisher.js';
import type { Room } from './room.js';
import { checkAdminKey, lookupPublisher, lookupRoom, newUserId, userIdOf } from './room-access.js';
import type { VideoRoomState } from './videoroom-state.js';

/** The remote publisher `id` names in a room. */
function lookupRemote(vr: VideoRoomState, room: Room, body: JsonObject): Publisher {
  const id = userIdOf(vr, body, 'id', true)!;
  const p = room.participants.get(id);
  if (!p || !p.remote) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remote publisher (${id})`);
  return p;
}

/** The request about `p` carried to its node when `p` is another node's participant (span.ts); undefined: it is ours. */
function carried(vr: VideoRoomState, p: Publisher, body: JsonObject, request: string): Promise<JsonObject> | undefined {
  return p.spannedFrom !== undefined && vr.span ? vr.span.carry(p.spannedFrom, { ...body, request }) : undefined;
}

export async function listForwarders(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const others = vr.span ? await vr.span.forwarders(room) : [];
  return { videoroom: 'forwarders', room: room.id, publishers: [...vr.cascade.listForwarders(room), ...others] };
}

export async function rtpForward(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  if (vr.options.lockRtpForward) checkAdminKey(vr, body);
  const room = lookupRoom(vr, body, true);
  const p = lookupPublisher(vr, room, body);
  const there = carried(vr, p, body, 'rtp_forward');
  if (there) return there;
  return { videoroom: 'rtp_forward', room: room.id, publisher_id: p.id, ...(await vr.cascade.rtpForward(room, p, body)) };
}

export function stopRtpForward(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  check(body, [{ name: 'stream_id', type: 'positive', required: true }]);
  checkRange(body, 'stream_id', RANGES.stream_id);
  if (vr.options.lockRtpForward) checkAdminKey(vr, body);
  const room = lookupRoom(vr, body, true);
  const p = lookupPublisher(vr, room, body);
  const there = carried(vr, p, body, 'stop_rtp_forward');
  if (there) return there;
  vr.cascade.stopForward(p, body.stream_id as number);
  return { videoroom: 'stop_rtp_forward', room: room.id, publisher_id: p.id, stream_id: body.stream_id };
}

export async function publishRemotely(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  if (vr.options.lockRtpForward) checkAdminKey(vr, body);
  const room = lookupRoom(vr, body, true);
  const p = lookupPublisher(vr, room, body);
  const there = carried(vr, p, body, 'publish_remotely');
  if (there) return there;
  return { videoroom: 'success', room: room.id, id: p.id, ...(await vr.cascade.publishRemotely(p, body)) };
}

export function unpublishRemotely(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const p = lookupPublisher(vr, room, body);
  const there = carried(vr, p, body, 'unpublish_remotely');
  if (there) return there;
  vr.cascade.unpublishRemotely(p, body);
  return { videoroom: 'success', room: room.id, id: p.id };
}

export function listRemotes(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const p = lookupPublisher(vr, room, body);
  const there = carried(vr, p, body, 'listremotes');
  if (there) return there;
  return { videoroom: 'success', room: room.id, id: p.id, list: vr.cascade.listRemotes(p) };
}

export async function addRemotePublisher(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const id = userIdOf(vr, body, 'id', false);
  if (id !== undefined && room.participants.has(id)) throw new VideoRoomError(E.ID_EXISTS, `User ID ${id} already exists`);
  const newId = id ?? newUserId(vr, room);
  return { videoroom: 'success', room: room.id, ...(await vr.cascade.addRemotePublisher(room, newId, body)) };
}

export function updateRemotePublisher(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const p = lookupRemote(vr, room, body);
  // The copy of another node's participant: asked of that node (where an operator's remote publisher lives).
  const there = carried(vr, p, body, 'update_remote_publisher');
  if (there) return there;
  const before = [...p.streams];
  vr.cascade.updateRemotePublisher(room, p, body);
  // Crossing to other nodes (span.ts), it is forwarded as it is now: new streams too, and its copies follow.
  const added = p.streams.filter((s) => !before.includes(s));
  vr.cascade.streamsAdded(p, added).catch((err: unknown) => vr.log.warn(`videoroom: room ${room.id}: remote publisher ${p.id}'s new streams not forwarded: ${errMessage(err)}`));
  if (p.spannedFrom === undefined) vr.span?.republished(room, p);
  return { videoroom: 'success' };
}

export function removeRemotePublisher(vr: VideoRoomState, body: JsonObject): JsonObject | Promise<JsonObject> {
  const room = lookupRoom(vr, body, true);
  const p = lookupRemote(vr, room, body);
  const there = carried(vr, p, body, 'remove_remote_publisher');
  if (there) return there;
  withdraw(vr, room, p, true);
  return { videoroom: 'success' };
}

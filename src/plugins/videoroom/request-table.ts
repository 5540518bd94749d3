// Every request the VideoRoom answers, in one table: whether it is answered at once (`ok`: room management,
// moderation, cascading) or queued on its handle and answered with an event (`ack`: joining and media
// negotiation), and its handler. Queued requests other than a join go to the handler of the handle's role; a role
// without one answers "Unknown request", as a request without an entry does. The kit (`PluginRequests`) checks the
// body and dispatches; each handler checks its own fields.
import type { JsonObject, Jsep } from '../plugin.js';
import { requestsFor, type RequestEntry, type RequestTable } from '../../plugin-api/request-table.js';
import { addRemotePublisher, listForwarders, listRemotes, publishRemotely, removeRemotePublisher, rtpForward, stopRtpForward, unpublishRemotely, updateRemotePublisher } from './cascade-requests.js';
import { check, E, VideoRoomError } from './errors.js';
import type { AsyncReply, HandleState } from './handle-state.js';
import { kick, moderate } from './moderation.js';
import { configurePublisher, joinPublisher, leavePublisher, unpublishRequest } from './participant-requests.js';
import type { Publisher } from './publisher.js';
import { enableRecording } from './recording.js';
import type { Room } from './room.js';
import { createRoom, destroyRoom, editAllowed, editRoom, listParticipants, listRooms, roomExists } from './room-requests.js';
import type { Subscriber } from './subscriber.js';
import { changeSubscription, configureSubscription, joinSubscriber, leaveSubscription, pauseSubscription, startSubscription, switchStreams } from './subscriber-requests.js';
import type { VideoRoomState } from './videoroom-state.js';

/** A request answered at once (also through the Admin API's `message_plugin`). */
export type SyncHandler = (vr: VideoRoomState, body: JsonObject) => JsonObject | Promise<JsonObject>;
/** A request answered after the handle's earlier ones, with an event (and maybe SDP). */
export type AsyncHandler = (vr: VideoRoomState, h: HandleState, body: JsonObject, jsep: Jsep | undefined) => Promise<AsyncReply>;

type RoleHandler<T> = (vr: VideoRoomState, h: HandleState, room: Room, target: T, body: JsonObject, jsep: Jsep | undefined) => Promise<AsyncReply>;

interface RoleHandlers {
  readonly publisher?: RoleHandler<Publisher>;
  readonly subscriber?: RoleHandler<Subscriber>;
}

type RequestDef = { readonly mode: 'sync'; readonly run: SyncHandler } | { readonly mode: 'async'; readonly run: AsyncHandler } | { readonly mode: 'role'; readonly roles: RoleHandlers };

const sync = (run: SyncHandler): RequestDef => ({ mode: 'sync', run });
const async = (run: AsyncHandler): RequestDef => ({ mode: 'async', run });
const byRole = (roles: RoleHandlers): RequestDef => ({ mode: 'role', roles });

/** `join` (and `joinandconfigure`, which publishes its offer at once): a handle joins once, as publisher or subscriber. */
function joinAs(configure: boolean): AsyncHandler {
  return async (vr, h, body, jsep) => {
    const role = h.role;
    if (role.kind === 'gone') throw new VideoRoomError(E.ALREADY_JOINED, 'Not in a room (create a new handle)');
    if (role.kind === 'publisher') throw new VideoRoomError(E.ALREADY_JOINED, 'Already in as a publisher on this handle');
    if (role.kind === 'subscriber') throw new VideoRoomError(E.ALREADY_JOINED, 'Already in as a subscriber on this handle');
    check(body, [{ name: 'ptype', type: 'string', required: true }]);
    const ptype = body.ptype as string;
    if (ptype === 'publisher') return joinPublisher(vr, h, body, configure ? jsep : undefined);
    if (ptype === 'subscriber' || ptype === 'listener') {
      // Unlike Janus, a subscriber may bring its own offer (a WHEP viewer): it is answered, send only.
      return joinSubscriber(vr, h, body, jsep);
    }
    throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (ptype)`);
  };
}

function dispatchByRole(request: string, roles: RoleHandlers): AsyncHandler {
  return async (vr, h, body, jsep) => {
    const role = h.role;
    if (role.kind === 'none' || role.kind === 'gone') throw new VideoRoomError(E.JOIN_FIRST, 'Invalid request on unconfigured participant');
    if (role.kind === 'publisher' && roles.publisher) return roles.publisher(vr, h, role.room, role.publisher, body, jsep);
    if (role.kind === 'subscriber' && roles.subscriber) return roles.subscriber(vr, h, role.room, role.subscriber, body, jsep);
    throw new VideoRoomError(E.INVALID_REQUEST, `Unknown request '${request}'`);
  };
}

const DEFINITIONS: Readonly<Record<string, RequestDef>> = {
  // Rooms
  create: sync(createRoom),
  edit: sync(editRoom),
  destroy: sync(destroyRoom),
  list: sync(listRooms),
  exists: sync(roomExists),
  allowed: sync(editAllowed),
  listparticipants: sync(listParticipants),
  // Moderation and recording
  kick: sync(kick),
  moderate: sync(moderate),
  enable_recording: sync(enableRecording),
  // Cascading
  listforwarders: sync(listForwarders),
  rtp_forward: sync(rtpForward),
  stop_rtp_forward: sync(stopRtpForward),
  publish_remotely: sync(publishRemotely),
  unpublish_remotely: sync(unpublishRemotely),
  listremotes: sync(listRemotes),
  list_remotes: sync(listRemotes),
  add_remote_publisher: sync(addRemotePublisher),
  update_remote_publisher: sync(updateRemotePublisher),
  remove_remote_publisher: sync(removeRemotePublisher),
  // Participants and subscriptions
  join: async(joinAs(false)),
  joinandconfigure: async(joinAs(true)),
  configure: byRole({
    publisher: (vr, h, room, p, body, jsep) => configurePublisher(vr, h, room, p, 'configure', body, jsep),
    subscriber: (vr, h, room, sub, body, jsep) => configureSubscription(vr, h, room, sub, body, jsep),
  }),
  publish: byRole({ publisher: (vr, h, room, p, body, jsep) => configurePublisher(vr, h, room, p, 'publish', body, jsep) }),
  unpublish: byRole({ publisher: (vr, h, room, p) => unpublishRequest(vr, h, room, p) }),
  leave: byRole({
    publisher: (vr, h, room) => leavePublisher(vr, h, room),
    subscriber: (vr, h, room) => leaveSubscription(vr, h, room),
  }),
  start: byRole({ subscriber: (vr, h, room, sub, _body, jsep) => startSubscription(vr, h, room, sub, jsep) }),
  pause: byRole({ subscriber: (_vr, _h, room, sub) => pauseSubscription(room, sub) }),
  switch: byRole({ subscriber: (vr, h, room, sub, body) => switchStreams(vr, h, room, sub, body) }),
  subscribe: byRole({ subscriber: (vr, _h, room, sub, body) => changeSubscription(vr, room, sub, 'subscribe', body) }),
  unsubscribe: byRole({ subscriber: (vr, _h, room, sub, body) => changeSubscription(vr, room, sub, 'unsubscribe', body) }),
  update: byRole({ subscriber: (vr, _h, room, sub, body) => changeSubscription(vr, room, sub, 'update', body) }),
};

/** Every request name the VideoRoom knows (for tests and fuzzers). */
export const REQUEST_NAMES: readonly string[] = Object.keys(DEFINITIONS);

/** The requests answered at once, by name: all the Admin API's `message_plugin` may ask (a Map: `constructor` is none). */
export const SYNC_REQUESTS: ReadonlyMap<string, SyncHandler> = new Map(
  Object.entries(DEFINITIONS).flatMap(([name, def]): Array<[string, SyncHandler]> => (def.mode === 'sync' ? [[name, def.run]] : [])),
);

const on = requestsFor<HandleState>();

/** The kit's table of every request, answered against `vr`; a handle's state is the kit's session. */
export function requestTable(vr: VideoRoomState): RequestTable<HandleState> {
  const table: Record<string, RequestEntry<HandleState>> = {};
  for (const [name, def] of Object.entries(DEFINITIONS)) {
    if (def.mode === 'sync') {
      const run = def.run;
      table[name] = on.ok({}, async (c) => ({ data: await run(vr, c.body) }));
    } else {
      const run = def.mode === 'async' ? def.run : dispatchByRole(name, def.roles);
      table[name] = on.ack({}, (c) => run(vr, c.session, c.body, c.jsep));
    }
  }
  return table;
}

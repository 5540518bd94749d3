// Every request the Streaming plugin knows, as a kit table: mountpoint management answered at once (also over
// the Admin API), a viewer's requests acknowledged and answered in the handle's queue (they need its viewer).
import { requestsFor, type RequestTable } from '../../plugin-api/request-table.js';
import type { JsonObject, PluginHandle, PluginMessage } from '../plugin.js';
import { createRequest, destroyRequest, disableRequest, editRequest, enableRequest, infoRequest, kickAllRequest, listRequest } from './mountpoint-requests.js';
import { recordingRequest } from './recording-requests.js';
import { E, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';
import type { Viewer } from './viewer.js';
import { publishRequest } from './webrtc-publisher.js';
import { configureRequest, pauseRequest, startRequest, stopRequest, switchRequest, watchRequest, type ViewerReply } from './viewer-requests.js';

/** `by`: the handle the request came on (undefined over the Admin API), whose context its events are in. */
export type SyncRequestHandler = (state: StreamingState, body: JsonObject, by: PluginHandle | undefined) => JsonObject | Promise<JsonObject>;
export type ViewerRequestHandler = (state: StreamingState, handle: PluginHandle, viewer: Viewer, message: PluginMessage) => Promise<ViewerReply>;

/** The kit's per-handle state: the handle's viewer (undefined over the Admin API, or once the handle is gone). */
export type StreamingSession = Viewer | undefined;

/**
 * The table, by lower-case request name, bound to the plugin's state. Fields are checked by the handlers
 * themselves, in Janus's order, so the table's field rules are empty.
 */
export function streamingRequests(state: StreamingState): RequestTable<StreamingSession> {
  const on = requestsFor<StreamingSession>();
  const sync = (run: SyncRequestHandler) => on.admin({}, ({ session, body }) => run(state, body, session?.handle));
  // A copy of another node's mountpoint: asked of that node (mountpoint-span.ts).
  const carried = (run: SyncRequestHandler) => sync((st, body, by) => st.span?.carry(body) ?? run(st, body, by));
  const viewer = (run: ViewerRequestHandler) =>
    on.ack({}, ({ session, handle, body, transaction, jsep }) => {
      if (!session) throw new StreamingError(E.UNKNOWN, 'No session associated with this handle');
      return run(state, handle, session, { transaction, body, jsep });
    });
  return {
    list: sync(listRequest),
    info: sync(infoRequest),
    create: sync(createRequest),
    edit: carried(editRequest),
    destroy: carried(destroyRequest),
    enable: carried(enableRequest),
    disable: carried(disableRequest),
    kick_all: carried(kickAllRequest),
    recording: carried(recordingRequest),
    watch: viewer(watchRequest),
    start: viewer(startRequest),
    pause: viewer(pauseRequest),
    configure: viewer(configureRequest),
    switch: viewer(switchRequest),
    stop: viewer(stopRequest),
    publish: viewer(publishRequest),
  };
}

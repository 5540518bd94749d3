// Every request the Streaming plugin knows, by name: answered at once (`sync`: mountpoint management, also over
// the Admin API) or with an ack and a later event (`async`: a viewer's requests, which need its handle).
import type { JsonObject, PluginHandle, PluginMessage } from '../plugin.js';
import { createRequest, destroyRequest, disableRequest, editRequest, enableRequest, infoRequest, kickAllRequest, listRequest } from './mountpoint-requests.js';
import { recordingRequest } from './recording-requests.js';
import type { StreamingState } from './streaming-state.js';
import type { Viewer } from './viewer.js';
import { configureRequest, pauseRequest, startRequest, stopRequest, switchRequest, watchRequest, type ViewerReply } from './viewer-requests.js';

export type SyncRequestHandler = (state: StreamingState, body: JsonObject) => JsonObject | Promise<JsonObject>;
export type ViewerRequestHandler = (state: StreamingState, handle: PluginHandle, viewer: Viewer, message: PluginMessage) => Promise<ViewerReply>;

export type StreamingRequest = { readonly mode: 'sync'; readonly run: SyncRequestHandler } | { readonly mode: 'async'; readonly run: ViewerRequestHandler };

const syncRequest = (run: SyncRequestHandler): StreamingRequest => ({ mode: 'sync', run });
const asyncRequest = (run: ViewerRequestHandler): StreamingRequest => ({ mode: 'async', run });

/** By lower-case request name (a Map: a name such as `constructor` finds nothing). */
export const STREAMING_REQUESTS: ReadonlyMap<string, StreamingRequest> = new Map([
  ['list', syncRequest(listRequest)],
  ['info', syncRequest(infoRequest)],
  ['create', syncRequest(createRequest)],
  ['edit', syncRequest(editRequest)],
  ['destroy', syncRequest(destroyRequest)],
  ['enable', syncRequest(enableRequest)],
  ['disable', syncRequest(disableRequest)],
  ['kick_all', syncRequest(kickAllRequest)],
  ['recording', syncRequest(recordingRequest)],
  ['watch', asyncRequest(watchRequest)],
  ['start', asyncRequest(startRequest)],
  ['pause', asyncRequest(pauseRequest)],
  ['configure', asyncRequest(configureRequest)],
  ['switch', asyncRequest(switchRequest)],
  ['stop', asyncRequest(stopRequest)],
]);

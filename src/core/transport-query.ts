// What the Admin API's `query_transport` reaches: a transport's own answer to a request about itself, as a
// Janus transport plugin's query_transport hook gives (tweaks, connection counts). Transports register one each.
import type { JsonObject } from './validate.js';

export interface TransportQuery {
  /** The transport's response to `request` (anything a client sent); errors are inside it, as Janus's are. */
  query(request: unknown): JsonObject;
}

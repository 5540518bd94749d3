// The Admin `query_transport` requests Janus's HTTP and WebSocket transports answer, the same for both:
// `configure` (whether the transport notifies event handlers, and how its JSON is written) and `connections`
// (how many it serves). Errors go inside the response with the transports' own codes, as Janus writes them.
import type { TransportQuery } from '../core/transport-query.js';
import { isJsonObject, type JsonObject } from '../core/validate.js';

/** The transports' query error codes (janus_http.c and janus_websockets.c use the same numbers). */
export const TransportQueryError = { INVALID_REQUEST: 411, MISSING_ELEMENT: 412, INVALID_ELEMENT: 413 } as const;

const JSON_STYLES: Record<string, string> = { indented: 'indented', plain: 'plain', compact: 'compact' };

export interface TweakableTransport {
  /** Whether the transport's events go to the event handlers (`configure` `events`). */
  notifyEvents: boolean;
  /** Sets how the transport writes JSON from now on. */
  setJsonStyle(style: string): void;
  /** The counts `connections` answers with (merged into the response). */
  connections(): JsonObject;
}

export class TransportTweaks implements TransportQuery {
  constructor(
    private readonly transport: TweakableTransport,
    /** Whether event handlers are enabled in the core (a note says when `events: true` will be ignored). */
    private readonly eventsEnabled: () => boolean,
  ) {}

  query(request: unknown): JsonObject {
    const fail = (code: number, error: string): JsonObject => ({ error_code: code, error });
    if (!isJsonObject(request)) return fail(TransportQueryError.MISSING_ELEMENT, 'Missing mandatory element (request)');
    const verb = request.request;
    if (verb === undefined) return fail(TransportQueryError.MISSING_ELEMENT, 'Missing mandatory element (request)');
    if (typeof verb !== 'string') return fail(TransportQueryError.INVALID_ELEMENT, 'Invalid element type (request should be a string)');
    switch (verb.toLowerCase()) {
      case 'configure':
        return this.configure(request, fail);
      case 'connections':
        return { result: 200, ...this.transport.connections() };
      default:
        return fail(TransportQueryError.INVALID_REQUEST, `Unknown request '${verb}'`);
    }
  }

  private configure(r: JsonObject, fail: (code: number, error: string) => JsonObject): JsonObject {
    if (r.events !== undefined && typeof r.events !== 'boolean') return fail(TransportQueryError.INVALID_ELEMENT, 'Invalid element type (events should be a boolean)');
    if (r.json !== undefined && typeof r.json !== 'string') return fail(TransportQueryError.INVALID_ELEMENT, 'Invalid element type (json should be a string)');
    const notes: string[] = [];
    // As Janus: an absent `events` counts as false.
    const events = r.events === true;
    if (events && !this.eventsEnabled()) notes.push('Event handlers disabled at the core level');
    this.transport.notifyEvents = events;
    if (typeof r.json === 'string') {
      const style = JSON_STYLES[r.json.toLowerCase()];
      if (style) this.transport.setJsonStyle(style);
      else notes.push('Ignored unsupported indentation format');
    }
    return { result: 200, ...(notes.length > 0 ? { notes } : {}) };
  }
}

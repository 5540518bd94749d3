// The TextRoom's requests by their `textroom` name, and how each origin gets its answer: a data channel message
// (with the transaction), or the `plugindata` of a Janus API or Admin API reply.
import { errorDetail } from '../../logging/error-text.js';
import { isJsonObject, PluginError, type JsonObject } from '../../plugin-api/index.js';
import { parseDataMessage } from './data-message.js';
import { announcement, join, leave, message } from './participant-requests.js';
import { checkFields, deliver, render, type Origin, type TextRoomCall } from './request-checks.js';
import { allowed, create, destroy, edit, exists, kick, list, listParticipants } from './room-requests.js';
import type { TextRoomSession } from './room.js';
import { E } from './textroom-error.js';
import type { TextRoomState } from './textroom-state.js';

type Handler = (call: TextRoomCall) => JsonObject | undefined;

const REQUESTS: Readonly<Record<string, Handler>> = {
  message,
  join,
  leave,
  list,
  listparticipants: listParticipants,
  allowed,
  kick,
  announcement,
  create,
  exists,
  edit,
  destroy,
};

/** Requests the Janus API (and the Admin API) take by `request`; the body's `textroom` may still name another one. */
export const API_REQUESTS = ['list', 'listparticipants', 'exists', 'create', 'edit', 'announcement', 'allowed', 'kick', 'destroy'] as const;

/**
 * Runs a request whose `textroom` names it; the answer, undefined when there is none to send (a message with
 * `ack: false`). Errors become `{ textroom: 'error', error_code, error }`.
 */
export function runRequest(state: TextRoomState, session: TextRoomSession | undefined, body: JsonObject, origin: Origin): JsonObject | undefined {
  try {
    checkFields(body, [
      { name: 'textroom', type: 'string', required: true },
      { name: 'transaction', type: 'string', required: true },
    ]);
    const name = (body.textroom as string).toLowerCase();
    const handler = Object.hasOwn(REQUESTS, name) ? REQUESTS[name] : undefined;
    if (!handler) throw new PluginError(E.INVALID_REQUEST, `Unsupported request ${String(body.textroom).slice(0, 100)}`);
    return handler({ state, session, body, origin });
  } catch (err) {
    if (err instanceof PluginError) return { textroom: 'error', error_code: err.code, error: err.message };
    (session?.handle.log ?? state.log).error(`textroom: internal error: ${errorDetail(err)}`);
    return { textroom: 'error', error_code: E.UNKNOWN_ERROR, error: 'Internal error' };
  }
}

/** A message from a handle's data channel: answered on the same handle's channel, as Janus does. */
export function answerDataMessage(state: TextRoomState, session: TextRoomSession, data: Buffer | string): void {
  const parsed = parseDataMessage(data);
  if (parsed.kind === 'dropped') {
    session.handle.log.warn(`textroom: data channel message dropped: ${parsed.why}`);
    return;
  }
  // Janus reads members of anything; a value that is not an object has none (413, textroom missing).
  const body = isJsonObject(parsed.value) ? parsed.value : {};
  const reply = runRequest(state, session, body, 'data');
  if (!reply) return;
  // As in Janus, the transaction comes back once both it and `textroom` were read.
  if (typeof body.textroom === 'string' && typeof body.transaction === 'string') reply.transaction = body.transaction;
  deliver(session, render(state, reply));
}

/**
 * A Janus API (or Admin API) request: `request` names it unless the body has a `textroom` of its own, and the
 * answer carries no transaction. Nothing to answer (an unacknowledged message) is Janus's 412.
 */
export function answerApiRequest(state: TextRoomState, session: TextRoomSession | undefined, request: string, body: JsonObject, transaction: string): JsonObject {
  const full = { ...body, textroom: body.textroom === undefined ? request : body.textroom, transaction };
  const reply = runRequest(state, session, full, session ? 'api' : 'admin');
  return reply ?? { textroom: 'event', error_code: E.INVALID_JSON, error: 'JSON error: not an object' };
}

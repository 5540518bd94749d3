// Parsing request bodies the way Janus reports problems with them, and writing replies that cannot fail.
import { ErrorCode, INTERNAL_ERROR_REASON, JanusError } from '../core/errors.js';
import { jsonBoundsProblem, isSafeId } from '../core/json-bounds.js';
import { MAX_REQUESTS_PER_MESSAGE, MAX_TRANSACTION_LENGTH, REQUEST_JSON_BOUNDS } from '../core/request-limits.js';
import { isJsonObject, type JsonObject } from '../core/validate.js';

/**
 * Parses one JSON value; a syntax error becomes Janus error 454 with the line it happened on. Nesting is
 * checked on the text first (454), so the parser never recurses deeper than REQUEST_JSON_BOUNDS allows; a
 * value with too many parts or too long a string is refused with 455 before anything sees it.
 */
export function parseJsonRequest(text: string): unknown {
  const depth = jsonTextDepth(text);
  if (depth > REQUEST_JSON_BOUNDS.maxDepth) throw new JanusError(ErrorCode.INVALID_JSON, `JSON error: nested deeper than ${REQUEST_JSON_BOUNDS.maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new JanusError(ErrorCode.INVALID_JSON, `JSON error: ${describeJsonError(text, err)}`);
  }
  const problem = jsonBoundsProblem(value, REQUEST_JSON_BOUNDS);
  if (problem !== undefined) throw new RequestTooLarge(problem, value);
  return value;
}

/** A request that parsed but is too large to handle (455); it still names its transaction, so the client can match the error. */
export class RequestTooLarge extends JanusError {
  readonly transaction: string | undefined;
  constructor(problem: string, request: unknown) {
    super(ErrorCode.INVALID_JSON_OBJECT, `JSON error: request too large (${problem})`);
    const tx = isJsonObject(request) ? request.transaction : undefined;
    this.transaction = typeof tx === 'string' && tx.length <= MAX_TRANSACTION_LENGTH ? tx : undefined;
  }
}

/** The `error` reply for a body that could not be taken as a request at all. */
export function unparsableReply(err: unknown): JsonObject {
  const e = err instanceof JanusError ? err : new JanusError(ErrorCode.INVALID_JSON, 'JSON error: malformed JSON');
  const reply: JsonObject = { janus: 'error' };
  if (e instanceof RequestTooLarge && e.transaction !== undefined) reply.transaction = e.transaction;
  reply.error = { code: e.code, reason: e.reason };
  return reply;
}

/** The deepest bracket nesting of JSON text, ignoring brackets inside strings; a linear scan, no recursion. */
export function jsonTextDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

function describeJsonError(text: string, err: unknown): string {
  // Only the parser's own syntax messages are passed on; anything else is not for the client.
  const message = err instanceof SyntaxError ? err.message : 'malformed JSON';
  const m = /position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Number(m[1]);
  const line = text.slice(0, pos).split('\n').length;
  return `on line ${line}: ${message}`;
}

/**
 * Splits a WebSocket text frame that may hold several JSON values one after another
 * (Janus accepts that); throws 454 if any of them is malformed.
 */
export function parseJsonSequence(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    const first = text[i];
    if (first === '{' || first === '[') {
      let depth = 0;
      let inString = false;
      for (; i < n; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
    } else if (first === '"') {
      // A string scalar: up to its closing quote.
      for (i++; i < n; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '"') {
          i++;
          break;
        }
      }
    } else {
      // Any other scalar: everything up to the next whitespace.
      while (i < n && !/\s/.test(text[i])) i++;
    }
    if (out.length >= MAX_REQUESTS_PER_MESSAGE) throw new JanusError(ErrorCode.INVALID_JSON, `JSON error: more than ${MAX_REQUESTS_PER_MESSAGE} requests in one message`);
    out.push(parseJsonRequest(text.slice(start, i)));
  }
  if (out.length === 0) throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: empty message');
  return out;
}

export type JsonStyle = 'compact' | 'indented' | 'plain';

export function serialize(message: unknown, style: string): string {
  return style === 'indented' ? JSON.stringify(message, null, 2) : style === 'plain' ? JSON.stringify(message, null, 1) : JSON.stringify(message);
}

/**
 * Serializes a reply or event for a client. A message that cannot be serialized (nested too deep for
 * JSON.stringify, a BigInt, a cycle) is a fault of ours: `fault` is told, and a reply with a transaction
 * becomes a neutral 490 error for that transaction; an event without one is dropped (undefined).
 */
export function serializeForClient(message: unknown, style: string, fault: (err: unknown) => void): string | undefined {
  try {
    return serialize(message, style);
  } catch (err) {
    fault(err);
    const replacement = faultReplyFor(message);
    return replacement ? serialize(replacement, style) : undefined;
  }
}

/** The 490 error for a request we cannot name (no transaction to echo). */
export const INTERNAL_ERROR_REPLY: Readonly<JsonObject> = { janus: 'error', error: { code: ErrorCode.UNKNOWN, reason: INTERNAL_ERROR_REASON } };

/** The 490 error that stands in for a reply we failed to write; undefined for a message that answers no request. */
export function faultReplyFor(message: unknown): JsonObject | undefined {
  if (!isJsonObject(message) || typeof message.transaction !== 'string') return undefined;
  const reply: JsonObject = { janus: 'error' };
  if (isSafeId(message.session_id)) reply.session_id = message.session_id;
  reply.transaction = message.transaction;
  reply.error = { code: ErrorCode.UNKNOWN, reason: INTERNAL_ERROR_REASON };
  return reply;
}

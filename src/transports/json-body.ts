// Parsing request bodies the way Janus reports problems with them.
import { ErrorCode, JanusError } from '../core/errors.js';

/** Parses one JSON value; a syntax error becomes Janus error 454 with the line it happened on. */
export function parseJsonRequest(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new JanusError(ErrorCode.INVALID_JSON, `JSON error: ${describeJsonError(text, err)}`);
  }
}

function describeJsonError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
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
    out.push(parseJsonRequest(text.slice(start, i)));
  }
  if (out.length === 0) throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: empty message');
  return out;
}

export type JsonStyle = 'compact' | 'indented' | 'plain';

export function serialize(message: unknown, style: string): string {
  return style === 'indented' ? JSON.stringify(message, null, 2) : style === 'plain' ? JSON.stringify(message, null, 1) : JSON.stringify(message);
}

// A data channel message as the TextRoom reads it: text holding one JSON value, of bounded size.

/** Larger messages are dropped unread (Janus carries a data message's length in 16 bits). */
export const MAX_DATA_MESSAGE = 65_535;

export type DataMessage = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'dropped'; readonly why: string };

/** Parses a message; binary, oversized and unparsable ones are dropped, with why (Janus answers none of them). */
export function parseDataMessage(data: Buffer | string): DataMessage {
  if (typeof data !== 'string') return { kind: 'dropped', why: 'binary data (the TextRoom takes text only)' };
  if (Buffer.byteLength(data) > MAX_DATA_MESSAGE) return { kind: 'dropped', why: `a message of more than ${MAX_DATA_MESSAGE} bytes` };
  if (data.length === 0) return { kind: 'dropped', why: 'an empty message' };
  try {
    return { kind: 'json', value: JSON.parse(data) as unknown };
  } catch (err) {
    return { kind: 'dropped', why: `not JSON (${err instanceof Error ? err.message.slice(0, 100) : 'parse error'})` };
  }
}

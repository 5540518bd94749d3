// A WebSocket message as text: `ws` hands over a Buffer, an ArrayBuffer or fragments, depending on binaryType.
import type { RawData } from 'ws';

/** The UTF-8 text of a received WebSocket message, whichever shape `ws` gave it in. */
export function wsText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

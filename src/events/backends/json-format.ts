// Janus's `json` setting of an event handler: how the JSON text of what it sends is laid out (jansson's flags).
import type { Logger } from '../../logging/logger.js';

/** compact: no spaces (JSON_COMPACT); plain: one line with ", " and ": " (JSON_INDENT(0)); indented: three spaces (JSON_INDENT(3)). */
export type JsonFormat = 'compact' | 'plain' | 'indented';

const FORMATS: readonly JsonFormat[] = ['compact', 'plain', 'indented'];

/** As Janus: a value it does not know is warned about and compact is used. */
export function parseJsonFormat(value: string | number | boolean | undefined, handler: string, log: Logger): JsonFormat {
  if (value === undefined || value === '') return 'compact';
  const t = String(value).trim().toLowerCase();
  const found = FORMATS.find((f) => f === t);
  if (found) return found;
  log.warn(`${handler}: unsupported json format ${JSON.stringify(String(value))}, using compact (known: ${FORMATS.join(', ')})`);
  return 'compact';
}

function plain(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(plain).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${plain(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** The JSON text of `value` in `format`; key order is kept (JSON_PRESERVE_ORDER). */
export function formatJson(value: unknown, format: JsonFormat): string {
  switch (format) {
    case 'compact':
      return JSON.stringify(value);
    case 'indented':
      return JSON.stringify(value, null, 3);
    case 'plain':
      // Through JSON first, so that undefined members, toJSON and the like come out as JSON.stringify has them.
      return plain(JSON.parse(JSON.stringify(value)));
  }
}

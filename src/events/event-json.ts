// How a handler writes its events (the `json` setting, as Janus's): compact (no spaces), plain (one line, a space
// after each separator) or indented (three spaces a level; "pretty" is taken as its other name).

export type EventJsonStyle = 'compact' | 'plain' | 'indented';

/** The style a setting names, or undefined when it names none. */
export function parseJsonStyle(text: string): EventJsonStyle | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'compact' || t === 'plain' || t === 'indented') return t;
  if (t === 'pretty') return 'indented';
  return undefined;
}

/** One event, or a batch as an array, as text in `style`. Values JSON cannot hold are left out as JSON.stringify does. */
export function eventText(value: unknown, style: EventJsonStyle): string {
  if (style === 'compact') return JSON.stringify(value) ?? 'null';
  if (style === 'indented') return JSON.stringify(value, null, 3) ?? 'null';
  return plainText(value);
}

function plainText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : plainText(v))).join(', ')}]`;
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function') continue;
      parts.push(`${JSON.stringify(k)}: ${plainText(v)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

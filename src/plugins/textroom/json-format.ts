// How the TextRoom writes what it sends on data channels (Janus's `json` setting) and the dates it stamps.

/** `indented`: three spaces a level (Janus's default); `plain`: one line with spaces; `compact`: no spaces. */
export type JsonStyle = 'indented' | 'plain' | 'compact';

/** The style a `json` setting names; anything unknown is the default, as in Janus. */
export function jsonStyle(value: unknown): JsonStyle {
  return value === 'plain' || value === 'compact' ? value : 'indented';
}

/** Serializes a JSON value in `style`. */
export function formatJson(value: unknown, style: JsonStyle): string {
  if (style === 'indented') return JSON.stringify(value, null, 3);
  if (style === 'compact') return JSON.stringify(value);
  return plain(value);
}

function plain(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(plain).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}: ${plain(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const two = (n: number): string => String(n).padStart(2, '0');

/** A message's date as Janus stamps it: local time, `YYYY-MM-DDTHH:MM:SS+HHMM`. */
export function messageDate(when: Date): string {
  const offset = -when.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  const date = `${when.getFullYear()}-${two(when.getMonth() + 1)}-${two(when.getDate())}`;
  const time = `${two(when.getHours())}:${two(when.getMinutes())}:${two(when.getSeconds())}`;
  return `${date}T${time}${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

// A recording's .nfo file, as Janus's Record&Play writes and reads it: an INI group named by the recording's id
// with its name, date and the .mjr file of each medium, e.g.
//   [1234]
//   name = My recording
//   date = 2026-12-03 12:00:00
//   audio = rec-1234-audio.mjr
// Pure functions: parsing never throws, it says why a file is not a recording.

export interface NfoRecording {
  readonly id: number;
  readonly name: string;
  readonly date: string;
  /** File names as written (relative to the recordings folder), with their .mjr extension. */
  readonly audio?: string;
  readonly video?: string;
  readonly data?: string;
}

/** Ids above this cannot be kept exactly in a JSON number. */
const MAX_ID = Number.MAX_SAFE_INTEGER;
/** A .nfo is a few lines; a larger file is not one. */
export const MAX_NFO_BYTES = 64 * 1024;

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** The first group of a .nfo text, or the reason it holds no usable recording. */
export function parseNfo(text: string): NfoRecording | string {
  if (text.length > MAX_NFO_BYTES) return 'the file is too large for a .nfo';
  let group: string | undefined;
  const items = new Map<string, string>();
  for (const raw of text.split(/\r\n|\n|\r/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      if (group !== undefined) break; // only the first group describes the recording
      group = header[1].trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (group === undefined || eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    if (!items.has(key)) items.set(key, unquote(line.slice(eq + 1)));
  }
  if (group === undefined) return 'no [id] group';
  if (!/^\d+$/.test(group)) return `the group name '${group.slice(0, 40)}' is not a numeric id`;
  const id = Number(group);
  if (id <= 0 || id > MAX_ID) return `the id ${group.slice(0, 40)} is out of range`;
  const name = items.get('name') ?? '';
  const date = items.get('date') ?? '';
  if (name === '' || date === '') return 'no name or no date';
  const audio = items.get('audio') || undefined;
  const video = items.get('video') || undefined;
  const data = items.get('data') || undefined;
  if (!audio && !video) return 'neither audio nor video';
  return { id, name, date, ...(audio ? { audio } : {}), ...(video ? { video } : {}), ...(data ? { data } : {}) };
}

/** A value as a line holds it: no line break (it would start a new item), quoted when reading would change it. */
function oneLine(value: string): string {
  const v = value.replace(/[\r\n]+/g, ' ');
  return v !== v.trim() || (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) ? `"${v}"` : v;
}

/** The text of a .nfo for `r` (CRLF line ends, as Janus writes them). */
export function formatNfo(r: NfoRecording): string {
  const lines = [`[${r.id}]`, `name = ${oneLine(r.name)}`, `date = ${oneLine(r.date)}`];
  if (r.audio) lines.push(`audio = ${oneLine(r.audio)}`);
  if (r.video) lines.push(`video = ${oneLine(r.video)}`);
  if (r.data) lines.push(`data = ${oneLine(r.data)}`);
  return lines.map((l) => `${l}\r\n`).join('');
}

/** The date as Janus writes it: local time, `YYYY-MM-DD HH:MM:SS`. */
export function recordingDate(at: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
}

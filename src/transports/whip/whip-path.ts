// Which WHIP or WHEP URL a request names (docs/whip-whep.md): an endpoint (where a client POSTs its offer) or a
// session's resource (where it PATCHes and DELETEs). Pure: a request target in, a description out.

export type WhipProtocol = 'whip' | 'whep';

/** What an endpoint publishes into (WHIP) or plays out of (WHEP). Ids stay text here; the plugin's id style decides. */
export type WhipTarget = { readonly plugin: 'videoroom'; readonly room: string; readonly feed?: string } | { readonly plugin: 'streaming'; readonly mountpoint: string };

export type WhipPath =
  | { readonly kind: 'endpoint'; readonly protocol: WhipProtocol; readonly target: WhipTarget; readonly query: Readonly<Record<string, string>> }
  | { readonly kind: 'resource'; readonly protocol: WhipProtocol; readonly id: string }
  /** Under a base path but naming nothing there: 404. */
  | { readonly kind: 'unknown'; readonly protocol: WhipProtocol };

export interface WhipBases {
  readonly whip: string;
  readonly whep: string;
}

/** The query parameters an endpoint reads; others are ignored. */
const QUERY_KEYS = new Set(['display', 'id', 'pin']);
const MAX_SEGMENT = 128;

function normalizedBase(base: string): string {
  return '/' + base.replace(/^\/+|\/+$/g, '');
}

function decode(segment: string): string | undefined {
  try {
    const text = decodeURIComponent(segment);
    return text === '' || text.length > MAX_SEGMENT || /[\u0000-\u001f\u007f/]/.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/** The request target's path and query, or undefined when the path is under neither base (not ours). */
export function parseWhipPath(target: string, bases: WhipBases): WhipPath | undefined {
  const q = target.indexOf('?');
  const pathname = (q < 0 ? target : target.slice(0, q)).replace(/\/+$/, '');
  const search = q < 0 ? '' : target.slice(q + 1);
  let protocol: WhipProtocol | undefined;
  let rest = '';
  for (const p of ['whip', 'whep'] as const) {
    const base = normalizedBase(bases[p]);
    if (base === '/') continue;
    if (pathname === base || pathname.startsWith(base + '/')) {
      protocol = p;
      rest = pathname.slice(base.length);
      break;
    }
  }
  if (!protocol) return undefined;
  const raw = rest.split('/').filter((s) => s !== '');
  const parts = raw.map(decode);
  if (parts.some((p) => p === undefined)) return { kind: 'unknown', protocol };
  const seg = parts as string[];
  if (seg.length === 2 && seg[0] === 'resource' && /^[A-Za-z0-9_-]{8,64}$/.test(seg[1])) return { kind: 'resource', protocol, id: seg[1] };
  const query = queryOf(search);
  if (seg[0] === 'videoroom') {
    if (protocol === 'whip' && seg.length === 2) return { kind: 'endpoint', protocol, target: { plugin: 'videoroom', room: seg[1] }, query };
    if (protocol === 'whep' && seg.length === 3) return { kind: 'endpoint', protocol, target: { plugin: 'videoroom', room: seg[1], feed: seg[2] }, query };
  }
  if (seg[0] === 'streaming' && seg.length === 2) return { kind: 'endpoint', protocol, target: { plugin: 'streaming', mountpoint: seg[1] }, query };
  return { kind: 'unknown', protocol };
}

function queryOf(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (search === '') return out;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(search);
  } catch {
    return out;
  }
  for (const [k, v] of params) {
    if (QUERY_KEYS.has(k) && !(k in out) && v.length <= 256 && !/[\u0000-\u001f\u007f]/.test(v)) out[k] = v;
  }
  return out;
}

/** An id from a URL as the plugin takes it: a number unless the plugin uses string ids (or it is not a safe integer). */
export function pluginId(text: string, stringIds: boolean): number | string | undefined {
  if (stringIds) return text;
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** The path of a session's resource. */
export function resourcePath(bases: WhipBases, protocol: WhipProtocol, id: string): string {
  return `${normalizedBase(bases[protocol])}/resource/${id}`;
}

/** The media type of a Content-Type field, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** The token of an `Authorization: Bearer <token>` field; undefined when absent or of another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer +(\S{1,2048})\s*$/i.exec(authorization ?? '');
  return m ? m[1] : undefined;
}

/** Whether an If-Match field lets a request through for an entity tag: absent, `*`, or a list naming it. */
export function ifMatchAllows(ifMatch: string | undefined, etag: string): boolean {
  if (ifMatch === undefined) return true;
  const field = ifMatch.trim();
  if (field === '*') return true;
  return field
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .includes(etag);
}

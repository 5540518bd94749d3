// The parts of RTSP 1.0 (RFC 2326) a Streaming `rtsp` mountpoint needs, as pure functions: messages (responses,
// and requests the server sends us; they may arrive split or several in one chunk), the camera's SDP, control
// URLs, Transport and Session headers (authentication is in rtsp-auth.ts).
// Every function here throws nothing but RtspError, whatever the input.
import { isIP } from '../../plugin-api/index.js';

export class RtspError extends Error {}

interface RtspMessageBase {
  /** Header names in lower case; the first value when a header is repeated. */
  readonly headers: ReadonlyMap<string, string>;
  /** Every header line in order (names in lower case), for headers that may repeat (WWW-Authenticate). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** Bytes of the input this message (and any interleaved frames before it) took. */
  readonly consumed: number;
}

export interface RtspResponse extends RtspMessageBase {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
}

/** A request from the server (SET_PARAMETER, ANNOUNCE, OPTIONS...). */
export interface RtspRequest extends RtspMessageBase {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
}

export type RtspMessage = RtspResponse | RtspRequest;

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 1024 * 1024;
const STATUS_LINE = /^RTSP\/1\.\d (\d{3})(?: (.*))?$/;
const REQUEST_LINE = /^([A-Za-z_-]{1,32}) (\S+) RTSP\/1\.\d$/;

/** True while `start` (the first bytes of a message, no line end yet) can still become a status or request line. */
function plausibleStart(start: string): boolean {
  const n = Math.min(start.length, 5);
  if (start.slice(0, n) === 'RTSP/'.slice(0, n)) return true;
  return /^[A-Za-z_-]{1,32}(?: \S*(?: R(?:T(?:S(?:P(?:\/.*)?)?)?)?)?)?$/.test(start);
}

/** Bytes of complete interleaved binary frames ($, channel, length, data) at the start of `buf`. */
export function interleavedLength(buf: Buffer): number {
  let at = 0;
  while (at + 4 <= buf.length && buf[at] === 0x24) {
    const next = at + 4 + buf.readUInt16BE(at + 2);
    if (next > buf.length) break;
    at = next;
  }
  return at;
}

/** The first complete message in `buf`, undefined when more bytes are needed; throws RtspError on garbage. */
export function parseRtspMessage(buf: Buffer): RtspMessage | undefined {
  let at = 0;
  // Interleaved binary frames ($, channel, length) may sit in front of a message.
  while (at < buf.length && buf[at] === 0x24) {
    if (at + 4 > buf.length) return undefined;
    at += 4 + buf.readUInt16BE(at + 2);
    if (at > buf.length) return undefined;
  }
  if (at >= buf.length) return undefined;
  // Only look at a bounded window, so a huge chunk of garbage costs no more than a small one.
  const window = buf.toString('latin1', at, Math.min(buf.length, at + MAX_HEAD + 4));
  const end = /\r?\n\r?\n/.exec(window);
  if (!end) {
    // Refuse garbage as soon as the first line shows it, rather than after MAX_HEAD bytes.
    const firstLine = window.split(/\r?\n/, 1)[0];
    const complete = window.includes('\n');
    if (complete ? !STATUS_LINE.test(firstLine) && !REQUEST_LINE.test(firstLine) : !plausibleStart(firstLine)) {
      throw new RtspError(`not an RTSP message: '${firstLine.slice(0, 40)}'`);
    }
    if (window.length > MAX_HEAD) throw new RtspError('RTSP message header too long');
    return undefined;
  }
  const lines = window.slice(0, end.index).split(/\r?\n/);
  const fields: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    // A line starting with white space continues the previous header (RFC 2326 section 4.2).
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      fields[fields.length - 1][1] = `${fields[fields.length - 1][1]} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const headers = new Map<string, string>();
  for (const [k, v] of fields) if (!headers.has(k)) headers.set(k, v);
  const lengthText = headers.get('content-length') ?? '0';
  const length = /^\d{1,8}$/.test(lengthText) ? Number(lengthText) : NaN;
  if (!Number.isInteger(length) || length > MAX_BODY) throw new RtspError(`bad Content-Length '${lengthText.slice(0, 20)}'`);
  const bodyStart = at + end.index + end[0].length;
  if (bodyStart + length > buf.length) return undefined;
  const base = { headers, fields, body: buf.subarray(bodyStart, bodyStart + length), consumed: bodyStart + length };
  const status = STATUS_LINE.exec(lines[0]);
  if (status) return { kind: 'response', status: Number(status[1]), reason: status[2] ?? '', ...base };
  const request = REQUEST_LINE.exec(lines[0]);
  if (request) return { kind: 'request', method: request[1].toUpperCase(), uri: request[2], ...base };
  throw new RtspError(`not an RTSP status or request line: '${lines[0].slice(0, 80)}'`);
}

/** Like parseRtspMessage, for input that may only hold responses. */
export function parseRtspResponse(buf: Buffer): RtspResponse | undefined {
  const m = parseRtspMessage(buf);
  if (m && m.kind !== 'response') throw new RtspError(`expected a response, got a ${m.method} request`);
  return m;
}

/** All values of a header that may be repeated. */
export function headerValues(msg: RtspMessage, name: string): string[] {
  const lower = name.toLowerCase();
  return msg.fields.filter(([k]) => k === lower).map(([, v]) => v);
}

export function buildRtspRequest(method: string, url: string, cseq: number, headers: Readonly<Record<string, string>> = {}): string {
  let out = `${method} ${url} RTSP/1.0\r\nCSeq: ${cseq}\r\nUser-Agent: Portunus\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return `${out}\r\n`;
}

/** A response to a request of the server; `cseq` echoed as received. */
export function buildRtspResponse(status: number, reason: string, cseq: string | undefined, headers: Readonly<Record<string, string>> = {}): string {
  let out = `RTSP/1.0 ${status} ${reason}\r\n`;
  if (cseq !== undefined) out += `CSeq: ${cseq}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return `${out}\r\n`;
}

export interface RtspUrl {
  readonly host: string;
  readonly port: number;
  /** The URL without credentials, as sent in requests. */
  readonly clean: string;
  readonly user?: string;
  readonly password?: string;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RtspError(`bad percent-encoding in '${text}'`);
  }
}

/** A client's text as an error message may quote it: short enough that an error never carries a whole request back. */
function quoted(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** rtsp://[user:pass@]host[:port]/path — the host must be an IP literal (no name look-ups). */
export function parseRtspUrl(text: string): RtspUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new RtspError(`'${quoted(text)}' is not a URL`);
  }
  if (u.protocol !== 'rtsp:') throw new RtspError(`'${quoted(text)}' is not an rtsp:// URL`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (isIP(host) === 0) throw new RtspError(`the RTSP host must be an IP address ('${quoted(host)}' would need a name look-up)`);
  const user = u.username ? decode(u.username) : undefined;
  const password = u.password ? decode(u.password) : undefined;
  u.username = '';
  u.password = '';
  return { host, port: u.port ? Number(u.port) : 554, clean: u.toString(), user, password };
}

/** The request-URI with only the path (and query), for servers that want it so (`rtsp_quirk`). */
export function pathOnly(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
  if (!m) return url;
  return m[1].startsWith('/') ? m[1] : `/${m[1]}`;
}

export interface RtspTrack {
  readonly type: 'audio' | 'video';
  readonly pt: number;
  readonly codec?: string;
  readonly clockRate?: number;
  readonly channels?: number;
  readonly fmtp?: string;
  readonly control: string;
}

/** RFC 3551 tables 4 and 5: static payload types, which need no rtpmap. */
const STATIC_PT: Readonly<Record<number, { codec: string; clockRate: number; channels?: number }>> = {
  0: { codec: 'pcmu', clockRate: 8000, channels: 1 },
  3: { codec: 'gsm', clockRate: 8000, channels: 1 },
  4: { codec: 'g723', clockRate: 8000, channels: 1 },
  5: { codec: 'dvi4', clockRate: 8000, channels: 1 },
  6: { codec: 'dvi4', clockRate: 16000, channels: 1 },
  7: { codec: 'lpc', clockRate: 8000, channels: 1 },
  8: { codec: 'pcma', clockRate: 8000, channels: 1 },
  9: { codec: 'g722', clockRate: 8000, channels: 1 },
  10: { codec: 'l16', clockRate: 44100, channels: 2 },
  11: { codec: 'l16', clockRate: 44100, channels: 1 },
  12: { codec: 'qcelp', clockRate: 8000, channels: 1 },
  13: { codec: 'cn', clockRate: 8000, channels: 1 },
  14: { codec: 'mpa', clockRate: 90000 },
  15: { codec: 'g728', clockRate: 8000, channels: 1 },
  16: { codec: 'dvi4', clockRate: 11025, channels: 1 },
  17: { codec: 'dvi4', clockRate: 22050, channels: 1 },
  18: { codec: 'g729', clockRate: 8000, channels: 1 },
  25: { codec: 'celb', clockRate: 90000 },
  26: { codec: 'jpeg', clockRate: 90000 },
  28: { codec: 'nv', clockRate: 90000 },
  31: { codec: 'h261', clockRate: 90000 },
  32: { codec: 'mpv', clockRate: 90000 },
  33: { codec: 'mp2t', clockRate: 90000 },
  34: { codec: 'h263', clockRate: 90000 },
};

/** The audio and video m-lines of a camera's SDP with their first payload type and control attribute. */
export function parseRtspSdp(sdp: string): { tracks: RtspTrack[]; sessionControl?: string } {
  const tracks: RtspTrack[] = [];
  type Draft = { type: 'audio' | 'video'; pt: number; codec?: string; clockRate?: number; channels?: number; fmtp?: string; control?: string };
  let current: Draft | undefined;
  // Session level ends at the first m-line, whatever its kind (m=application too).
  let inMedia = false;
  let sessionControl: string | undefined;
  const flush = (): void => {
    if (current) {
      const known = current.codec === undefined ? STATIC_PT[current.pt] : undefined;
      tracks.push({ ...current, ...known, control: current.control ?? '' });
    }
    current = undefined;
  };
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      flush();
      inMedia = true;
      const m = /^m=(audio|video) \d+(?:\/\d+)? \S+ (\d{1,3})(?:\s|$)/.exec(line);
      if (m && Number(m[2]) <= 127) current = { type: m[1] as 'audio' | 'video', pt: Number(m[2]) };
      continue;
    }
    if (line.startsWith('a=control:')) {
      if (current) current.control ??= line.slice(10).trim();
      else if (!inMedia) sessionControl ??= line.slice(10).trim();
      continue;
    }
    if (!current) continue;
    const rtpmap = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(line);
    if (rtpmap && Number(rtpmap[1]) === current.pt) {
      current.codec = rtpmap[2].toLowerCase();
      current.clockRate = Number(rtpmap[3]);
      if (rtpmap[4]) current.channels = Number(rtpmap[4]);
    }
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp && Number(fmtp[1]) === current.pt) current.fmtp = fmtp[2];
  }
  flush();
  return { tracks, sessionControl };
}

/**
 * The URL a control attribute names: absolute URLs as they are, absolute paths on the base's scheme, host and
 * port, relative ones appended to the base (Content-Base, or the DESCRIBE URL).
 */
export function resolveControl(base: string, control: string): string {
  // Both end up in our request lines: a control character (a lone CR) there could start a header of its own.
  if (/[\x00-\x1f\x7f]/.test(base) || /[\x00-\x1f\x7f]/.test(control)) throw new RtspError('a control URL holds control characters');
  if (control === '' || control === '*') return base;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(control)) return control;
  if (control.startsWith('/')) {
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(base);
    return origin ? origin[0] + control : control;
  }
  return base.endsWith('/') ? base + control : `${base}/${control}`;
}

/** A session time-out is kept within 5 s .. a day: the keep-alive timer runs at half of it. */
const MAX_SESSION_TIMEOUT = 86_400;

/** Session id and its time-out (seconds, default 60, within 5..86400) from a Session header. */
export function parseSessionHeader(value: string): { id: string; timeout: number } {
  const [id, ...params] = value.split(';').map((s) => s.trim());
  if (!id) throw new RtspError(`no session id in Session header '${value.slice(0, 80)}'`);
  if (id.length > 256 || /[\x00-\x1f\x7f]/.test(id)) throw new RtspError('the session id in the Session header is too long or holds control characters');
  let timeout = 60;
  for (const p of params) {
    const m = /^timeout\s*=\s*(\d{1,9})$/i.exec(p);
    if (m) timeout = Math.min(MAX_SESSION_TIMEOUT, Math.max(5, Number(m[1])));
  }
  return { id, timeout };
}

/** server_port=a-b from a Transport header; undefined unless both are ports 1..65535. */
export function serverPorts(transport: string): { rtp: number; rtcp: number } | undefined {
  // Whole numbers only: a six-digit port must not be read as its first five digits.
  const m = /server_port=(\d{1,5})(?:-(\d{1,5}))?(?![\d])/i.exec(transport);
  if (!m) return undefined;
  const rtp = Number(m[1]);
  const rtcp = m[2] ? Number(m[2]) : rtp + 1;
  const isPort = (p: number): boolean => p >= 1 && p <= 65535;
  return isPort(rtp) && isPort(rtcp) ? { rtp, rtcp } : undefined;
}

// The parts of RTSP 1.0 (RFC 2326) a Streaming `rtsp` mountpoint needs, as pure functions: requests, responses
// (which may arrive split or several in one chunk), the camera's SDP, control URLs, Transport and Session
// headers, and Basic/Digest authentication (RFC 2617).
import { createHash } from 'node:crypto';

export class RtspError extends Error {}

export interface RtspResponse {
  readonly status: number;
  readonly reason: string;
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** Bytes of the input this response (and any interleaved frames before it) took. */
  readonly consumed: number;
}

const MAX_HEAD = 16 * 1024;

/** The first complete response in `buf`, undefined when more bytes are needed; throws RtspError on garbage. */
export function parseRtspResponse(buf: Buffer): RtspResponse | undefined {
  let at = 0;
  // Interleaved binary frames ($, channel, length) may sit in front of a response.
  while (at < buf.length && buf[at] === 0x24) {
    if (at + 4 > buf.length) return undefined;
    const len = buf.readUInt16BE(at + 2);
    if (at + 4 + len > buf.length) return undefined;
    at += 4 + len;
  }
  if (at >= buf.length) return undefined;
  const headEnd = buf.indexOf('\r\n\r\n', at, 'latin1');
  if (headEnd < 0) {
    if (buf.length - at > MAX_HEAD) throw new RtspError('response header too long');
    if (buf.length - at >= 5 && buf.toString('latin1', at, at + 5) !== 'RTSP/') throw new RtspError('not an RTSP response');
    return undefined;
  }
  const lines = buf.toString('latin1', at, headEnd).split('\r\n');
  const m = /^RTSP\/1\.\d (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!m) throw new RtspError(`not an RTSP status line: '${lines[0].slice(0, 80)}'`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = Number(headers.get('content-length') ?? '0');
  if (!Number.isInteger(length) || length < 0 || length > 1024 * 1024) throw new RtspError('bad Content-Length');
  const bodyStart = headEnd + 4;
  if (bodyStart + length > buf.length) return undefined;
  return { status: Number(m[1]), reason: m[2], headers, body: buf.subarray(bodyStart, bodyStart + length), consumed: bodyStart + length };
}

export function buildRtspRequest(method: string, url: string, cseq: number, headers: Readonly<Record<string, string>> = {}): string {
  let out = `${method} ${url} RTSP/1.0\r\nCSeq: ${cseq}\r\nUser-Agent: Portunus\r\n`;
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

/** rtsp://[user:pass@]host[:port]/path — the host must be an IP literal (no name look-ups). */
export function parseRtspUrl(text: string): RtspUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new RtspError(`'${text}' is not a URL`);
  }
  if (u.protocol !== 'rtsp:') throw new RtspError(`'${text}' is not an rtsp:// URL`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host) && !host.includes(':')) throw new RtspError(`the RTSP host must be an IP address ('${host}' would need a name look-up)`);
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  return { host, port: u.port ? Number(u.port) : 554, clean: u.toString(), user, password };
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

/** The audio and video m-lines of a camera's SDP with their first payload type and control attribute. */
export function parseRtspSdp(sdp: string): { tracks: RtspTrack[]; sessionControl?: string } {
  const tracks: RtspTrack[] = [];
  let current: { type: 'audio' | 'video'; pt: number; codec?: string; clockRate?: number; channels?: number; fmtp?: string; control?: string } | undefined;
  let sessionControl: string | undefined;
  const flush = (): void => {
    if (current) tracks.push({ ...current, control: current.control ?? '' });
    current = undefined;
  };
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      flush();
      const m = /^m=(audio|video) \d+(?:\/\d+)? \S+ (\d+)/.exec(line);
      if (m) current = { type: m[1] as 'audio' | 'video', pt: Number(m[2]) };
      continue;
    }
    if (line.startsWith('a=control:')) {
      if (current) current.control = line.slice(10);
      else if (tracks.length === 0) sessionControl = line.slice(10);
      continue;
    }
    if (!current) continue;
    const rtpmap = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(line);
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

/** The URL to SETUP a track: absolute controls as they are, relative ones against Content-Base or the URL. */
export function resolveControl(base: string, control: string): string {
  if (control === '' || control === '*') return base;
  if (/^rtsp:\/\//i.test(control)) return control;
  return base.endsWith('/') ? base + control : `${base}/${control}`;
}

/** Session id and its time-out (seconds, default 60) from a Session header. */
export function parseSessionHeader(value: string): { id: string; timeout: number } {
  const [id, ...params] = value.split(';').map((s) => s.trim());
  let timeout = 60;
  for (const p of params) {
    const m = /^timeout=(\d+)$/i.exec(p);
    if (m) timeout = Math.max(5, Number(m[1]));
  }
  return { id, timeout };
}

/** server_port=a-b from a Transport header. */
export function serverPorts(transport: string): { rtp: number; rtcp: number } | undefined {
  const m = /server_port=(\d+)(?:-(\d+))?/i.exec(transport);
  if (!m) return undefined;
  return { rtp: Number(m[1]), rtcp: m[2] ? Number(m[2]) : Number(m[1]) + 1 };
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** An Authorization header answering a 401 WWW-Authenticate challenge (Digest preferred, else Basic). */
export function authorizationFor(challenge: string, method: string, uri: string, user: string, password: string, cnonce = md5(String(Math.random())).slice(0, 16)): string {
  if (/^basic/i.test(challenge)) return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const param = (name: string): string | undefined => new RegExp(`${name}="?([^",]*)"?`, 'i').exec(challenge)?.[1];
  const realm = param('realm') ?? '';
  const nonce = param('nonce') ?? '';
  const qop = param('qop');
  const opaque = param('opaque');
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  let header = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}"`;
  if (qop && /(^|,)\s*auth\s*(,|$)/.test(qop)) {
    const nc = '00000001';
    header += `, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`;
  } else header += `, response="${md5(`${ha1}:${nonce}:${ha2}`)}"`;
  if (opaque) header += `, opaque="${opaque}"`;
  return header;
}

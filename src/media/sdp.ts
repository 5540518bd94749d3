// A pure SDP parser: turns session description text into a plain structure, or throws SdpError saying why not.
// It knows only what Portunus needs to check and rewrite offers and answers; unknown lines are kept verbatim.
import { staticPayloadCodec } from '../forwarding/codec-registry.js';

export class SdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdpError';
  }
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpCodec {
  readonly pt: number;
  /** Encoding name as written (case kept), e.g. "opus", "VP8", "rtx". */
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly fmtp?: string;
  readonly rtcpFb: readonly string[];
}

export interface SdpExtmap {
  readonly id: number;
  readonly uri: string;
  readonly direction?: string;
}

export interface SdpFingerprint {
  readonly algorithm: string;
  readonly value: string;
}

export interface SdpRid {
  readonly id: string;
  readonly direction: 'send' | 'recv';
}

export interface SdpMedia {
  readonly index: number;
  /** "audio", "video", "application" or whatever the m-line says. */
  readonly kind: string;
  readonly port: number;
  readonly proto: string;
  readonly formats: readonly string[];
  readonly mid?: string;
  readonly direction: MediaDirection;
  readonly codecs: readonly SdpCodec[];
  readonly extmaps: readonly SdpExtmap[];
  readonly iceUfrag?: string;
  readonly icePwd?: string;
  readonly fingerprints: readonly SdpFingerprint[];
  readonly setup?: string;
  /** Candidate attribute values, without the leading "a=". */
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  readonly rids: readonly SdpRid[];
  readonly simulcast?: string;
  readonly sctpPort?: number;
  readonly maxMessageSize?: number;
  readonly ssrcs: readonly number[];
  readonly rtcpMux: boolean;
  /** The m-line and every line after it up to the next m-line, as given. */
  readonly lines: readonly string[];
}

export interface SdpSession {
  readonly origin: string;
  readonly iceUfrag?: string;
  readonly icePwd?: string;
  readonly iceLite: boolean;
  readonly fingerprints: readonly SdpFingerprint[];
  readonly setup?: string;
  readonly groups: readonly { readonly semantics: string; readonly mids: readonly string[] }[];
  readonly media: readonly SdpMedia[];
  /** Session-level lines (v=, o=, s=, t=, a=…), as given. */
  readonly sessionLines: readonly string[];
}

const MAX_SDP_LENGTH = 256 * 1024;
const MAX_MEDIA = 64;

/** Splits SDP text in lines, accepting CRLF or bare LF, ignoring trailing blank lines. */
export function sdpLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

interface MutableMedia {
  index: number;
  kind: string;
  port: number;
  proto: string;
  formats: string[];
  mid?: string;
  direction: MediaDirection;
  rtpmap: Map<number, { name: string; clockRate: number; channels?: number }>;
  fmtp: Map<number, string>;
  rtcpFb: Map<number | '*', string[]>;
  extmaps: SdpExtmap[];
  iceUfrag?: string;
  icePwd?: string;
  fingerprints: SdpFingerprint[];
  setup?: string;
  candidates: string[];
  endOfCandidates: boolean;
  rids: SdpRid[];
  simulcast?: string;
  sctpPort?: number;
  maxMessageSize?: number;
  ssrcs: number[];
  rtcpMux: boolean;
  lines: string[];
}

/** RFC 3551 assigns payload types below this one; the registry's AV1/H.265 types above it are dynamic ones of our offers. */
const FIRST_UNASSIGNED_PT = 35;

/** The rtpmap a static payload type stands for when a browser offers it without one (PCMU, PCMA, G.722). */
function staticRtpmap(pt: number): { name: string; clockRate: number; channels?: number } | undefined {
  const codec = pt < FIRST_UNASSIGNED_PT ? staticPayloadCodec(pt) : undefined;
  return codec && { name: codec.sdpName, clockRate: codec.clockRate, channels: codec.channels };
}

function parseFingerprint(value: string): SdpFingerprint {
  const m = /^(\S+)\s+([0-9A-Fa-f:]+)$/.exec(value.trim());
  if (!m) throw new SdpError(`invalid a=fingerprint '${value}'`);
  return { algorithm: m[1].toLowerCase(), value: m[2].toUpperCase() };
}

function toInt(text: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new SdpError(`invalid ${what} '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new SdpError(`${what} ${n} out of range`);
  return n;
}

/** Parses an SDP; throws SdpError on anything structurally wrong. */
export function parseSdp(text: unknown): SdpSession {
  if (typeof text !== 'string') throw new SdpError('SDP is not a string');
  if (text.length === 0) throw new SdpError('SDP is empty');
  if (text.length > MAX_SDP_LENGTH) throw new SdpError('SDP is too large');
  const lines = sdpLines(text);
  if (lines[0] !== 'v=0') throw new SdpError('SDP must start with v=0');
  const sessionLines: string[] = [];
  const media: MutableMedia[] = [];
  let origin = '';
  let iceUfrag: string | undefined;
  let icePwd: string | undefined;
  let iceLite = false;
  const fingerprints: SdpFingerprint[] = [];
  let setup: string | undefined;
  let sessionDirection: MediaDirection = 'sendrecv';
  const groups: { semantics: string; mids: string[] }[] = [];
  let current: MutableMedia | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length < 2 || line[1] !== '=' || !/^[a-z]$/.test(line[0])) {
      throw new SdpError(`line ${i + 1} is not of the form <letter>=<value>`);
    }
    const type = line[0];
    const value = line.slice(2);
    if (type === 'm') {
      const m = /^(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(value);
      if (!m) throw new SdpError(`invalid m-line '${line}'`);
      if (media.length >= MAX_MEDIA) throw new SdpError('too many m-lines');
      current = {
        index: media.length,
        kind: m[1],
        port: toInt(m[2], 'port', 0, 65535),
        proto: m[3],
        formats: (m[4] ?? '').split(' ').filter((f) => f !== ''),
        direction: sessionDirection,
        rtpmap: new Map(),
        fmtp: new Map(),
        rtcpFb: new Map(),
        extmaps: [],
        fingerprints: [],
        candidates: [],
        endOfCandidates: false,
        rids: [],
        ssrcs: [],
        rtcpMux: false,
        lines: [line],
      };
      media.push(current);
      continue;
    }
    if (current) current.lines.push(line);
    else sessionLines.push(line);
    if (type === 'o' && !current) origin = value;
    if (type !== 'a') continue;
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    const arg = colon < 0 ? '' : value.slice(colon + 1);
    switch (name) {
      case 'ice-ufrag':
        if (current) current.iceUfrag = arg;
        else iceUfrag = arg;
        break;
      case 'ice-pwd':
        if (current) current.icePwd = arg;
        else icePwd = arg;
        break;
      case 'ice-lite':
        iceLite = true;
        break;
      case 'fingerprint':
        (current ? current.fingerprints : fingerprints).push(parseFingerprint(arg));
        break;
      case 'setup':
        if (current) current.setup = arg;
        else setup = arg;
        break;
      case 'group': {
        const parts = arg.split(' ').filter((p) => p !== '');
        if (parts.length > 0) groups.push({ semantics: parts[0], mids: parts.slice(1) });
        break;
      }
      case 'sendrecv':
      case 'sendonly':
      case 'recvonly':
      case 'inactive':
        if (current) current.direction = name;
        else sessionDirection = name;
        break;
      default:
        if (current) parseMediaAttribute(current, name, arg);
    }
  }
  if (!origin) throw new SdpError('SDP has no o= line');
  const parsedMedia: SdpMedia[] = media.map((m) => finishMedia(m));
  return {
    origin,
    iceUfrag,
    icePwd,
    iceLite,
    fingerprints,
    setup,
    groups,
    media: parsedMedia,
    sessionLines,
  };
}

function parseMediaAttribute(m: MutableMedia, name: string, arg: string): void {
  switch (name) {
    case 'mid':
      m.mid = arg.trim();
      break;
    case 'rtpmap': {
      const r = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(arg);
      if (!r) throw new SdpError(`invalid a=rtpmap '${arg}'`);
      const pt = toInt(r[1], 'payload type', 0, 127);
      m.rtpmap.set(pt, { name: r[2], clockRate: Number(r[3]), channels: r[4] !== undefined ? Number(r[4]) : undefined });
      break;
    }
    case 'fmtp': {
      const r = /^(\d+) (.*)$/.exec(arg);
      if (r) m.fmtp.set(Number(r[1]), r[2].trim());
      break;
    }
    case 'rtcp-fb': {
      const r = /^(\d+|\*) (.+)$/.exec(arg);
      if (!r) break;
      const key: number | '*' = r[1] === '*' ? '*' : Number(r[1]);
      const list = m.rtcpFb.get(key) ?? [];
      list.push(r[2].trim());
      m.rtcpFb.set(key, list);
      break;
    }
    case 'extmap': {
      const r = /^(\d+)(?:\/(\w+))? (\S+)/.exec(arg);
      if (!r) throw new SdpError(`invalid a=extmap '${arg}'`);
      m.extmaps.push({ id: toInt(r[1], 'extmap id', 1, 255), direction: r[2], uri: r[3] });
      break;
    }
    case 'candidate':
      m.candidates.push(`candidate:${arg}`);
      break;
    case 'end-of-candidates':
      m.endOfCandidates = true;
      break;
    case 'rid': {
      const r = /^(\S+) (send|recv)\b/.exec(arg);
      if (r) m.rids.push({ id: r[1], direction: r[2] as 'send' | 'recv' });
      break;
    }
    case 'simulcast':
      m.simulcast = arg.trim();
      break;
    case 'sctp-port':
      m.sctpPort = toInt(arg.trim(), 'sctp-port', 0, 65535);
      break;
    case 'max-message-size':
      if (/^\d+$/.test(arg.trim())) m.maxMessageSize = Number(arg.trim());
      break;
    case 'ssrc': {
      const r = /^(\d+) /.exec(arg);
      if (r) {
        const ssrc = Number(r[1]);
        if (ssrc <= 0xffffffff && !m.ssrcs.includes(ssrc)) m.ssrcs.push(ssrc);
      }
      break;
    }
    case 'rtcp-mux':
      m.rtcpMux = true;
      break;
    default:
      break;
  }
}

function finishMedia(m: MutableMedia): SdpMedia {
  const codecs: SdpCodec[] = [];
  if (m.kind === 'audio' || m.kind === 'video') {
    const common = m.rtcpFb.get('*') ?? [];
    for (const f of m.formats) {
      if (!/^\d+$/.test(f)) continue;
      const pt = Number(f);
      if (pt > 127) continue;
      const map = m.rtpmap.get(pt) ?? staticRtpmap(pt);
      if (!map) continue;
      codecs.push({ pt, name: map.name, clockRate: map.clockRate, channels: map.channels, fmtp: m.fmtp.get(pt), rtcpFb: [...common, ...(m.rtcpFb.get(pt) ?? [])] });
    }
  }
  return {
    index: m.index,
    kind: m.kind,
    port: m.port,
    proto: m.proto,
    formats: m.formats,
    mid: m.mid,
    direction: m.direction,
    codecs,
    extmaps: m.extmaps,
    iceUfrag: m.iceUfrag,
    icePwd: m.icePwd,
    fingerprints: m.fingerprints,
    setup: m.setup,
    candidates: m.candidates,
    endOfCandidates: m.endOfCandidates,
    rids: m.rids,
    simulcast: m.simulcast,
    sctpPort: m.sctpPort,
    maxMessageSize: m.maxMessageSize,
    ssrcs: m.ssrcs,
    rtcpMux: m.rtcpMux,
    lines: m.lines,
  };
}

/** Parses "a=b;c=d" fmtp parameters into a lower-cased key map. */
export function parseFmtp(fmtp: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!fmtp) return out;
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

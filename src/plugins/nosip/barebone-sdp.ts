// The "barebone" SDP the NoSIP plugin exchanges with a plain-RTP peer: the m-lines, codecs, addresses, ports,
// directions and SDES keys of a session description, without ICE, DTLS, bundling or the rest of WebRTC. Pure
// functions: `parseSdp` reads any SDP (a browser's or a barebone one) into that shape; `writeBarebone` writes one.

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpCodec {
  readonly pt: number;
  /** The rtpmap encoding name as written (`opus`, `PCMU`, `VP8`). */
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly fmtp?: string;
  /** The rtcp-fb values of this payload type (`nack`, `nack pli`, ...). */
  readonly feedback: readonly string[];
}

/** One `a=crypto` line (RFC 4568): its tag, its suite and the base64 key of its first `inline:` key. */
export interface SdpCrypto {
  readonly tag: number;
  readonly suite: string;
  readonly key: string;
}

export interface SdpExtension {
  readonly id: number;
  readonly uri: string;
}

export interface SdpMedia {
  /** `audio`, `video`, `application`, or whatever else the line says. */
  readonly kind: string;
  /** 0: the m-line is rejected or disabled. */
  readonly port: number;
  readonly proto: string;
  /** The payload types in the m-line's order (the first is the preferred one). */
  readonly payloads: readonly number[];
  /** The m-line's own c= address, if any. */
  readonly address?: string;
  readonly direction: Direction;
  /** The codecs of `payloads` that have an rtpmap (or a static payload type), in the same order. */
  readonly codecs: readonly SdpCodec[];
  readonly crypto: readonly SdpCrypto[];
  readonly extensions: readonly SdpExtension[];
  /** An `a=rtcp:` port, when the line gives one. */
  readonly rtcpPort?: number;
  readonly mid?: string;
}

export interface SdpDescription {
  /** The session-level c= address, if any. */
  readonly address?: string;
  readonly media: readonly SdpMedia[];
}

/** Bounds that keep a hostile description cheap to read. */
const MAX_SDP_LENGTH = 64 * 1024;
const MAX_MEDIA = 16;
const MAX_PAYLOADS = 64;

/** Static payload types a plain peer may use without an rtpmap (RFC 3551). */
const STATIC_PAYLOADS: Readonly<Record<number, { name: string; clockRate: number; channels?: number }>> = {
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
};

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

interface MediaDraft {
  kind: string;
  port: number;
  proto: string;
  payloads: number[];
  address?: string;
  direction?: Direction;
  rtpmaps: Map<number, { name: string; clockRate: number; channels?: number }>;
  fmtps: Map<number, string>;
  feedback: Map<number, string[]>;
  crypto: SdpCrypto[];
  extensions: SdpExtension[];
  rtcpPort?: number;
  mid?: string;
}

/** The address of a `c=` value (`IN IP4 1.2.3.4`, `IN IP6 ::1`, a multicast `/ttl` dropped); undefined when malformed. */
function connectionAddress(value: string): string | undefined {
  const m = /^IN\s+IP[46]\s+([^\s/]+)/.exec(value);
  return m ? m[1] : undefined;
}

function port(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

function payloadType(text: string): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 127 ? n : undefined;
}

/** Reads a session description; a string says why it cannot be read. Never throws. */
export function parseSdp(text: string): SdpDescription | string {
  if (typeof text !== 'string' || text.length === 0) return 'empty SDP';
  if (text.length > MAX_SDP_LENGTH) return 'SDP too long';
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== 'v=0') return 'no v=0 line first';
  let sessionAddress: string | undefined;
  let sessionDirection: Direction | undefined;
  const drafts: MediaDraft[] = [];
  let origin = false;
  let sessionName = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=') return `malformed line "${line.slice(0, 40)}"`;
    const type = line[0];
    const value = line.slice(2);
    const current = drafts.length > 0 ? drafts[drafts.length - 1] : undefined;
    if (type === 'm') {
      if (drafts.length >= MAX_MEDIA) return 'too many m-lines';
      const parts = value.split(/\s+/);
      if (parts.length < 3) return 'malformed m-line';
      const p = port(parts[1].split('/')[0]);
      if (p === undefined) return 'invalid port in m-line';
      const payloads: number[] = [];
      for (const f of parts.slice(3)) {
        const pt = payloadType(f);
        if (pt !== undefined && payloads.length < MAX_PAYLOADS && !payloads.includes(pt)) payloads.push(pt);
      }
      drafts.push({ kind: parts[0], port: p, proto: parts[2], payloads, rtpmaps: new Map(), fmtps: new Map(), feedback: new Map(), crypto: [], extensions: [] });
      continue;
    }
    if (type === 'o') origin = true;
    if (type === 's') sessionName = true;
    if (type === 'c') {
      const address = connectionAddress(value);
      if (address === undefined) return 'malformed c= line';
      if (current) current.address = address;
      else sessionAddress = address;
      continue;
    }
    if (type !== 'a') continue;
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    const rest = colon < 0 ? '' : value.slice(colon + 1);
    if (DIRECTIONS.has(name)) {
      if (current) current.direction = name as Direction;
      else sessionDirection = name as Direction;
      continue;
    }
    if (!current) continue;
    readMediaAttribute(current, name, rest);
  }
  // As Janus's parser, a description needs its origin, its name and at least one m-line.
  if (!origin || !sessionName || drafts.length === 0) return 'missing o=, s= or m= line';
  const media = drafts.map((d) => finish(d, sessionDirection ?? 'sendrecv'));
  return sessionAddress === undefined ? { media } : { address: sessionAddress, media };
}

function readMediaAttribute(d: MediaDraft, name: string, rest: string): void {
  switch (name) {
    case 'rtpmap': {
      const m = /^(\d{1,3})\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(rest);
      const pt = m ? payloadType(m[1]) : undefined;
      if (!m || pt === undefined) return;
      d.rtpmaps.set(pt, { name: m[2], clockRate: Number(m[3]), channels: m[4] === undefined ? undefined : Number(m[4]) });
      return;
    }
    case 'fmtp': {
      const m = /^(\d{1,3})\s+(.+)$/.exec(rest);
      const pt = m ? payloadType(m[1]) : undefined;
      if (m && pt !== undefined) d.fmtps.set(pt, m[2].trim());
      return;
    }
    case 'rtcp-fb': {
      const m = /^(\d{1,3}|\*)\s+(.+)$/.exec(rest);
      if (!m) return;
      const targets = m[1] === '*' ? d.payloads : [Number(m[1])];
      for (const pt of targets) {
        const list = d.feedback.get(pt) ?? [];
        if (list.length < 16) list.push(m[2].trim());
        d.feedback.set(pt, list);
      }
      return;
    }
    case 'crypto': {
      // tag suite inline:key[|lifetime][|MKI] [session parameters]
      const m = /^(\d{1,9})\s+(\S+)\s+inline:([A-Za-z0-9+/=]+)/.exec(rest);
      if (m && d.crypto.length < 16) d.crypto.push({ tag: Number(m[1]), suite: m[2], key: m[3] });
      return;
    }
    case 'extmap': {
      const m = /^(\d{1,3})(?:\/\w+)?\s+(\S+)/.exec(rest);
      if (m && d.extensions.length < 16) d.extensions.push({ id: Number(m[1]), uri: m[2] });
      return;
    }
    case 'rtcp': {
      const p = port(rest.split(/\s+/)[0] ?? '');
      if (p !== undefined && p > 0) d.rtcpPort = p;
      return;
    }
    case 'mid':
      if (rest.length > 0 && rest.length <= 64) d.mid = rest;
      return;
    default:
      return;
  }
}

function finish(d: MediaDraft, sessionDirection: Direction): SdpMedia {
  const codecs: SdpCodec[] = [];
  for (const pt of d.payloads) {
    const map = d.rtpmaps.get(pt) ?? STATIC_PAYLOADS[pt];
    if (!map) continue;
    const fmtp = d.fmtps.get(pt);
    const codec: SdpCodec = { pt, name: map.name, clockRate: map.clockRate, feedback: d.feedback.get(pt) ?? [] };
    codecs.push({ ...codec, ...(map.channels !== undefined ? { channels: map.channels } : {}), ...(fmtp !== undefined ? { fmtp } : {}) });
  }
  const out: SdpMedia = {
    kind: d.kind,
    port: d.port,
    proto: d.proto,
    payloads: d.payloads,
    direction: d.direction ?? sessionDirection,
    codecs,
    crypto: d.crypto,
    extensions: d.extensions,
  };
  return {
    ...out,
    ...(d.address !== undefined ? { address: d.address } : {}),
    ...(d.rtcpPort !== undefined ? { rtcpPort: d.rtcpPort } : {}),
    ...(d.mid !== undefined ? { mid: d.mid } : {}),
  };
}

/** Where a media line's RTP goes: its own c= address, else the session's; undefined when neither says (or 0.0.0.0). */
export function mediaAddress(sdp: SdpDescription, m: SdpMedia): string | undefined {
  const a = m.address ?? sdp.address;
  return a === undefined || a === '0.0.0.0' || a === '::' ? undefined : a;
}

/** One m-line of a barebone SDP we write. */
export interface BareboneMedia {
  readonly kind: string;
  /** 0 rejects the line (its codecs are still listed, as RFC 3264 wants). */
  readonly port: number;
  /** RTP/SAVP when SRTP is mandatory, RTP/AVP otherwise. */
  readonly proto: string;
  readonly codecs: readonly SdpCodec[];
  readonly direction: Direction;
  /** Our SDES key for this line, when we offer or accept SRTP. */
  readonly crypto?: SdpCrypto;
}

export interface BareboneSession {
  /** The address written in o= and c= lines. */
  readonly address: string;
  readonly sessionId: string;
  readonly version: number;
}

function ipWord(address: string): string {
  return address.includes(':') ? 'IP6' : 'IP4';
}

/** Feedback a plain peer can act on: keyframe requests and NACKs. Transport-wide CC, REMB and the rest need WebRTC's transport. */
function keptFeedback(value: string): boolean {
  return value === 'nack' || value === 'nack pli' || value === 'ccm fir';
}

/** Writes a barebone SDP: one session, plain RTP on the given ports, no ICE, no DTLS. */
export function writeBarebone(session: BareboneSession, media: readonly BareboneMedia[]): string {
  const ip = ipWord(session.address);
  const out: string[] = ['v=0', `o=- ${session.sessionId} ${session.version} IN ${ip} ${session.address}`, 's=Portunus NoSIP', `c=IN ${ip} ${session.address}`, 't=0 0'];
  for (const m of media) {
    const pts = m.codecs.map((c) => c.pt);
    out.push(`m=${m.kind} ${m.port} ${m.proto} ${pts.length > 0 ? pts.join(' ') : '0'}`);
    out.push(`c=IN ${ip} ${session.address}`);
    if (m.port === 0) continue;
    for (const c of m.codecs) {
      out.push(`a=rtpmap:${c.pt} ${c.name}/${c.clockRate}${c.channels !== undefined && c.channels > 1 ? `/${c.channels}` : ''}`);
      if (c.fmtp !== undefined) out.push(`a=fmtp:${c.pt} ${c.fmtp}`);
      for (const fb of c.feedback) if (keptFeedback(fb)) out.push(`a=rtcp-fb:${c.pt} ${fb}`);
    }
    if (m.crypto) out.push(`a=crypto:${m.crypto.tag} ${m.crypto.suite} inline:${m.crypto.key}`);
    out.push(`a=${m.direction}`);
  }
  return out.join('\r\n') + '\r\n';
}

/** The direction an answerer takes toward an offer's direction. */
export function answerDirection(offered: Direction): Direction {
  if (offered === 'sendonly') return 'recvonly';
  if (offered === 'recvonly') return 'sendonly';
  return offered;
}

/** Whether a peer whose m-line says `direction` wants to receive media on it. */
export function peerReceives(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

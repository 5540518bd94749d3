// SDP fragments of media type application/trickle-ice-sdpfrag (RFC 8840, as WHIP and WHEP use them in PATCH
// bodies): read what a client trickles or restarts with, and write the server's side of an ICE restart. Pure.

export const SDPFRAG_TYPE = 'application/trickle-ice-sdpfrag';

/** Bounds on a fragment we read: a client trickles a handful of candidates per PATCH. */
export const SDPFRAG_LIMITS = { maxLength: 64 * 1024, maxLines: 1000, maxMedia: 64, maxCandidates: 200 } as const;

export class SdpFragError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdpFragError';
  }
}

/** One m= section of a fragment: its mid, the ICE credentials given there, its candidates. */
export interface SdpFragMedia {
  /** The m= section's position in the fragment (0 for the first). */
  readonly index: number;
  readonly mid?: string;
  readonly ufrag?: string;
  readonly pwd?: string;
  /** Each `candidate:...` value, without the `a=`. */
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
}

export interface SdpFrag {
  /** Session-level ICE credentials (or the first m= section's, when only it has them). */
  readonly ufrag?: string;
  readonly pwd?: string;
  readonly iceOptions?: string;
  readonly media: readonly SdpFragMedia[];
  /** `a=end-of-candidates` at session level, or on every m= section. */
  readonly endOfCandidates: boolean;
  /** Candidates given before any m= line (a sender that leaves the m= line out): they go to the first m-line. */
  readonly sessionCandidates: readonly string[];
}

const ICE_CHAR = /^[A-Za-z0-9+/]+$/;

interface MutableMedia {
  index: number;
  mid?: string;
  ufrag?: string;
  pwd?: string;
  candidates: string[];
  endOfCandidates: boolean;
}

/** Reads a fragment; throws SdpFragError on what RFC 8840 does not allow or on input beyond the bounds. */
export function parseSdpFrag(text: string): SdpFrag {
  if (text.length > SDPFRAG_LIMITS.maxLength) throw new SdpFragError(`fragment longer than ${SDPFRAG_LIMITS.maxLength} characters`);
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines.length > SDPFRAG_LIMITS.maxLines) throw new SdpFragError(`fragment of more than ${SDPFRAG_LIMITS.maxLines} lines`);
  let ufrag: string | undefined;
  let pwd: string | undefined;
  let iceOptions: string | undefined;
  let sessionEnd = false;
  let candidates = 0;
  const sessionCandidates: string[] = [];
  const media: MutableMedia[] = [];
  for (const line of lines) {
    if (line.length < 2 || line[1] !== '=') throw new SdpFragError('a line that is not <type>=<value>');
    const type = line[0];
    const value = line.slice(2);
    const current = media[media.length - 1];
    if (type === 'm') {
      if (media.length >= SDPFRAG_LIMITS.maxMedia) throw new SdpFragError(`more than ${SDPFRAG_LIMITS.maxMedia} m= sections`);
      if (!/^(audio|video|application|text|message) \d+ \S+( \S+)*$/.test(value)) throw new SdpFragError('malformed m= line');
      media.push({ index: media.length, candidates: [], endOfCandidates: false });
      continue;
    }
    if (type !== 'a') continue; // RFC 8840 fragments carry a= lines and m= lines; anything else is ignored
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    const attr = colon < 0 ? '' : value.slice(colon + 1);
    switch (name) {
      case 'ice-ufrag':
      case 'ice-pwd': {
        if (!ICE_CHAR.test(attr) || attr.length > 256) throw new SdpFragError(`malformed ${name}`);
        if (current) {
          if (name === 'ice-ufrag') current.ufrag = attr;
          else current.pwd = attr;
        } else if (name === 'ice-ufrag') ufrag = attr;
        else pwd = attr;
        break;
      }
      case 'ice-options':
        iceOptions = attr;
        break;
      case 'mid':
        if (!current) throw new SdpFragError('a=mid before any m= line');
        if (attr === '' || attr.length > 64 || /\s/.test(attr)) throw new SdpFragError('malformed a=mid');
        current.mid = attr;
        break;
      case 'candidate': {
        if (++candidates > SDPFRAG_LIMITS.maxCandidates) throw new SdpFragError(`more than ${SDPFRAG_LIMITS.maxCandidates} candidates`);
        if (!validCandidate(attr)) throw new SdpFragError('malformed a=candidate');
        (current ? current.candidates : sessionCandidates).push(`candidate:${attr}`);
        break;
      }
      case 'end-of-candidates':
        if (current) current.endOfCandidates = true;
        else sessionEnd = true;
        break;
      default:
        break; // a=group:BUNDLE and the like say nothing we need
    }
  }
  // Credentials given on the m= section only (one bundle: the first m= section has them) count for the session.
  const first = media[0];
  if (ufrag === undefined && first?.ufrag !== undefined) ufrag = first.ufrag;
  if (pwd === undefined && first?.pwd !== undefined) pwd = first.pwd;
  for (const m of media) {
    if ((m.ufrag !== undefined && m.ufrag !== ufrag) || (m.pwd !== undefined && m.pwd !== pwd)) throw new SdpFragError('m= sections with different ICE credentials (only one bundle is supported)');
  }
  if ((ufrag === undefined) !== (pwd === undefined)) throw new SdpFragError('ice-ufrag and ice-pwd must come together');
  const endOfCandidates = sessionEnd || (media.length > 0 && media.every((m) => m.endOfCandidates));
  return { ufrag, pwd, iceOptions, media, endOfCandidates, sessionCandidates };
}

/** `foundation component transport priority address port typ type ...`, as RFC 8839 writes a candidate. */
function validCandidate(value: string): boolean {
  if (value.length > 512) return false;
  const f = value.split(' ');
  if (f.length < 8) return false;
  return /^[A-Za-z0-9+/]{1,32}$/.test(f[0]) && /^\d{1,3}$/.test(f[1]) && /^\S+$/.test(f[2]) && /^\d{1,10}$/.test(f[3]) && /^\d{1,5}$/.test(f[5]) && f[6] === 'typ' && /^\S+$/.test(f[7]);
}

/** What the server's side of an ICE restart says: the answer's new credentials, its first m= section, candidates. */
export interface RestartFragment {
  readonly iceLite: boolean;
  readonly ufrag: string;
  readonly pwd: string;
  readonly bundle?: string;
  readonly mline: string;
  readonly mid?: string;
  readonly candidates: readonly string[];
}

/** The fragment a 200 answer to an ICE restart carries (RFC 9725 4.4): credentials, the bundle's first m= section, its candidates. */
export function formatSdpFrag(f: RestartFragment): string {
  const lines: string[] = [];
  if (f.iceLite) lines.push('a=ice-lite');
  lines.push(`a=ice-ufrag:${f.ufrag}`, `a=ice-pwd:${f.pwd}`);
  if (f.bundle) lines.push(`a=group:BUNDLE ${f.bundle}`);
  lines.push(f.mline);
  if (f.mid !== undefined) lines.push(`a=mid:${f.mid}`);
  for (const c of f.candidates) lines.push(`a=${c}`);
  lines.push('a=end-of-candidates');
  return lines.join('\r\n') + '\r\n';
}

/** The restart fragment of an answer SDP: its ICE credentials, and the first m= section's line, mid and candidates. */
export function restartFragmentOf(sdp: string): RestartFragment | undefined {
  const lines = sdp.split(/\r?\n/);
  let ufrag: string | undefined;
  let pwd: string | undefined;
  let bundle: string | undefined;
  let iceLite = false;
  let mline: string | undefined;
  let mid: string | undefined;
  let section = -1;
  const candidates: string[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      section++;
      if (section === 0) mline = line.replace(/^m=(\S+) \d+/, 'm=$1 9');
      continue;
    }
    if (section > 0) continue;
    if (line === 'a=ice-lite') iceLite = true;
    else if (line.startsWith('a=ice-ufrag:')) ufrag ??= line.slice(12);
    else if (line.startsWith('a=ice-pwd:')) pwd ??= line.slice(10);
    else if (line.startsWith('a=group:BUNDLE ')) bundle = line.slice(15);
    else if (line.startsWith('a=mid:') && section === 0) mid = line.slice(6);
    else if (line.startsWith('a=candidate:') && section === 0) candidates.push(line.slice(2));
  }
  if (!ufrag || !pwd || !mline) return undefined;
  return { iceLite, ufrag, pwd, bundle, mline, mid, candidates };
}

/** The offer a WHIP/WHEP client made, with new ICE credentials and no candidates: the new offer of an ICE restart. */
export function withIceCredentials(offer: string, ufrag: string, pwd: string): string {
  const out: string[] = [];
  for (const line of offer.split(/\r?\n/)) {
    if (line.startsWith('a=ice-ufrag:')) out.push(`a=ice-ufrag:${ufrag}`);
    else if (line.startsWith('a=ice-pwd:')) out.push(`a=ice-pwd:${pwd}`);
    else if (line.startsWith('a=candidate:') || line === 'a=end-of-candidates') continue;
    else if (line !== '') out.push(line);
  }
  return out.join('\r\n') + '\r\n';
}

/** The ICE username fragment of an SDP (session level, or the first m= section's). */
export function iceUfragOf(sdp: string): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}

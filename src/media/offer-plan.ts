// Checks a remote offer and decides, per m-line, what Portunus will answer: one codec (plus its RTX) or a rejection.
// Pure: text in, plan out. The plan also carries the offer rewritten into the form the WebRTC stack is fed.
import { negotiableCodecs } from '../forwarding/codec-registry.js';
import { isIP } from '../net/address.js';
import { EXT_TWCC } from '../rtp/header-extensions.js';
import { parseCandidate } from './candidate.js';
import { parseFmtp, parseSdp, SdpError, type SdpCodec, type SdpMedia, type SdpSession } from './sdp.js';

export type RtpKind = 'audio' | 'video';

export interface AcceptOptions {
  readonly audio?: boolean;
  readonly video?: boolean;
  readonly data?: boolean;
  /** Audio codec names allowed, in order of preference; absent = the first offered one Portunus supports. */
  readonly audioCodecs?: readonly string[];
  readonly videoCodecs?: readonly string[];
  /** In a renegotiation: the codec each m-line already uses, by mid (it must stay, whatever the lists above say). */
  readonly codecsByMid?: ReadonlyMap<string, string>;
}

/** The rtpmap names Portunus answers, in the registry's order of preference. */
export const SUPPORTED_AUDIO_CODECS: readonly string[] = negotiableCodecs('audio').map((c) => c.sdpName);
export const SUPPORTED_VIDEO_CODECS: readonly string[] = negotiableCodecs('video').map((c) => c.sdpName);
const FINGERPRINT_ALGORITHMS = new Set(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']);

export interface PlannedMedia {
  readonly index: number;
  readonly kind: string;
  readonly mid: string;
  readonly accepted: boolean;
  /** Why an m-line is rejected (port 0 in the answer). */
  readonly rejectReason?: string;
  readonly codec?: SdpCodec;
  readonly rtx?: SdpCodec;
  readonly offerDirection: SdpMedia['direction'];
  readonly rids: readonly string[];
}

export interface OfferPlan {
  readonly session: SdpSession;
  readonly media: readonly PlannedMedia[];
  /** The offer as the stack must see it: one codec per m-line, placeholders for rejected lines, usable candidates only. */
  readonly stackSdp: string;
  /** Candidates dropped from the offer (mDNS names, TCP, unparsable), for the log. */
  readonly droppedCandidates: number;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The codec to answer with for one m-line, or undefined when none is acceptable. */
export function chooseCodec(media: SdpMedia, allowed: readonly string[] | undefined): SdpCodec | undefined {
  const kind = media.kind;
  const supported = kind === 'audio' ? SUPPORTED_AUDIO_CODECS : kind === 'video' ? SUPPORTED_VIDEO_CODECS : [];
  const usable = media.codecs.filter((c) => supported.some((s) => sameName(s, c.name)));
  const pick = (name: string): SdpCodec | undefined => {
    const same = usable.filter((c) => sameName(c.name, name));
    if (same.length === 0) return undefined;
    if (sameName(name, 'H264')) {
      // Browsers list several H.264 variants; packetization-mode=1 is the one every endpoint can forward.
      return same.find((c) => parseFmtp(c.fmtp).get('packetization-mode') === '1') ?? same[0];
    }
    return same[0];
  };
  if (allowed && allowed.length > 0) {
    for (const name of allowed) {
      const c = pick(name);
      if (c) return c;
    }
    return undefined;
  }
  return usable.length > 0 ? pick(usable[0].name) : undefined;
}

function findRtx(media: SdpMedia, codec: SdpCodec): SdpCodec | undefined {
  return media.codecs.find((c) => sameName(c.name, 'rtx') && parseFmtp(c.fmtp).get('apt') === String(codec.pt));
}

/** True when a candidate attribute can be used without DNS/mDNS (UDP, IP literal). */
export function usableRemoteCandidate(candidate: string): boolean {
  const c = parseCandidate(candidate);
  return c !== undefined && c.transport === 'udp' && isIP(c.address) !== 0;
}

/**
 * Validates an offer and plans the answer. Throws SdpError when the offer is unusable:
 * unparsable, not DTLS-SRTP, missing ICE credentials or fingerprint, or without any medium Portunus can accept.
 */
export function planAnswer(offerText: unknown, accept: AcceptOptions): OfferPlan {
  const session = parseSdp(bundleOnlyAsLive(offerText));
  if (session.media.length === 0) throw new SdpError('offer has no m-lines');
  const planned: PlannedMedia[] = [];
  const seenMids = new Set<string>();
  for (const m of session.media) {
    const mid = m.mid ?? '';
    if (m.port !== 0) {
      if (mid === '') throw new SdpError(`m-line ${m.index} (${m.kind}) has no a=mid`);
      if (seenMids.has(mid)) throw new SdpError(`duplicate mid '${mid}'`);
      seenMids.add(mid);
      const ufrag = m.iceUfrag ?? session.iceUfrag;
      const pwd = m.icePwd ?? session.icePwd;
      if (!ufrag || !pwd) throw new SdpError(`m-line ${m.index} (${m.kind}) has no ICE credentials`);
      const fps = m.fingerprints.length > 0 ? m.fingerprints : session.fingerprints;
      if (!fps.some((f) => FINGERPRINT_ALGORITHMS.has(f.algorithm))) {
        throw new SdpError(`m-line ${m.index} (${m.kind}) has no usable DTLS fingerprint`);
      }
    }
    planned.push(planMedia(m, accept));
  }
  if (!planned.some((p) => p.accepted)) {
    const reasons = planned.map((p) => `${p.kind}${p.mid ? ` (mid ${p.mid})` : ''}: ${p.rejectReason ?? 'rejected'}`).join('; ');
    throw new SdpError(`offer has no usable media: ${reasons}`);
  }
  const { text, dropped } = rewriteForStack(session, planned);
  return { session, media: planned, stackSdp: text, droppedCandidates: dropped };
}

/**
 * JSEP's bundle-only m-lines (port 0 with `a=bundle-only`, as GStreamer's webrtcbin offers them with max-bundle)
 * are live m-lines of the bundle, not rejected ones: they are read as port 9.
 */
export function bundleOnlyAsLive(text: unknown): unknown {
  if (typeof text !== 'string' || !text.includes('a=bundle-only')) return text;
  const lines = text.split(/\r?\n/);
  let mLine = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('m=')) mLine = i;
    else if (lines[i] === 'a=bundle-only' && mLine >= 0) lines[mLine] = lines[mLine].replace(/^(m=\S+) 0 /, '$1 9 ');
  }
  return lines.join('\r\n');
}

function planMedia(m: SdpMedia, accept: AcceptOptions): PlannedMedia {
  const base = { index: m.index, kind: m.kind, mid: m.mid ?? String(m.index), offerDirection: m.direction, rids: m.rids.filter((r) => r.direction === 'send').map((r) => r.id) };
  const reject = (reason: string): PlannedMedia => ({ ...base, accepted: false, rejectReason: reason });
  if (m.port === 0) return reject('rejected by the offerer (port 0)');
  if (m.kind === 'audio' || m.kind === 'video') {
    if (!m.proto.includes('RTP/SAVPF') && !m.proto.includes('RTP/SAVP')) return reject(`transport '${m.proto}' is not DTLS-SRTP`);
    if ((m.kind === 'audio' ? accept.audio : accept.video) === false) return reject(`${m.kind} not wanted`);
    const inUse = accept.codecsByMid?.get(base.mid);
    const allowed = inUse ? [inUse] : m.kind === 'audio' ? accept.audioCodecs : accept.videoCodecs;
    const codec = chooseCodec(m, allowed);
    if (!codec) {
      const offered = m.codecs.map((c) => c.name).filter((n) => !['rtx', 'red', 'ulpfec', 'flexfec-03', 'cn', 'telephone-event'].includes(n.toLowerCase()));
      return reject(`no supported codec (offered: ${offered.length > 0 ? [...new Set(offered)].join(', ') : 'none'})`);
    }
    return { ...base, accepted: true, codec, rtx: findRtx(m, codec) };
  }
  if (m.kind === 'application') {
    if (!m.proto.includes('DTLS/SCTP') || !m.formats.includes('webrtc-datachannel')) return reject(`data transport '${m.proto} ${m.formats.join(' ')}' is not supported`);
    if (accept.data === false) return reject('data channels not wanted');
    return { ...base, accepted: true };
  }
  return reject(`media kind '${m.kind}' is not supported`);
}

/**
 * Rebuilds the offer for the WebRTC stack: accepted RTP m-lines keep only the chosen codec (and its RTX),
 * rejected ones become inactive placeholders that the answer later turns into port 0, session-level ICE and
 * DTLS attributes are copied into every m-line, and candidates needing name resolution are dropped.
 */
function rewriteForStack(session: SdpSession, planned: readonly PlannedMedia[]): { text: string; dropped: number } {
  const out: string[] = [];
  let dropped = 0;
  const rejectedMids = new Set(planned.filter((p) => !p.accepted).map((p) => p.mid));
  for (const line of session.sessionLines) {
    if (line.startsWith('a=group:BUNDLE')) {
      const mids = line
        .slice('a=group:BUNDLE'.length)
        .split(' ')
        .filter((x) => x !== '' && !rejectedMids.has(x));
      if (mids.length > 0) out.push(`a=group:BUNDLE ${mids.join(' ')}`);
      continue;
    }
    if (/^a=(ice-ufrag|ice-pwd|fingerprint|setup|ice-options):/.test(line)) continue;
    out.push(line);
  }
  for (const m of session.media) {
    const p = planned[m.index];
    const transport: string[] = [];
    const ufrag = m.iceUfrag ?? session.iceUfrag;
    const pwd = m.icePwd ?? session.icePwd;
    if (ufrag) transport.push(`a=ice-ufrag:${ufrag}`);
    if (pwd) transport.push(`a=ice-pwd:${pwd}`);
    for (const f of m.fingerprints.length > 0 ? m.fingerprints : session.fingerprints) transport.push(`a=fingerprint:${f.algorithm} ${f.value}`);
    transport.push(`a=setup:${m.setup ?? session.setup ?? 'actpass'}`);
    if (!p.accepted) {
      if (m.kind === 'application' && m.port !== 0 && m.proto.includes('DTLS/SCTP')) {
        // The stack needs the SCTP m-line to answer it; the answer will carry port 0.
        out.push(m.lines[0], 'c=IN IP4 0.0.0.0', `a=mid:${p.mid}`, ...transport, `a=sctp-port:${m.sctpPort ?? 5000}`);
        continue;
      }
      const kind = m.kind === 'video' ? 'video' : 'audio';
      const placeholder = kind === 'video' ? 'VP8/90000' : 'opus/48000/2';
      out.push(`m=${kind} 9 UDP/TLS/RTP/SAVPF 120`, 'c=IN IP4 0.0.0.0', `a=mid:${p.mid}`, ...transport, 'a=inactive', 'a=rtcp-mux', `a=rtpmap:120 ${placeholder}`);
      continue;
    }
    const keep = new Set<number>();
    if (p.codec) keep.add(p.codec.pt);
    if (p.rtx) keep.add(p.rtx.pt);
    for (let i = 0; i < m.lines.length; i++) {
      const line = m.lines[i];
      if (i === 0) {
        if (m.kind === 'audio' || m.kind === 'video') {
          const head = line.split(' ').slice(0, 3).join(' ');
          out.push(`${head} ${[...keep].join(' ')}`);
        } else {
          out.push(line);
        }
        out.push(...transport);
        continue;
      }
      if (/^a=(ice-ufrag|ice-pwd|fingerprint|setup|ice-options):/.test(line)) continue;
      const ptLine = /^a=(rtpmap|fmtp|rtcp-fb):(\d+|\*) /.exec(line);
      if (ptLine && ptLine[2] !== '*' && !keep.has(Number(ptLine[2]))) continue;
      if (line.startsWith('a=candidate:')) {
        if (!usableRemoteCandidate(line.slice(2))) {
          dropped++;
          continue;
        }
      }
      out.push(line);
    }
  }
  return { text: out.join('\r\n') + '\r\n', dropped };
}

/**
 * Turns the stack's answer into the answer Portunus sends: rejected m-lines get port 0 (and leave the BUNDLE
 * group), and an m-line the offerer gave another kind (placeholder) is restored to its original kind.
 */
export function finishAnswer(answer: string, plan: OfferPlan): string {
  const session = parseSdp(answer);
  if (session.media.length !== plan.media.length) {
    throw new SdpError(`answer has ${session.media.length} m-lines, offer had ${plan.media.length}`);
  }
  const rejected = new Set(plan.media.filter((p) => !p.accepted).map((p) => p.mid));
  const out: string[] = [];
  for (const line of session.sessionLines) {
    if (line.startsWith('a=group:BUNDLE')) {
      const mids = line
        .slice('a=group:BUNDLE'.length)
        .split(' ')
        .filter((x) => x !== '' && !rejected.has(x));
      if (mids.length > 0) out.push(`a=group:BUNDLE ${mids.join(' ')}`);
      continue;
    }
    out.push(line);
  }
  for (const m of session.media) {
    const p = plan.media[m.index];
    if (p.accepted) {
      out.push(...withTransportCcFeedback(m, plan.session.media[m.index]));
      continue;
    }
    const offered = plan.session.media[m.index];
    const fmt = offered.formats.length > 0 ? offered.formats.join(' ') : '0';
    out.push(`m=${offered.kind} 0 ${offered.proto} ${fmt}`, 'c=IN IP4 0.0.0.0', `a=mid:${p.mid}`, 'a=inactive');
  }
  return out.join('\r\n') + '\r\n';
}

/**
 * The answer's m-line with `a=rtcp-fb:<pt> transport-cc` for codecs the offer asked it for, when the transport-wide
 * sequence number extension was accepted: the stack's own per-m-line feedback stays off (werift/stack-config.ts) and the
 * peer answers with one transport-wide feedback (twcc-feedback.ts) instead.
 */
function withTransportCcFeedback(answered: SdpMedia, offered: SdpMedia): readonly string[] {
  if (!answered.extmaps.some((e) => e.uri === EXT_TWCC)) return answered.lines;
  const wanted = new Set(offered.codecs.filter((c) => c.rtcpFb.includes('transport-cc')).map((c) => c.pt));
  const out: string[] = [];
  for (const line of answered.lines) {
    out.push(line);
    const rtpmap = /^a=rtpmap:(\d+) /.exec(line);
    if (rtpmap && wanted.has(Number(rtpmap[1])) && !answered.lines.includes(`a=rtcp-fb:${rtpmap[1]} transport-cc`)) {
      out.push(`a=rtcp-fb:${rtpmap[1]} transport-cc`);
    }
  }
  return out;
}

// How a WebRTC description and a barebone one map onto each other: which m-lines are bridged (the first audio and
// the first video line that are not disabled, as Janus's NoSIP does), which codecs a plain peer is offered, and
// which codec an answer settled on. Pure functions over parsed SDP.
import { findCodec } from '../../forwarding/codec-registry.js';
import type { BareboneMedia, Direction, SdpCodec, SdpCrypto, SdpDescription, SdpMedia } from './barebone-sdp.js';

export type BridgedKind = 'audio' | 'video';

/** The m-line index of the first usable audio and video line. */
export interface BridgedLines {
  readonly audio?: number;
  readonly video?: number;
}

export function bridgedLines(sdp: SdpDescription): BridgedLines {
  let audio: number | undefined;
  let video: number | undefined;
  sdp.media.forEach((m, i) => {
    if (m.port === 0) return;
    if (m.kind === 'audio' && audio === undefined) audio = i;
    else if (m.kind === 'video' && video === undefined) video = i;
  });
  return { ...(audio !== undefined ? { audio } : {}), ...(video !== undefined ? { video } : {}) };
}

export function kindOfLine(lines: BridgedLines, index: number): BridgedKind | undefined {
  if (lines.audio === index) return 'audio';
  if (lines.video === index) return 'video';
  return undefined;
}

/** The registry's name of an SDP codec of that kind that the media layer negotiates, if any. */
export function codecName(c: SdpCodec, kind: BridgedKind): string | undefined {
  const entry = findCodec(`${c.name}/${c.clockRate}`, kind);
  return entry && entry.negotiable ? entry.name : undefined;
}

/**
 * The codecs of a line a plain peer may pick: those the media layer negotiates, one per codec name (the first,
 * so that the name the peer picks says which payload type), in the line's order. RTX, RED, FEC and DTMF go.
 */
export function usableCodecs(m: SdpMedia, kind: BridgedKind): SdpCodec[] {
  const seen = new Set<string>();
  const out: SdpCodec[] = [];
  for (const c of m.codecs) {
    const name = codecName(c, kind);
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    out.push(c);
  }
  return out;
}

/**
 * The codec an answer chose among those offered: its first payload type that was offered, else (a peer that
 * numbers codecs its own way) its first codec offered under another number, with the answer's number: what the
 * peer is sent carries it.
 */
export function answeredCodec(answer: SdpMedia, offered: readonly SdpCodec[]): SdpCodec | undefined {
  for (const pt of answer.payloads) {
    const c = offered.find((o) => o.pt === pt);
    if (c) return c;
  }
  for (const a of answer.codecs) {
    const c = offered.find((o) => o.name.toLowerCase() === a.name.toLowerCase() && o.clockRate === a.clockRate);
    if (c) return { ...c, pt: a.pt };
  }
  return undefined;
}

/** The SDES suite/key of a line we can use: the first line whose suite we know (and whose tag we offered, for an answer). */
export function usableCrypto(m: SdpMedia, known: (suite: string) => boolean, tag?: number): SdpCrypto | undefined {
  return m.crypto.find((c) => known(c.suite) && (tag === undefined || c.tag === tag));
}

export interface LocalLine {
  readonly port: number;
  readonly crypto?: SdpCrypto;
}

/**
 * A barebone offer from the browser's offer: the bridged lines with our ports, the browser's usable codecs and
 * direction; every other line disabled (port 0), so the m-lines still match one to one.
 */
export function offerFromBrowser(browser: SdpDescription, lines: BridgedLines, local: Partial<Record<BridgedKind, LocalLine>>, proto: string): BareboneMedia[] {
  return browser.media.map((m, i): BareboneMedia => {
    const kind = kindOfLine(lines, i);
    const mine = kind ? local[kind] : undefined;
    if (!kind || !mine) return { kind: m.kind, port: 0, proto, codecs: m.codecs.slice(0, 1), direction: 'inactive' };
    return { kind, port: mine.port, proto, codecs: usableCodecs(m, kind), direction: m.direction, ...(mine.crypto ? { crypto: mine.crypto } : {}) };
  });
}

/** One bridged line of a barebone answer: the codec and direction the browser's answer settled on. */
export interface AnsweredLine extends LocalLine {
  readonly codec: SdpCodec;
  readonly direction: Direction;
}

/** A barebone answer to a peer's offer: the lines the browser took with our ports, the others disabled. */
export function answerToPeer(offer: SdpDescription, taken: ReadonlyMap<number, AnsweredLine>, proto: string): BareboneMedia[] {
  return offer.media.map((m, i): BareboneMedia => {
    const t = taken.get(i);
    if (!t) return { kind: m.kind, port: 0, proto: m.proto, codecs: m.codecs.slice(0, 1), direction: 'inactive' };
    return { kind: m.kind, port: t.port, proto, codecs: [t.codec], direction: t.direction, ...(t.crypto ? { crypto: t.crypto } : {}) };
  });
}

/** Whether a peer's line supports keyframe requests by RTCP. */
export function supportsPli(c: SdpCodec | undefined): boolean {
  return c !== undefined && c.feedback.some((f) => f === 'nack pli' || f === 'ccm fir');
}

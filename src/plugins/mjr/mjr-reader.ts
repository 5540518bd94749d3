// Reads a Janus .mjr recording (as mjr-recorder.ts writes it, or in the first format) back into its info header and frames. A pure
// function over the file's bytes: a torn or garbage file never throws, it says where reading stopped and why.
import { MJR_DATA_TIME_BYTES, MJR_FRAME_HEADER_BYTES, MJR_FRAME_MAGIC, MJR_MAGIC, type RecordedKind } from './mjr-recorder.js';

/** The JSON info header, as far as a player needs it. */
export interface MjrInfo {
  readonly kind: RecordedKind;
  /** Codec name, lower case ("opus", "vp8", "text"). */
  readonly codec: string;
  readonly fmtp?: string;
  /** When the recorder was created and when its first frame came, microseconds since the epoch (0 when absent). */
  readonly createdUs: number;
  readonly firstFrameUs: number;
}

export interface MjrFrame {
  /** Where the frame's "MEET" starts in the file. */
  readonly offset: number;
  /** Milliseconds since the first frame. */
  readonly timeMs: number;
  /** The RTP packet (audio/video) or the message (data), a view into the bytes read. */
  readonly payload: Uint8Array;
  /** Data frames: wall-clock time in microseconds. */
  readonly wallClockUs?: bigint;
}

/** Where and why reading stopped before the end of the bytes. */
export interface MjrStop {
  readonly offset: number;
  readonly reason: string;
}

export interface MjrReadout {
  /** Undefined when the file ends (or breaks) before a valid info header. */
  readonly info?: MjrInfo;
  readonly frames: readonly MjrFrame[];
  /** Undefined when every byte was read as magic, header and whole frames. */
  readonly stopped?: MjrStop;
}

const KINDS: Readonly<Record<string, RecordedKind>> = { a: 'audio', v: 'video', d: 'data' };

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < at + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function u64(bytes: Uint8Array, at: number): bigint {
  return (BigInt(u32(bytes, at)) << 32n) | BigInt(u32(bytes, at + 4));
}

function microseconds(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** The info header's JSON, or a reason it is not one. */
function parseInfo(text: string): MjrInfo | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'the info header is not JSON';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'the info header is not a JSON object';
  const o = json as Record<string, unknown>;
  const kind = typeof o.t === 'string' ? KINDS[o.t] : undefined;
  if (!kind) return "the info header has no media type 't' (a, v or d)";
  if (typeof o.c !== 'string' || o.c === '') return "the info header has no codec 'c'";
  return { kind, codec: o.c.toLowerCase(), ...(typeof o.f === 'string' ? { fmtp: o.f } : {}), createdUs: microseconds(o.s), firstFrameUs: microseconds(o.u) };
}

/** The magic of the first .mjr format, still found in old recordings (Janus's sample recording is one). */
export const MJR_LEGACY_MAGIC = 'MEETECHO';
const LEGACY_KINDS: Readonly<Record<string, { kind: RecordedKind; codec: string }>> = { audio: { kind: 'audio', codec: 'opus' }, video: { kind: 'video', codec: 'vp8' } };

/**
 * The first format: 'MEETECHO', a length of 5 and 'audio' or 'video' (Opus or VP8, as Janus assumes), then frames
 * of 'MEETECHO', a 16-bit length and the RTP packet, with no time of their own (`timeMs` 0).
 */
function readLegacyMjr(bytes: Uint8Array): MjrReadout {
  const frames: MjrFrame[] = [];
  const magic = MJR_LEGACY_MAGIC.length;
  if (bytes.length < magic + 2 + 5) return { frames, stopped: { offset: 0, reason: 'the file ends inside the old header' } };
  const media = u16(bytes, magic) === 5 ? LEGACY_KINDS[ascii(bytes, magic + 2, 5)] : undefined;
  if (!media) return { frames, stopped: { offset: magic, reason: "the old header names neither 'audio' nor 'video'" } };
  const info: MjrInfo = { kind: media.kind, codec: media.codec, createdUs: 0, firstFrameUs: 0 };
  let at = magic + 2 + 5;
  while (at < bytes.length) {
    if (at + magic + 2 > bytes.length) return { info, frames, stopped: { offset: at, reason: 'the file ends inside a frame header' } };
    if (ascii(bytes, at, magic) !== MJR_LEGACY_MAGIC) return { info, frames, stopped: { offset: at, reason: `no '${MJR_LEGACY_MAGIC}' where a frame starts` } };
    const length = u16(bytes, at + magic);
    const start = at + magic + 2;
    if (length === 0) return { info, frames, stopped: { offset: at, reason: 'a frame of length 0' } };
    if (start + length > bytes.length) return { info, frames, stopped: { offset: at, reason: `a frame announces ${length} bytes, ${bytes.length - start} are there` } };
    frames.push({ offset: at, timeMs: 0, payload: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return { info, frames };
}

/** Reads a whole .mjr file's bytes (today's format, or the first one). */
export function readMjr(bytes: Uint8Array): MjrReadout {
  const frames: MjrFrame[] = [];
  const stop = (offset: number, reason: string, info?: MjrInfo): MjrReadout => ({ ...(info ? { info } : {}), frames, stopped: { offset, reason } });
  if (bytes.length < MJR_MAGIC.length) return stop(0, `the file ends inside the '${MJR_MAGIC}' magic`);
  if (ascii(bytes, 0, MJR_LEGACY_MAGIC.length) === MJR_LEGACY_MAGIC) return readLegacyMjr(bytes);
  if (ascii(bytes, 0, MJR_MAGIC.length) !== MJR_MAGIC) return stop(0, `not a '${MJR_MAGIC}' file`);
  let at = MJR_MAGIC.length;
  // A recorder that never got a packet leaves the magic alone: an empty recording, not a broken one.
  if (at === bytes.length) return { frames };
  if (at + 2 > bytes.length) return stop(at, 'the file ends inside the info header length');
  const infoLength = u16(bytes, at);
  if (infoLength === 0) return stop(at, 'the info header is empty');
  if (at + 2 + infoLength > bytes.length) return stop(at, `the info header announces ${infoLength} bytes, ${bytes.length - at - 2} are there`);
  const info = parseInfo(new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(at + 2, at + 2 + infoLength)));
  if (typeof info === 'string') return stop(at, info);
  at += 2 + infoLength;
  const data = info.kind === 'data';
  while (at < bytes.length) {
    if (at + MJR_FRAME_HEADER_BYTES > bytes.length) return stop(at, `the file ends inside a frame header (${bytes.length - at} of ${MJR_FRAME_HEADER_BYTES} bytes)`, info);
    if (ascii(bytes, at, 4) !== MJR_FRAME_MAGIC) return stop(at, `no '${MJR_FRAME_MAGIC}' where a frame starts`, info);
    const timeMs = u32(bytes, at + 4);
    const length = u16(bytes, at + 8);
    const start = at + MJR_FRAME_HEADER_BYTES;
    if (length === 0) return stop(at, 'a frame of length 0', info);
    if (start + length > bytes.length) return stop(at, `a frame announces ${length} bytes, ${bytes.length - start} are there`, info);
    if (data && length < MJR_DATA_TIME_BYTES) return stop(at, `a data frame of ${length} bytes, shorter than its ${MJR_DATA_TIME_BYTES}-byte time`, info);
    frames.push(
      data
        ? { offset: at, timeMs, wallClockUs: u64(bytes, start), payload: bytes.subarray(start + MJR_DATA_TIME_BYTES, start + length) }
        : { offset: at, timeMs, payload: bytes.subarray(start, start + length) },
    );
    at = start + length;
  }
  return { info, frames };
}

// What a VideoRoom request may carry: the range of every number Janus keeps in a fixed-size C type (or checks
// itself), and the bounds of every JSON value a client makes the room keep and hand to everyone else. Pure checks
// that fail with the VideoRoom's 430.
import { jsonBoundsProblem } from '../../plugin-api/index.js';
import type { JsonObject } from '../../plugin-api/index.js';
import { E, VideoRoomError } from './errors.js';

const UINT16 = 0xffff;
const UINT32 = 0xffffffff;
const INT32 = 0x7fffffff;

/** An inclusive range of integers. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** Ranges by field name, as Janus stores each value (or as the protocol allows it). */
export const RANGES = {
  /** Room settings (`create`, `edit` as new_<name>, configuration groups). */
  publishers: { min: 0, max: INT32 },
  bitrate: { min: 0, max: UINT32 },
  fir_freq: { min: 0, max: UINT16 },
  audio_active_packets: { min: 0, max: INT32 },
  /** An RFC 6464 level: 0 (loudest) to 127 (silence), in -dBov. */
  audio_level_average: { min: 0, max: 127 },
  threads: { min: 0, max: INT32 },
  /** UDP ports a forwarder sends to (0 is no port). */
  port: { min: 1, max: UINT16 },
  /** Ports a remote publisher listens on (0: any free port of Janus's range). */
  listen_port: { min: 0, max: UINT16 },
  pt: { min: 0, max: 127 },
  ssrc: { min: 0, max: UINT32 },
  stream_id: { min: 0, max: UINT32 },
  private_id: { min: 0, max: UINT32 },
  /** A remote stream's m-line index (its SSRC is 1000 + 10 · mindex + layer, a 32-bit number). */
  mindex: { min: 0, max: Math.floor((UINT32 - 1000) / 10) - 1 },
} as const satisfies Record<string, IntRange>;

/** Throws 430 when `body[name]`, if it is a number, lies outside `range` (types are checked elsewhere). */
export function checkRange(body: JsonObject, name: string, range: IntRange): void {
  const v = body[name];
  if (typeof v !== 'number') return;
  if (!Number.isInteger(v) || v < range.min || v > range.max) {
    throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${name} should be between ${range.min} and ${range.max})`);
  }
}

/** checkRange for each [name, range]. */
export function checkRanges(body: JsonObject, ranges: readonly (readonly [string, IntRange])[]): void {
  for (const [name, range] of ranges) checkRange(body, name, range);
}

/**
 * Throws 430 when a value the room would keep (metadata, display, descriptions, secrets, tokens …) is nested too
 * deep, too big or holds too long a string: one such value would otherwise break every later event that carries it.
 */
export function checkStored(body: JsonObject, names: readonly string[]): void {
  for (const name of names) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    const problem = jsonBoundsProblem(v);
    if (problem) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${name}: ${problem})`);
  }
}

/** Most tokens a room's `allowed` list holds (the request that would go beyond is refused). */
export const MAX_ALLOWED_TOKENS = 10_000;
/** Most stream descriptions a participant may give before it publishes the streams they name. */
export const MAX_PENDING_DESCRIPTIONS = 64;
/** Most RTP forwarders (those of publish_remotely included) one publisher may have at a time. */
export const MAX_FORWARDERS_PER_PUBLISHER = 64;

// A handler's `events` setting ("none", "all" or a comma-separated list of Janus's labels) as a mask of event
// types, and back. Pure: the config, the Admin `tweak` and the fuzz targets call it.
import { EventType } from '../core/event-notifier.js';

/** Every type bit Janus defines (JANUS_EVENT_TYPE_ALL is all 32 bits; no event carries the others). */
export const ALL_EVENTS = 0x1ff;

/** Janus's labels, in its order. */
export const EVENT_LABELS: ReadonlyArray<readonly [string, number]> = [
  ['sessions', EventType.SESSION],
  ['handles', EventType.HANDLE],
  ['external', EventType.EXTERNAL],
  ['jsep', EventType.JSEP],
  ['webrtc', EventType.WEBRTC],
  ['media', EventType.MEDIA],
  ['plugins', EventType.PLUGIN],
  ['transports', EventType.TRANSPORT],
  ['core', EventType.CORE],
];

export interface ParsedMask {
  readonly mask: number;
  /** Names in the list that are no type (Janus ignores them silently; we report them). */
  readonly unknown: readonly string[];
}

/**
 * "none" → 0, "all" → every type, else the union of the listed labels (case-insensitive, spaces around each
 * ignored, empty items skipped). As in Janus, "none" or "all" count only on their own, not inside a list.
 */
export function parseEventMask(text: string): ParsedMask {
  const whole = text.trim().toLowerCase();
  if (whole === 'none') return { mask: 0, unknown: [] };
  if (whole === 'all') return { mask: ALL_EVENTS, unknown: [] };
  let mask = 0;
  const unknown: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    const found = EVENT_LABELS.find(([label]) => label === item);
    if (found) mask |= found[1];
    else if (unknown.length < 16) unknown.push(item.slice(0, 64));
  }
  return { mask, unknown };
}

/** The labels of a mask ("none", "all", or the list), for logs and Admin answers. */
export function maskText(mask: number): string {
  if ((mask & ALL_EVENTS) === 0) return 'none';
  if ((mask & ALL_EVENTS) === ALL_EVENTS) return 'all';
  return EVENT_LABELS.filter(([, bit]) => (mask & bit) !== 0)
    .map(([label]) => label)
    .join(',');
}

// What the Record&Play tells event handlers (Janus's notify_event, docs/events.md), in the handle's context:
// a recording started (what it records), a playout prepared (what it plays) and playing, stopped, paused,
// resumed. A recorder's renegotiation tells nothing, as in Janus. No `is_private`: Janus 1.1 has none.
import type { HandlerEvents } from '../handler-events.js';
import type { PluginHandle } from '../plugin.js';
import type { PlayoutFrame } from './playout-schedule.js';

/** Which of a recording's (or a playout's) media there are. */
export interface Kinds {
  readonly audio: boolean;
  readonly video: boolean;
  readonly data: boolean;
}

export function recordingStarted(events: HandlerEvents, handle: PluginHandle, id: number, kinds: Kinds): void {
  events.send(() => ({ event: 'recording', id, audio: kinds.audio, video: kinds.video, data: kinds.data }), handle);
}

/** `play` (an ICE restart too, as Janus's): which media the frames read have. */
export function playoutPrepared(events: HandlerEvents, handle: PluginHandle, id: number, frames: readonly PlayoutFrame[]): void {
  events.send(() => {
    const has = (kind: PlayoutFrame['kind']): boolean => frames.some((f) => f.kind === kind);
    return { event: 'playout', id, audio: has('audio'), video: has('video'), data: has('data') };
  }, handle);
}

export function sessionStatus(events: HandlerEvents, handle: PluginHandle, event: 'playing' | 'stopped' | 'paused' | 'resumed', id: number): void {
  events.send(() => ({ event, id }), handle);
}

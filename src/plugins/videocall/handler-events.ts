// What the VideoCall tells event handlers (Janus's notify_event, docs/events.md), always in a user's handle:
// registered, calling, accepted, configured (after each `set`) and hangup with Janus's reasons (the busy callee
// and the explicit hang-up for the user who asked; Remote hangup and Remote WebRTC hangup for its peer).
import type { JsonObject } from '../../plugin-api/index.js';
import type { HandlerEvents } from '../handler-events.js';
import type { CallUser } from './call-user.js';

/** Janus's reasons in these events (the client's own event may carry the reason the user gave). */
export type HangupReason = 'User busy' | 'Explicit hangup' | 'Remote hangup' | 'Remote WebRTC hangup';

export function callEvent(events: HandlerEvents, u: CallUser, event: 'calling' | 'accepted'): void {
  events.send(() => ({ event }), u.handle);
}

export function registered(events: HandlerEvents, u: CallUser, username: string): void {
  events.send(() => ({ event: 'registered', username }), u.handle);
}

export function hungUp(events: HandlerEvents, u: CallUser, reason: HangupReason): void {
  events.send(() => ({ event: 'hangup', reason }), u.handle);
}

/** After a `set`: what the user lets through, its bitrate cap and the files its recording has opened so far. */
export function configured(events: HandlerEvents, u: CallUser): void {
  events.send(() => {
    const info: JsonObject = { event: 'configured', audio_active: u.audioActive, video_active: u.videoActive, bitrate: u.bitrate };
    const files = u.recording?.paths();
    if (files && Object.keys(files).length > 0) info.recording = files;
    return info;
  }, u.handle);
}

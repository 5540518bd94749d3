// What the NoSIP tells event handlers (Janus's notify_event, docs/events.md): each barebone SDP it generated and
// each peer's SDP it processed (not for updates), in the handle's context; RTP forwarders started and stopped
// (in none, as Janus sends them).
import type { JsonObject } from '../../plugin-api/index.js';
import type { HandlerEvents } from '../handler-events.js';
import type { NosipSession } from './nosip-session.js';

/** `generated`: our barebone SDP; `processed`: the peer's, as the application gave it. */
export function sdpHandled(events: HandlerEvents, s: NosipSession, event: 'generated' | 'processed', type: 'offer' | 'answer', sdp: string): void {
  events.send(() => ({ event, type, sdp, unique_id: s.uniqueId }), s.handle);
}

/** One forwarder of an `rtp_forward`: its summary, with the host as the request wrote it; `srtp` only when true. */
export function forwarderStarted(events: HandlerEvents, summary: JsonObject, requestedHost: string): void {
  events.send(() => {
    const { srtp, ...rest } = summary;
    return { ...rest, ...(srtp === true ? { srtp } : {}), event: 'rtp_forward', host: requestedHost };
  });
}

export function forwarderStopped(events: HandlerEvents, streamId: number): void {
  events.send(() => ({ event: 'stop_rtp_forward', stream_id: streamId }));
}

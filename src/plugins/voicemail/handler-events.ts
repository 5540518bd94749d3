// What the VoiceMail tells event handlers (Janus's notify_event, docs/events.md), in the handle's context:
// `starting` once a `record` is taken (whatever the client is told), `done` when the message is closed
// (`stop`, or its ten seconds).
import type { HandlerEvents } from '../handler-events.js';
import type { PluginHandle } from '../plugin.js';

export function messageEvent(events: HandlerEvents, handle: PluginHandle, event: 'starting' | 'done'): void {
  events.send(() => ({ event }), handle);
}

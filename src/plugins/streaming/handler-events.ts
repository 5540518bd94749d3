// What the Streaming plugin tells event handlers (Janus's notify_event, docs/events.md): mountpoints created,
// edited, destroyed and emptied (kick_all), in the context of the handle that asked (none over the Admin API);
// a viewer's starting, started, pausing, switching and stopping (its handle, Janus's `status` key); an RTSP
// mountpoint's camera lost and back (no handle).
import type { PluginHandle } from '../plugin.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import type { StreamingState } from './streaming-state.js';
import type { Viewer } from './viewer.js';

export function mountpointCreated(state: StreamingState, mp: Mountpoint, by: PluginHandle | undefined): void {
  state.events.send(() => ({ event: 'created', id: mp.id, type: mp.file?.kind === 'ondemand' ? 'on demand' : 'live' }), by);
}

export function mountpointChanged(state: StreamingState, event: 'edited' | 'destroyed' | 'kicked_all', id: MountpointId, by: PluginHandle | undefined): void {
  state.events.send(() => ({ event, id }), by);
}

/** A viewer's state as Janus reports it; `id` the mountpoint it is on (or switched to). */
export function viewerStatus(state: StreamingState, v: Viewer, status: 'starting' | 'started' | 'pausing' | 'switching' | 'stopping', id: MountpointId | undefined = v.mountpoint?.id): void {
  state.events.send(() => ({ status, ...(id !== undefined ? { id } : {}) }), v.handle);
}

export function rtspConnection(state: StreamingState, event: 'rtsp-disconnected' | 'rtsp-reconnected', id: MountpointId): void {
  state.events.send(() => ({ event, id }));
}

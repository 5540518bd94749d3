// The creation of a mountpoint of any type: what every type shares is checked here, its id chosen, and the
// type's own creation (rtp-source.ts, rtsp-source.ts, file-source.ts; a `webrtc` one waits for its publisher) called.
import { randomUUID } from 'node:crypto';
import { uniqueId } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { createFileMountpoint } from './file-source.js';
import { MAX_BUFFERKF_BYTES, MAX_BUFFERKF_MS } from './guards.js';
import type { Mountpoint } from './mountpoint.js';
import { mountpointSettings } from './mountpoint-settings.js';
import { createRtpMountpoint } from './rtp-source.js';
import { createRtspMountpoint } from './rtsp-source.js';
import { check, E, requireBounded, requireSecret, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';

/** Where a mountpoint request comes from: the operator's configuration, the saved state, or a client. */
export type Origin = 'config' | 'state' | 'api';

/** `transient`: a `webrtc` mountpoint made by its publisher, which goes when it goes (webrtc-publisher.ts). */
export async function createMountpoint(state: StreamingState, body: JsonObject, origin: Origin, transient = false): Promise<Mountpoint> {
  // As in Janus, the admin key (when one is set) comes first: without it, nothing about the request is looked at.
  if (origin === 'api') requireSecret(body, 'admin_key', state.adminKey);
  if (origin !== 'config') requireBounded(body);
  check(body, [
    { name: 'type', type: 'string', required: true },
    { name: 'name', type: 'string' },
    { name: 'description', type: 'string' },
    { name: 'metadata', type: 'string' },
    { name: 'secret', type: 'string' },
    { name: 'pin', type: 'string' },
    { name: 'is_private', type: 'boolean' },
    { name: 'permanent', type: 'boolean' },
    { name: 'media', type: 'array' },
    { name: 'srtpsuite', type: 'integer' },
    { name: 'srtpcrypto', type: 'string' },
    { name: 'collision', type: 'integer' },
    { name: 'bufferkf_ms', type: 'integer' },
    { name: 'bufferkf_bytes', type: 'integer' },
    { name: 'e2ee', type: 'boolean' },
  ]);
  for (const k of ['collision', 'bufferkf_ms', 'bufferkf_bytes']) {
    if (typeof body[k] === 'number' && body[k] < 0) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (${k} should be a positive integer)`);
  }
  if (typeof body.bufferkf_ms === 'number' && body.bufferkf_ms > MAX_BUFFERKF_MS) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (bufferkf_ms should be at most ${MAX_BUFFERKF_MS})`);
  if (typeof body.bufferkf_bytes === 'number' && body.bufferkf_bytes > MAX_BUFFERKF_BYTES)
    throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (bufferkf_bytes should be at most ${MAX_BUFFERKF_BYTES})`);
  if (body.permanent === true && !state.store) throw new StreamingError(E.UNKNOWN, "No configuration file, can't create permanent mountpoint");
  if (body.type !== 'rtp' && body.type !== 'live' && body.type !== 'ondemand' && body.type !== 'rtsp' && body.type !== 'webrtc') {
    throw new StreamingError(E.INVALID_ELEMENT, `Unsupported mountpoint type '${String(body.type)}'`);
  }
  let id = state.idOf(body, false);
  if (id !== undefined) {
    if (state.mountpoints.has(id)) throw new StreamingError(E.CANT_CREATE, 'A stream with the provided ID already exists');
  } else id = state.stringIds ? randomUUID() : uniqueId((n) => state.mountpoints.has(n));
  if (body.type === 'live' || body.type === 'ondemand') return createFileMountpoint(state, body, body.type, id, origin);
  if (body.type === 'rtsp') return createRtspMountpoint(state, body, id);
  if (body.type === 'webrtc') {
    // Its streams come with its first publisher's offer.
    const mp = state.newMountpoint(mountpointSettings(body, id, false));
    mp.webrtc = { publisher: undefined, transient };
    state.mountpoints.set(id, mp);
    return mp;
  }
  return createRtpMountpoint(state, body, id);
}

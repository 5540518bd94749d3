// The settings every mountpoint type shares: read from a create request, and written back as info and the saved
// state show them.
import type { JsonObject } from '../plugin.js';
import type { MountpointId, MountpointSettings } from './mountpoint.js';

/** The settings every mountpoint type shares, from a create request (or a configuration entry). */
export function mountpointSettings(body: JsonObject, id: MountpointId, legacy: boolean): MountpointSettings {
  let name = typeof body.name === 'string' && body.name !== '' ? body.name : `mp-${id}`;
  if (/^\d/.test(name)) name = `mp-${name}`;
  return {
    id,
    name,
    description: typeof body.description === 'string' ? body.description : name,
    metadata: typeof body.metadata === 'string' ? body.metadata : undefined,
    secret: typeof body.secret === 'string' ? body.secret : undefined,
    pin: typeof body.pin === 'string' ? body.pin : undefined,
    isPrivate: body.is_private === true,
    legacy,
    collision: typeof body.collision === 'number' ? body.collision : 0,
    bufferkfMs: typeof body.bufferkf_ms === 'number' ? body.bufferkf_ms : 0,
    bufferkfBytes: typeof body.bufferkf_bytes === 'number' ? body.bufferkf_bytes : 0,
    e2ee: body.e2ee === true,
  };
}

/** The mountpoint-level `rtp` options that differ from their defaults, as info shows and saving keeps them. */
export function rtpOptions(s: MountpointSettings): JsonObject {
  const out: JsonObject = {};
  if (s.collision > 0) out.collision = s.collision;
  if (s.bufferkfMs > 0) out.bufferkf_ms = s.bufferkfMs;
  if (s.bufferkfBytes > 0) out.bufferkf_bytes = s.bufferkfBytes;
  if (s.e2ee) out.e2ee = true;
  return out;
}

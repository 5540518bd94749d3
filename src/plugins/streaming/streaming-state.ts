// What every part of the Streaming plugin shares: the settings read at init, the mountpoints and the viewers,
// and how a request names a mountpoint.
import { isSafeId } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import type { Network } from '../../plugin-api/index.js';
import type { PortRange } from '../../plugin-api/index.js';
import type { JsonObject, PluginStateStore, RelayGroup } from '../plugin.js';
import { HandlerEvents } from '../handler-events.js';
import { isStringId } from './guards.js';
import { Mountpoint, type MountpointId, type MountpointSettings } from './mountpoint.js';
import type { MountpointSpan } from './mountpoint-span.js';
import { E, requireSecret, StreamingError } from './streaming-error.js';
import type { Viewer } from './viewer.js';
import type { WebRtcPublisher } from './webrtc-publisher.js';

export class StreamingState {
  readonly mountpoints = new Map<MountpointId, Mountpoint>();
  /** One per handle, by handle id. */
  readonly viewers = new Map<number, Viewer>();
  /** The handles publishing into `webrtc` mountpoints, by handle id. */
  readonly publishers = new Map<number, WebRtcPublisher>();
  /** What is saved for each permanent mountpoint, by id. */
  readonly permanent = new Map<MountpointId, JsonObject>();
  /** Janus's `string_ids`: mountpoint ids are strings instead of positive integers. */
  stringIds = false;
  range: PortRange = { min: 10000, max: 60000 };
  adminKey: string | undefined;
  /** Where permanent mountpoints are saved; undefined without general.state_dir. */
  store: PluginStateStore | undefined;
  /** The folder every file a client names is resolved in (recordings, files of mountpoints created over the API). */
  recordingsDir = '';
  /** The event handlers, with the plugin's `events` setting (handler-events.ts); set by init(). */
  events = HandlerEvents.NONE;
  /** Set by destroy(): a create still opening sockets then closes what it opened. */
  stopped = false;

  /** The mountpoints over many nodes (mountpoint-span.ts), when this node is in a cluster. */
  span: MountpointSpan | undefined;

  /** Set by init(). */
  network!: Network;
  log!: Logger;
  /** The plugin context's: a mountpoint stream's viewers are one relay group. */
  relayGroup!: () => RelayGroup;

  /** A new mountpoint of this plugin (not yet in `mountpoints`). */
  newMountpoint(settings: MountpointSettings): Mountpoint {
    return new Mountpoint(settings, this.relayGroup, (mp) => this.span?.watchersChanged(mp));
  }

  /** The `id` of a request, a string with string_ids, a positive integer otherwise (454 when it is neither). */
  idOf(body: JsonObject, required: boolean): MountpointId | undefined {
    const id = body.id;
    if (id === undefined || id === null) {
      if (required) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (id)');
      return undefined;
    }
    if (this.stringIds) {
      if (typeof id !== 'string' || id === '') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element type (id should be a string)');
      if (!isStringId(id)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (id should be 1-256 characters, none of them control characters)');
      return id;
    }
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element type (id should be a positive integer)');
    // Janus's ids are 53-bit: a larger number is not carried exactly by JSON, so it could name another mountpoint.
    if (!isSafeId(id)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (id should be a positive integer below 2^53)');
    return id;
  }

  /** The mountpoint a request names (455 when there is none); with `needSecret`, its `secret` must be given. */
  lookup(body: JsonObject, needSecret = false): Mountpoint {
    const mp = this.mountpoints.get(this.idOf(body, true)!);
    if (!mp) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(body.id)}`);
    if (needSecret) requireSecret(body, 'secret', mp.settings.secret);
    return mp;
  }
}

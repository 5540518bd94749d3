// What every part of the VideoRoom shares: the rooms, the handles, the plugin-wide settings, the recorders open
// and the cascade (forwarders, remote publishers). Request handlers receive it as their first argument.
import type { Logger } from '../../logging/logger.js';
import type { Network } from '../../plugin-api/index.js';
import type { PluginCluster, PluginStateStore, PluginTokens, RelayGroup } from '../plugin.js';
import type { HandlerEvents } from '../handler-events.js';
import type { MjrRecorder } from '../mjr/mjr-recorder.js';
import { Cascade } from './cascade.js';
import type { HandleState } from './handle-state.js';
import { askKeyframe } from './keyframes.js';
import { announce } from './publication.js';
import type { RoomId } from './publisher.js';
import type { Room } from './room.js';
import type { RoomChange } from './shared-rooms.js';
import type { RoomSpan } from './span.js';

/** The plugin's `general` settings the requests depend on. */
export interface VideoRoomOptions {
  readonly stringIds: boolean;
  readonly adminKey: string | undefined;
  /** Forwarding media out of the server (rtp_forward, publish_remotely) needs the admin key. */
  readonly lockRtpForward: boolean;
}

export class VideoRoomState {
  readonly rooms = new Map<RoomId, Room>();
  /** Rooms saved in the plugin's state (`permanent: true`). */
  readonly permanent = new Set<RoomId>();
  /** Every recorder open, whoever owns it: shutdown closes them all. */
  readonly recorders = new Set<MjrRecorder>();
  /** RTP forwarders and remote publishers. */
  readonly cascade: Cascade;
  /** Rooms over many nodes (docs/cluster.md); set by the plugin's init when this node is in a cluster. */
  span: RoomSpan | undefined;
  /** Over many nodes: the last change known of each room, and this node's not shared yet (shared-rooms.ts). */
  readonly roomChanges = new Map<RoomId, RoomChange>();
  /** The next try of the changes not shared yet. */
  roomRetry: NodeJS.Timeout | undefined;

  constructor(
    readonly handles: Map<number, HandleState>,
    readonly options: VideoRoomOptions,
    readonly log: Logger,
    network: Network,
    /** The folder inside which every recording a client names (filename, rec_dir, new_rec_dir) is written. */
    readonly recordingsDir: string,
    readonly store: PluginStateStore | undefined,
    /** The plugin context's: the subscribers of a publisher stream that get it as it is are one relay group. */
    readonly relayGroup: () => RelayGroup,
    /** The event handlers, with the plugin's `events` setting (handler-events.ts). */
    readonly events: HandlerEvents,
    /** The core's signed tokens (rooms with `signed_tokens`); absent when the core does not sign them. */
    readonly tokens?: PluginTokens,
    /** The rest of the cluster (docs/cluster.md); absent on a single node. */
    readonly cluster?: PluginCluster,
  ) {
    this.cascade = new Cascade(network, log, {
      announce: (room, p) => announce(this, room, p),
      keyframe: (p, s) => askKeyframe(this, p, s, false),
    });
  }
}

// What every AudioBridge request reads: the rooms, the plugin's options and the services it was given.
import type { JsonObject, Network, PluginStateStore, PluginTokens, RelayGroup } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import type { HandlerEvents } from '../handler-events.js';
import type { AudioRoom } from './room.js';
import type { RoomId } from './room-settings.js';

export interface AudioBridgeOptions {
  readonly adminKey: string | undefined;
  readonly lockRtpForward: boolean;
  readonly lockPlayFile: boolean;
  readonly stringIds: boolean;
  /** Where plain-RTP participants send (reported in `joined`), and the local ports for them. */
  readonly localIp: string;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly recordTmpExt: string | undefined;
}

export interface AudioBridgeState {
  readonly rooms: Map<RoomId, AudioRoom>;
  /** The saved groups of permanent rooms, by id. */
  readonly permanent: Map<RoomId, JsonObject>;
  readonly options: AudioBridgeOptions;
  readonly store: PluginStateStore | undefined;
  readonly log: Logger;
  readonly network: Network;
  /** Where files clients name are (recordings, announcements), absolute. */
  readonly recordingsDir: string;
  readonly newRelayGroup: () => RelayGroup;
  /** The core's signed tokens (rooms with `signed_tokens`); absent when the core does not sign them. */
  readonly tokens?: PluginTokens;
  /** The event handlers, with the plugin's `events` setting (handler-events.ts). */
  readonly events: HandlerEvents;
  /** Wakes the mixing clock (a room got something to mix). */
  readonly wake: () => void;
}

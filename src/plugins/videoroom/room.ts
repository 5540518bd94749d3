// A room: its settings, its participants (publishers, publishing or not) and its subscriptions.
import type { JsonObject, RelayGroup } from '../plugin.js';
import type { Publisher, RoomId, UserId } from './publisher.js';
import type { RoomSettings } from './room-settings.js';
import type { Subscriber } from './subscriber.js';

export class Room {
  readonly participants = new Map<UserId, Publisher>();
  readonly subscribers = new Set<Subscriber>();
  destroyed = false;
  /** Periodic keyframe requests (`fir_freq`). */
  firTimer: NodeJS.Timeout | undefined;
  /** Subscriptions waiting here for other nodes' publishers to cross (span.ts): the node holds the room meanwhile. */
  awaitingCopies = 0;

  constructor(
    readonly id: RoomId,
    public settings: RoomSettings,
    /** Absolute folder the room's recordings go to (see recordingFolder in recording.ts). */
    public recFolder: string,
    /** Makes the relay group of a publisher stream (the plugin context's). */
    readonly newRelayGroup: () => RelayGroup,
  ) {}

  /** Participants whose publication is up. */
  activePublishers(): Publisher[] {
    return [...this.participants.values()].filter((p) => p.active);
  }

  /** Publications up or being negotiated: what the `publishers` limit counts. */
  publishingCount(): number {
    let n = 0;
    for (const p of this.participants.values()) if (p.active || p.publishing) n++;
    return n;
  }

  /** Sends an event to every participant with a handle, but `except`. */
  notify(data: JsonObject, except?: Publisher): void {
    for (const p of this.participants.values()) if (p !== except && p.handle) p.handle.pushEvent(undefined, data);
  }

  findByPrivateId(privateId: number): Publisher | undefined {
    for (const p of this.participants.values()) if (p.privateId === privateId) return p;
    return undefined;
  }
}

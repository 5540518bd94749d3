// A text room, its participants, and one handle's state (the rooms it joined over its single PeerConnection).
import type { PluginHandle } from '../../plugin-api/index.js';

/** A number, or a string with `string_ids`. */
export type RoomId = number | string;

/** What a room is made with and what `edit` may change. */
export interface RoomSettings {
  description: string;
  secret?: string;
  pin?: string;
  isPrivate: boolean;
  /** How many messages are kept and replayed to who joins (0: none). */
  historySize: number;
  /** An http(s) URL every message and announcement is POSTed to. */
  post?: string;
  /** Tokens that may join when `checkTokens` is on (the `allowed` request). */
  allowed: Set<string>;
  checkTokens: boolean;
}

/** One handle in one room. */
export class Participant {
  constructor(
    readonly session: TextRoomSession,
    readonly room: Room,
    readonly username: string,
    readonly display: string | undefined,
  ) {}
}

export class Room {
  /** By username, in order of joining. */
  readonly participants = new Map<string, Participant>();
  /** The last `historySize` messages and announcements, as sent. */
  private readonly kept: string[] = [];

  constructor(
    readonly id: RoomId,
    readonly settings: RoomSettings,
  ) {}

  get history(): readonly string[] {
    return this.kept;
  }

  /** Keeps a message for the room's history, forgetting the oldest beyond its size. */
  remember(text: string): void {
    if (this.settings.historySize <= 0) return;
    this.kept.push(text);
    while (this.kept.length > this.settings.historySize) this.kept.shift();
  }
}

/** One handle of the TextRoom: its PeerConnection's state and the rooms it is in. */
export class TextRoomSession {
  /** `setup` was answered with an offer (Janus keeps refusing a second one, even after a hangup). */
  setup = false;
  destroyed = false;
  /** The rooms joined, by room id. */
  readonly rooms = new Map<RoomId, Participant>();

  constructor(readonly handle: PluginHandle) {}
}

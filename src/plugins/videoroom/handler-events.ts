// What the VideoRoom tells event handlers (Janus's notify_event, docs/events.md): rooms created, edited and
// destroyed; participants joining, publishing (and updating), configuring, unpublishing, leaving or kicked;
// subscribers subscribing, subscribed and leaving. Built only while a handler takes plugin events and the
// plugin's `events` setting is on.
import type { JsonObject, PluginHandle } from '../plugin.js';
import type { Publisher } from './publisher.js';
import type { Room } from './room.js';
import type { Subscriber } from './subscriber.js';
import type { VideoRoomState } from './videoroom-state.js';

/** Sends `build()` when someone listens; `handle` puts it in that handle's context (none: out of any session). */
function send(vr: VideoRoomState, build: () => JsonObject, handle?: PluginHandle): void {
  vr.events.send(build, handle);
}

function withIdentity(info: JsonObject, p: Publisher): JsonObject {
  if (p.display !== undefined) info.display = p.display;
  if (p.metadata !== undefined) info.metadata = p.metadata;
  return info;
}

/** created / edited / destroyed (Admin or API requests: no handle context here). */
export function roomChanged(vr: VideoRoomState, event: 'created' | 'edited' | 'destroyed', room: Room | number | string): void {
  send(vr, () => ({ event, room: typeof room === 'object' ? room.id : room }));
}

export function publisherJoined(vr: VideoRoomState, room: Room, p: Publisher, token: unknown): void {
  send(
    vr,
    () => {
      const info: JsonObject = { event: 'joined', room: room.id, id: p.id, private_id: p.privateId };
      if (room.settings.allowed !== undefined && typeof token === 'string') info.token = token;
      withIdentity(info, p);
      if (p.audioActivePackets !== undefined) info.audio_active_packets = p.audioActivePackets;
      if (p.audioLevelAverage !== undefined) info.audio_level_average = p.audioLevelAverage;
      return info;
    },
    p.handle,
  );
}

/** A publication is up ("published") or its streams changed ("updated"): each stream's type, mid, codec. */
export function publicationChanged(vr: VideoRoomState, room: Room, p: Publisher, update: boolean): void {
  send(
    vr,
    () => {
      const streams = p.streams.map((s) => {
        const out: JsonObject = { type: s.type, mindex: s.mindex, mid: s.mid };
        if (s.disabled) out.disabled = true;
        else {
          if (s.description !== undefined) out.description = s.description;
          if (s.codec) out.codec = s.codec.name;
          if (s.muted) out.moderated = true;
          if (s.simulcast) out.simulcast = true;
        }
        return out;
      });
      return { ...withIdentity({ event: update ? 'updated' : 'published', room: room.id, id: p.id }, p), streams };
    },
    p.handle,
  );
}

export function publisherConfigured(vr: VideoRoomState, room: Room, p: Publisher): void {
  send(vr, () => ({ event: 'configured', room: room.id, id: p.id, bitrate: p.bitrate }), p.handle);
}

/** unpublished, leaving or kicked: out of any handle's context, as Janus sends them. */
export function publisherGone(vr: VideoRoomState, room: Room, p: Publisher, event: 'unpublished' | 'leaving' | 'kicked'): void {
  send(vr, () => withIdentity({ event, room: room.id, id: p.id }, p));
}

export function subscriberJoined(vr: VideoRoomState, room: Room, sub: Subscriber): void {
  send(vr, () => ({ event: 'subscribing', room: room.id, streams: sub.describeStreams(), private_id: sub.privateId ?? 0 }), sub.handle);
}

export function subscriberUp(vr: VideoRoomState, room: Room, sub: Subscriber): void {
  send(vr, () => ({ event: 'subscribed', room: room.id }), sub.handle);
}

export function subscriberUpdated(vr: VideoRoomState, room: Room, sub: Subscriber): void {
  send(vr, () => ({ event: 'updated', room: room.id, streams: sub.describeStreams(), private_id: sub.privateId ?? 0 }), sub.handle);
}

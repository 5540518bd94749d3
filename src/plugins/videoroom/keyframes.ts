// Keyframe requests to publishers: throttled per stream, forced when a subscriber must start at one, and the
// room's periodic ones (`fir_freq`).
import type { Publisher, PublisherStream } from './publisher.js';
import type { Room } from './room.js';
import { SubscriberStream } from './subscriber.js';
import type { VideoRoomState } from './videoroom-state.js';

/** Keyframe requests to one publisher stream are at most this frequent. */
const KEYFRAME_EVERY_MS = 500;

/** Asks a publisher stream for a keyframe, at most every KEYFRAME_EVERY_MS unless `force`. */
export function askKeyframe(vr: VideoRoomState, p: Publisher, s: PublisherStream, force: boolean): void {
  if (s.type !== 'video') return;
  const now = performance.now();
  if (!force && now - s.lastKeyframeAsk < KEYFRAME_EVERY_MS) return;
  // A remote publisher whose RTCP address is not known yet cannot be asked: that must not hold the next ask back.
  if (p.handle) p.handle.requestKeyframe(s.mid);
  else if (!vr.cascade.requestRemoteKeyframe(p, s)) return;
  s.lastKeyframeAsk = now;
}

/** A stream relays again after a pause or a mute: subscribers see no sequence gap, and video restarts at a keyframe. */
export function resumed(vr: VideoRoomState, p: Publisher, s: PublisherStream): void {
  for (const sink of s.sinks) if (sink instanceof SubscriberStream) sink.subscriber.handle.restartRtp(sink.mid);
  askKeyframe(vr, p, s, true);
}

/** Periodic keyframe requests when the room asks for them. */
export function startRoom(vr: VideoRoomState, room: Room): void {
  if (room.firTimer) clearInterval(room.firTimer);
  room.firTimer = undefined;
  if (room.settings.firFreq > 0) {
    room.firTimer = setInterval(() => {
      for (const p of room.participants.values()) if (p.active) for (const s of p.streams) askKeyframe(vr, p, s, true);
    }, room.settings.firFreq * 1000);
    room.firTimer.unref();
  }
}

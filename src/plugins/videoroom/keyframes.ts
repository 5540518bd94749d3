// Keyframe requests to publishers: throttled per stream, forced when a subscriber must start at one, and the
// room's periodic ones (`fir_freq`).
import { KeyframeRequester } from '../../forwarding/keyframe-requester.js';
import type { Publisher, PublisherStream } from './publisher.js';
import type { Room } from './room.js';
import { SubscriberStream } from './subscriber.js';
import type { VideoRoomState } from './videoroom-state.js';

/** Asks a publisher stream for a keyframe, at most once per the requester's interval unless `force`. */
export function askKeyframe(vr: VideoRoomState, p: Publisher, s: PublisherStream, force: boolean): void {
  if (s.type !== 'video') return;
  (s.keyframes ??= keyframeRequester(vr, p, s)).request(force);
}

/** One per stream, made on its first ask. */
function keyframeRequester(vr: VideoRoomState, p: Publisher, s: PublisherStream): KeyframeRequester {
  const handle = p.handle;
  // A remote publisher whose RTCP address is not known yet cannot be asked: that must not hold the next ask back.
  return new KeyframeRequester(() => (handle ? (handle.requestKeyframe(s.mid), true) : vr.cascade.requestRemoteKeyframe(p, s)));
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

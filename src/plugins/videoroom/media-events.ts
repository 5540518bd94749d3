// What the media layer tells the plugin about a handle: media up, packets in, a slow link, media gone.
import type { MediaTrackInfo, PluginHandle } from '../plugin.js';
import { summarizeRtcp } from '../../rtp/rtcp.js';
import type { HandleState } from './handle-state.js';
import { subscriberUp } from './handler-events.js';
import { askKeyframe } from './keyframes.js';
import { announce, publisherBitrate, unpublish } from './publication.js';
import { leave } from './room-lifecycle.js';
import type { VideoRoomState } from './videoroom-state.js';

/** A publisher's media is up: its publication is announced; a subscriber's: its streams start at a keyframe. */
export function mediaUp(vr: VideoRoomState, h: HandleState, handle: PluginHandle): void {
  const role = h.role;
  if (role.kind === 'publisher' && role.publisher.publishing) {
    const bitrate = publisherBitrate(role.room, role.publisher);
    if (bitrate > 0) handle.sendRemb(bitrate);
    announce(vr, role.room, role.publisher);
  } else if (role.kind === 'subscriber') {
    role.subscriber.askKeyframes();
    subscriberUp(vr, role.room, role.subscriber);
  }
}

export function rtpIn(h: HandleState, track: MediaTrackInfo, packet: Buffer): void {
  if (h.role.kind !== 'publisher') return;
  const s = h.role.publisher.stream(track.mid);
  if (s) s.relay(packet, track.substream);
}

export function dataIn(h: HandleState, label: string, data: Buffer | string): void {
  if (h.role.kind !== 'publisher') return;
  const s = h.role.publisher.streams.find((x) => x.type === 'data');
  if (s) s.relayData(data, label);
}

/** A subscriber's PLI/FIR on an m-line asks that stream's publisher for a keyframe. */
export function rtcpIn(vr: VideoRoomState, h: HandleState, track: MediaTrackInfo | undefined, packet: Buffer): void {
  if (h.role.kind !== 'subscriber' || !track) return;
  const summary = summarizeRtcp(packet);
  if (!summary?.keyframeRequest) return;
  const ss = h.role.subscriber.streams.find((s) => s.mid === track.mid);
  if (ss) askKeyframe(vr, ss.publisher, ss.source, false);
}

export function slowLink(h: HandleState, handle: PluginHandle, uplink: boolean): void {
  if (h.role.kind === 'publisher' && uplink) handle.pushEvent(undefined, { videoroom: 'slow_link', 'current-bitrate': publisherBitrate(h.role.room, h.role.publisher) });
  else if (h.role.kind === 'subscriber' && !uplink) handle.pushEvent(undefined, { videoroom: 'slow_link' });
}

export function mediaGone(vr: VideoRoomState, h: HandleState, handle: PluginHandle): void {
  if (h.destroyed) return;
  const role = h.role;
  if (role.kind === 'publisher' && (role.publisher.active || role.publisher.publishing)) unpublish(vr, role.room, role.publisher);
  else if (role.kind === 'subscriber') {
    // The PeerConnection is gone: the subscription ends; the handle may join again.
    leave(vr, h, 'left');
    handle.pushEvent(undefined, { videoroom: 'event', room: role.room.id, left: 'ok' });
  }
}

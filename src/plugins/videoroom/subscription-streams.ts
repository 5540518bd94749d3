// A subscription's m-lines and the publisher streams feeding them: choosing streams, giving them m-lines, taking
// them out, and offering the client the subscription again when it changed.
import type { JsonObject, Jsep } from '../plugin.js';
import { E, errMessage, serverFault, VideoRoomError } from './errors.js';
import { askKeyframe } from './keyframes.js';
import type { Publisher, PublisherStream } from './publisher.js';
import type { Room } from './room.js';
import { userIdOf } from './room-access.js';
import { SubscriberStream, type Subscriber } from './subscriber.js';
import type { VideoRoomState } from './videoroom-state.js';

/** A publisher stream chosen for a subscription, with the request entry that chose it. */
export interface ChosenStream {
  publisher: Publisher;
  stream: PublisherStream;
  entry: JsonObject;
}

/** A subscriber loses a stream whose publisher went away: its m-line goes inactive (renegotiated with autoupdate). */
export function streamGone(vr: VideoRoomState, stream: SubscriberStream): void {
  const sub = stream.subscriber;
  removeStreams(sub, [stream]);
  if (sub.closed) return;
  if (sub.clientOffer) {
    // We cannot offer the client a smaller subscription: its m-line goes quiet, and with nothing left, the PeerConnection.
    sub.handle.pushEvent(undefined, { videoroom: 'event', room: sub.room, mid: stream.mid, feed_id: stream.publisher.id, active: false });
    if (sub.streams.length === 0) sub.handle.closePc();
    return;
  }
  if (sub.autoupdate && sub.state !== 'offered') scheduleRenegotiation(vr, sub);
  else sub.handle.pushEvent(undefined, { videoroom: 'event', room: sub.room, mid: stream.mid, feed_id: stream.publisher.id, active: false });
}

/**
 * Gives each chosen publisher stream an m-line of the subscription: an inactive one of the same kind and codec
 * when there is one, else a new one at the end. Data streams share the one data m-line (only in a first offer).
 * The streams are returned, not yet fed: that waits until the offer exists.
 */
export function addStreams(vr: VideoRoomState, sub: Subscriber, chosen: readonly ChosenStream[], first: boolean): SubscriberStream[] {
  const added: SubscriberStream[] = [];
  for (const { publisher, stream, entry } of chosen) {
    if (sub.streams.some((x) => x.source === stream)) continue;
    let mid: string;
    if (stream.type === 'data') {
      if (sub.dataMid === undefined) {
        if (!first) continue;
        sub.dataMid = String(sub.mlines.length);
        sub.mlines.push({ track: { kind: 'data', mid: sub.dataMid }, active: true });
      }
      mid = sub.dataMid;
    } else {
      const c = stream.codec;
      const free = sub.mlines.findIndex((m) => !m.active && m.track.kind === stream.type && m.track.codec === c?.name && m.track.pt === c?.pt);
      if (free >= 0) {
        sub.mlines[free].active = true;
        mid = String(free);
      } else {
        mid = String(sub.mlines.length);
        sub.mlines.push({ track: { kind: stream.type, mid, codec: c?.name, pt: c?.pt, fmtp: c?.fmtp, clockRate: c?.clockRate, channels: c?.channels }, active: true });
      }
    }
    const ss = new SubscriberStream(sub, Number(mid), mid, publisher, stream);
    applyStreamOptions(vr, ss, entry);
    sub.streams.push(ss);
    added.push(ss);
  }
  return added;
}

export function attachStreams(streams: readonly SubscriberStream[]): void {
  for (const ss of streams) {
    if (ss.source.type === 'data') ss.source.dataSinks.add(ss);
    else ss.source.sinks.add(ss);
  }
}

/** Takes streams out of a subscription; their m-lines go inactive (the data m-line stays while any feeds it). */
export function removeStreams(sub: Subscriber, gone: readonly SubscriberStream[]): void {
  for (const ss of gone) {
    ss.source.sinks.delete(ss);
    ss.source.dataSinks.delete(ss);
    sub.streams = sub.streams.filter((x) => x !== ss);
    const slot = sub.mlines[ss.mindex];
    if (slot && !sub.streams.some((x) => x.mid === ss.mid)) slot.active = ss.source.type === 'data';
  }
}

/** A new offer for a subscription whose streams changed; the client answers with `start`. */
export async function reoffer(vr: VideoRoomState, sub: Subscriber): Promise<Jsep | undefined> {
  if (sub.awaitingAnswer) {
    sub.renegotiateAfterAnswer = true;
    sub.handle.pushEvent(undefined, { videoroom: 'updating', room: sub.room });
    return undefined;
  }
  let offer: Jsep;
  try {
    offer = await sub.handle.createOffer(sub.offerTracks());
  } catch (err) {
    throw serverFault(vr.log, 'Error creating the new offer', err);
  }
  sub.awaitingAnswer = true;
  return offer;
}

/** Publishers went away under an `autoupdate` subscription: one new offer for all of it, soon. */
export function scheduleRenegotiation(vr: VideoRoomState, sub: Subscriber): void {
  if (sub.renegotiationScheduled || sub.closed) return;
  sub.renegotiationScheduled = true;
  setTimeout(() => {
    sub.renegotiationScheduled = false;
    if (sub.closed) return;
    reoffer(vr, sub)
      .then((offer) => {
        if (offer && !sub.closed) sub.handle.pushEvent(undefined, { videoroom: 'updated', room: sub.room, streams: sub.describeStreams() }, offer);
      })
      .catch((err: unknown) => sub.handle.log.warn(`videoroom: renegotiation failed: ${errMessage(err)}`));
  }, 50).unref();
}

/** One subscription cannot mix end-to-end encrypted feeds with plain ones (the client decrypts all or none). */
export function checkOneE2eeKind(publishers: readonly Publisher[]): void {
  if (publishers.some((p) => p.e2ee) && publishers.some((p) => !p.e2ee)) {
    throw new VideoRoomError(E.INVALID_FEED, "Can't have both end-to-end encrypted and plain feeds in the same subscription");
  }
}

/** The publisher streams a list of `{feed, mid?}` entries names; unknown feeds and mids are errors. */
export function resolveSubscription(vr: VideoRoomState, room: Room, entries: readonly JsonObject[]): ChosenStream[] {
  const out: ChosenStream[] = [];
  for (const entry of entries) {
    const feed = userIdOf(vr, entry, 'feed', true)!;
    const p = room.participants.get(feed);
    if (!p || !p.active) throw new VideoRoomError(E.NO_SUCH_FEED, `No such feed (${feed})`);
    if (entry.mid !== undefined) {
      if (typeof entry.mid !== 'string') throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element type (mid should be a string)');
      const s = p.stream(entry.mid);
      if (!s) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${entry.mid}' in feed (${feed})`);
      if (!s.disabled) out.push({ publisher: p, stream: s, entry });
      continue;
    }
    // Legacy subscriptions may leave out audio, video or data.
    for (const s of p.streams) {
      if (s.disabled) continue;
      if ((s.type === 'audio' && entry.audio === false) || (s.type === 'video' && entry.video === false) || (s.type === 'data' && entry.data === false)) continue;
      out.push({ publisher: p, stream: s, entry });
    }
  }
  return out;
}

/** A subscription entry's `send`, layer choices and simulcast fallback, applied to one of its streams. */
export function applyStreamOptions(vr: VideoRoomState, ss: SubscriberStream, e: JsonObject): void {
  for (const k of ['substream', 'temporal', 'spatial_layer', 'temporal_layer']) {
    const v = e[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2)) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${k} should be 0, 1 or 2)`);
  }
  if (e.fallback !== undefined && (typeof e.fallback !== 'number' || !(e.fallback >= 0)))
    throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (fallback should be a positive number of microseconds)');
  if (typeof e.send === 'boolean') ss.sending = e.send;
  if (typeof e.fallback === 'number') ss.setFallback(e.fallback / 1000);
  if (typeof e.substream === 'number') ss.setSubstream(e.substream);
  if (typeof e.temporal === 'number') ss.setTemporal(e.temporal);
  if (typeof e.spatial_layer === 'number' || typeof e.temporal_layer === 'number') {
    ss.setSvc(typeof e.spatial_layer === 'number' ? e.spatial_layer : undefined, typeof e.temporal_layer === 'number' ? e.temporal_layer : undefined);
    if (ss.fwd.waitingForKeyframe) askKeyframe(vr, ss.publisher, ss.source, true);
  }
}

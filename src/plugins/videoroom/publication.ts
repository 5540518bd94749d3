// A participant's publication: negotiating a publisher's offer, announcing the publication to the room, ending it
// (unpublish) and taking the participant out of the room (withdraw).
import type { JsonObject, Jsep, NegotiatedMedia } from '../plugin.js';
import { E, errMessage, VideoRoomError } from './errors.js';
import { participantEvent, publishersEvent } from './events.js';
import { publicationChanged, publisherGone } from './handler-events.js';
import type { HandleState } from './handle-state.js';
import { askKeyframe } from './keyframes.js';
import { PublisherStream, type Publisher } from './publisher.js';
import { setRecording } from './recording.js';
import type { Room } from './room.js';
import { SubscriberStream } from './subscriber.js';
import { streamGone } from './subscription-streams.js';
import { TalkingDetector } from '../talking-detector.js';
import type { VideoRoomState } from './videoroom-state.js';

/** The bitrate a publisher is asked to keep to (REMB): its own, within the room's cap. */
export function publisherBitrate(room: Room, p: Publisher): number {
  const cap = room.settings.bitrate;
  if (p.bitrate > 0 && (!room.settings.bitrateCap || cap === 0 || p.bitrate <= cap)) return p.bitrate;
  return cap;
}

/** Answers a publisher's offer; a first one gives the publisher its streams (announced once media is up). */
export async function publish(h: HandleState, room: Room, p: Publisher, body: JsonObject, jsep: Jsep, mayRenegotiate: boolean): Promise<Jsep> {
  if (jsep.type !== 'offer') throw new VideoRoomError(E.INVALID_SDP_TYPE, jsep.type === 'answer' ? 'Only publishers send offers' : `Unknown SDP type '${String(jsep.type)}'`);
  if (room.settings.requireE2ee && !jsep.e2ee) throw new VideoRoomError(E.INVALID_SDP, 'Room requires end-to-end encrypted media');
  const renegotiating = p.active || p.publishing;
  if (renegotiating && !mayRenegotiate) throw new VideoRoomError(E.ALREADY_PUBLISHED, "Can't publish, already published");
  if (!renegotiating && room.publishingCount() >= room.settings.publishers) {
    throw new VideoRoomError(E.PUBLISHERS_FULL, `Maximum number of publishers (${room.settings.publishers}) already reached`);
  }
  const prefer = (asked: unknown, allowed: readonly string[], what: string): string[] => {
    if (typeof asked !== 'string') return [...allowed];
    const c = asked.toLowerCase();
    if (!allowed.includes(c)) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${what} ${c} is not allowed in this room)`);
    return [c, ...allowed.filter((x) => x !== c)];
  };
  const audioCodecs = prefer(body.audiocodec, room.settings.audioCodecs, 'audiocodec');
  const videoCodecs = prefer(body.videocodec, room.settings.videoCodecs, 'videocodec');
  if (typeof body.display === 'string') p.display = body.display;
  p.publishing = true;
  let answer: Jsep;
  try {
    // A renegotiation may add streams (an audio-only publisher turning its camera on), as in Janus.
    answer = await h.handle.answerOffer(jsep, { audio: true, video: true, data: true, direction: 'recvonly', audioCodecs, videoCodecs, newStreams: renegotiating });
  } catch (err) {
    if (!renegotiating) p.publishing = false;
    throw new VideoRoomError(E.INVALID_SDP, `Error processing SDP: ${errMessage(err)}`);
  }
  if (h.destroyed || h.role.kind !== 'publisher') return answer;
  if (renegotiating) renegotiatedStreams(room, p, h.handle.negotiatedMedia());
  else {
    p.setStreams(h.handle.negotiatedMedia().map((m, i) => newStream(room, p, m, i)));
    p.pendingDescriptions.clear();
    p.e2ee = jsep.e2ee === true;
    if (typeof body.record === 'boolean' || room.settings.record) p.recording = body.record === true || room.settings.record;
  }
  return jsep.e2ee ? { ...answer, e2ee: true } : answer;
}

/** A stream of the publisher's offer; one the publisher does not send on (recvonly, inactive) is disabled, as in Janus. */
function newStream(room: Room, p: Publisher, m: NegotiatedMedia, i: number): PublisherStream {
  const s = new PublisherStream(m.index ?? i, m.mid, m.kind, m.codec, (m.rids?.length ?? 0) > 1, m.extensions, room.newRelayGroup);
  s.description = p.pendingDescriptions.get(m.mid);
  p.pendingDescriptions.delete(m.mid);
  s.disabled = sendsNothing(m);
  return s;
}

function sendsNothing(m: NegotiatedMedia): boolean {
  return m.kind !== 'data' && (m.direction === 'recvonly' || m.direction === 'inactive');
}

/**
 * A new offer of a publisher: its streams keep their objects (and their subscribers, forwarders, recorders); a
 * stream it no longer sends on is disabled (or enabled again), a new m-line is a new stream, as Janus does.
 */
function renegotiatedStreams(room: Room, p: Publisher, media: readonly NegotiatedMedia[]): void {
  const streams = [...p.streams];
  for (const [i, m] of media.entries()) {
    const s = p.stream(m.mid);
    if (s) s.disabled = sendsNothing(m);
    else streams.push(newStream(room, p, m, i));
  }
  // An m-line rejected this time carries nothing; m-lines are never taken out.
  for (const s of streams) if (!media.some((m) => m.mid === s.mid)) s.disabled = true;
  p.setStreams(streams);
}

/**
 * A publication that is up was renegotiated (`configure` with an offer): the room hears the publisher's streams
 * anew (`publishers`, as Janus sends it), new streams are recorded, forwarded to the publisher's remotizations and
 * watched for talking, and the other nodes' copies follow (span.ts). Subscribers keep what they took; a new
 * stream is theirs to `subscribe` to, a disabled one just carries nothing.
 */
export function republish(vr: VideoRoomState, room: Room, p: Publisher, before: readonly PublisherStream[]): void {
  const added = p.streams.filter((s) => !before.includes(s));
  for (const s of added) watchTalking(room, p, s);
  room.notify(publishersEvent(room, p), p);
  publicationChanged(vr, room, p, true);
  if (p.recording || room.settings.record) setRecording(vr, room, p, true);
  for (const s of added) if (s.type === 'video') askKeyframe(vr, p, s, true);
  vr.cascade.streamsAdded(p, added).catch((err: unknown) => vr.log.warn(`videoroom: room ${room.id}: publisher ${p.id}'s new streams not remotized: ${errMessage(err)}`));
  vr.span?.republished(room, p);
}

/** Talking detection of an audio stream, in a room with `audiolevel_event`. */
function watchTalking(room: Room, p: Publisher, s: PublisherStream): void {
  if (!room.settings.audiolevelEvent || s.type !== 'audio' || !s.hasAudioLevel) return;
  const detector = new TalkingDetector(p.audioActivePackets ?? room.settings.audioActivePackets, p.audioLevelAverage ?? room.settings.audioLevelAverage);
  s.talking = {
    detector,
    // Everyone hears it, the speaker included.
    report: (change, average) => room.notify({ videoroom: change, room: room.id, id: p.id, mindex: s.mindex, mid: s.mid, 'audio-level-dBov-avg': average }),
  };
}

/** Announces a publication that is up to the room (publishers' handles get the `publishers` event). */
export function announce(vr: VideoRoomState, room: Room, p: Publisher): void {
  p.active = true;
  p.publishing = false;
  for (const s of p.streams) watchTalking(room, p, s);
  room.notify(publishersEvent(room, p), p);
  publicationChanged(vr, room, p, false);
  if (p.recording || room.settings.record) setRecording(vr, room, p, true);
  for (const s of p.streams) if (s.type === 'video') askKeyframe(vr, p, s, true);
  // Another node's participant's copy crosses nowhere; local publishers and the operator's remote ones do.
  if (p.spannedFrom === undefined) vr.span?.published(room, p);
}

/** Ends a publication; `tellHandlers` false when a leave says it instead (Janus sends event handlers one event). */
export function unpublish(vr: VideoRoomState, room: Room, p: Publisher, tellHandlers = true): void {
  const wasActive = p.active;
  p.active = false;
  p.publishing = false;
  setRecording(vr, room, p, p.recording, true);
  vr.cascade.publisherGone(p);
  for (const s of p.streams) {
    for (const sink of [...s.sinks, ...s.dataSinks]) if (sink instanceof SubscriberStream) streamGone(vr, sink);
    s.sinks.clear();
    s.dataSinks.clear();
  }
  p.setStreams([]);
  if (wasActive) room.notify(participantEvent(room, 'unpublished', p), p);
  if (wasActive && tellHandlers) publisherGone(vr, room, p, 'unpublished');
  if (tellHandlers && p.spannedFrom === undefined) vr.span?.ended(room, p, 'unpublished');
}

/** A remote publisher is removed, or a participant leaves the room. */
export function withdraw(vr: VideoRoomState, room: Room, p: Publisher, announceLeaving: boolean, kicked = false): void {
  if (p.active || p.publishing) unpublish(vr, room, p, false);
  vr.cascade.removeRemote(p);
  room.participants.delete(p.id);
  if (announceLeaving) room.notify(participantEvent(room, 'leaving', p), p);
  if (!p.remote) publisherGone(vr, room, p, kicked ? 'kicked' : 'leaving');
  if (p.spannedFrom === undefined) vr.span?.ended(room, p, kicked ? 'kicked' : announceLeaving ? 'leaving' : 'destroyed');
}

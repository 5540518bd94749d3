// A subscription's requests: join as a subscriber, start, pause, configure, switch, subscribe, unsubscribe,
// update, leave.
import { isJsonObject } from '../../plugin-api/index.js';
import type { AnswerOptions, JsonObject, Jsep } from '../plugin.js';
import { check, E, errMessage, serverFault, VideoRoomError } from './errors.js';
import type { AsyncReply, HandleState } from './handle-state.js';
import { askKeyframe } from './keyframes.js';
import { checkRange, RANGES } from './limits.js';
import type { Room } from './room.js';
import { checkJoinAccess, lookupRoom, userIdOf } from './room-access.js';
import { leave } from './room-lifecycle.js';
import { Subscriber, SubscriberStream } from './subscriber.js';
import { addStreams, applyStreamOptions, attachStreams, checkOneE2eeKind, removeStreams, reoffer, resolveSubscription, scheduleRenegotiation, type ChosenStream } from './subscription-streams.js';
import type { VideoRoomState } from './videoroom-state.js';
import { subscriberJoined, subscriberUpdated } from './handler-events.js';
import { notePlacement } from './placement.js';

export async function joinSubscriber(vr: VideoRoomState, h: HandleState, body: JsonObject, clientOffer?: Jsep): Promise<AsyncReply> {
  check(body, [
    { name: 'streams', type: 'array' },
    { name: 'private_id', type: 'positive' },
    { name: 'use_msid', type: 'boolean' },
    { name: 'autoupdate', type: 'boolean' },
    { name: 'token', type: 'string' },
  ]);
  checkRange(body, 'private_id', RANGES.private_id);
  const room = lookupRoom(vr, body, false);
  checkJoinAccess(vr, room, body);
  const privateId = typeof body.private_id === 'number' ? body.private_id : undefined;
  if (room.settings.requirePvtid && (privateId === undefined || !room.findByPrivateId(privateId))) {
    throw new VideoRoomError(E.UNAUTHORIZED, 'Unauthorized (this room requires a valid private_id)');
  }
  let entries: JsonObject[];
  if (Array.isArray(body.streams)) entries = body.streams.map((e) => (isJsonObject(e) ? e : {}));
  else if (body.feed !== undefined) entries = [{ ...body, mid: undefined }];
  else throw new VideoRoomError(E.MISSING_ELEMENT, "At least one between 'streams' and 'feed' must be specified");
  const sub = new Subscriber(h.handle, room.id, privateId, (p, s, force) => askKeyframe(vr, p, s, force === true));
  if (typeof body.autoupdate === 'boolean') sub.autoupdate = body.autoupdate;
  // Over many nodes, the feeds may be other nodes' publishers not crossed here yet (span.ts).
  if (vr.span) await vr.span.awaitFeeds(room, feedsOf(entries));
  const chosen = resolveSubscription(vr, room, entries);
  if (chosen.length === 0) throw new VideoRoomError(E.NO_SUCH_FEED, 'No stream to subscribe to');
  checkOneE2eeKind(chosen.map((c) => c.publisher));
  if (clientOffer) return joinWithOffer(vr, h, room, sub, chosen, clientOffer);
  const added = addStreams(vr, sub, chosen, true);
  let offer: Jsep;
  try {
    offer = await h.handle.createOffer(sub.offerTracks());
  } catch (err) {
    throw serverFault(vr.log, 'Error creating the offer', err);
  }
  if (h.destroyed) return { data: {} };
  attachStreams(added);
  sub.awaitingAnswer = true;
  room.subscribers.add(sub);
  h.role = { kind: 'subscriber', room, subscriber: sub };
  notePlacement(vr, room);
  subscriberJoined(vr, room, sub);
  const data: JsonObject = { videoroom: 'attached', room: room.id, streams: sub.describeStreams() };
  const feeds = new Set(sub.streams.map((s) => s.publisher));
  if (!Array.isArray(body.streams) && feeds.size === 1) {
    // Older clients read the feed's id and display at the top level.
    const only = [...feeds][0];
    data.id = only.id;
    if (only.display !== undefined) data.display = only.display;
  }
  const e2ee = chosen.some((c) => c.publisher.e2ee);
  return { data, jsep: e2ee ? { ...offer, e2ee: true } : offer };
}

/**
 * A subscriber that offers (a WHEP viewer; Janus cannot): the offer is answered send only with the chosen streams'
 * codecs, and its m-lines are matched in order to the chosen streams of the same kind; m-lines left over carry
 * nothing. Media flows after `start`, as for a subscription we offered.
 */
async function joinWithOffer(vr: VideoRoomState, h: HandleState, room: Room, sub: Subscriber, chosen: readonly ChosenStream[], offer: Jsep): Promise<AsyncReply> {
  if (offer.type !== 'offer') throw new VideoRoomError(E.INVALID_SDP_TYPE, 'A subscriber can only send an offer');
  const first = (type: string): ChosenStream | undefined => chosen.find((c) => c.stream.type === type);
  const options: AnswerOptions = {
    audio: first('audio') !== undefined,
    video: first('video') !== undefined,
    data: first('data') !== undefined,
    direction: 'sendonly',
    audioCodec: first('audio')?.stream.codec?.name,
    videoCodec: first('video')?.stream.codec?.name,
  };
  let answer: Jsep;
  try {
    answer = await h.handle.answerOffer(offer, options);
  } catch (err) {
    throw new VideoRoomError(E.INVALID_SDP, `Error parsing SDP: ${errMessage(err)}`);
  }
  if (h.destroyed) return { data: {} };
  const unused = [...chosen];
  const added: SubscriberStream[] = [];
  for (const m of h.handle.negotiatedMedia()) {
    const at = unused.findIndex((c) => c.stream.type === m.kind);
    if (at < 0) {
      if (m.index !== undefined) sub.mlines[m.index] = { track: { kind: m.kind, mid: m.mid }, active: false };
      continue;
    }
    const { publisher, stream, entry } = unused[at];
    unused.splice(at, 1);
    const index = m.index ?? added.length;
    const c = stream.codec;
    sub.mlines[index] = { track: { kind: m.kind, mid: m.mid, codec: c?.name, pt: c?.pt, fmtp: c?.fmtp, clockRate: c?.clockRate, channels: c?.channels }, active: true };
    if (m.kind === 'data') sub.dataMid = m.mid;
    const ss = new SubscriberStream(sub, index, m.mid, publisher, stream);
    applyStreamOptions(vr, ss, entry);
    sub.streams.push(ss);
    added.push(ss);
  }
  if (added.length === 0) {
    setImmediate(() => h.handle.closePc());
    throw new VideoRoomError(E.INVALID_SDP, 'The offer has no m-line these streams can be sent on');
  }
  for (let i = 0; i < sub.mlines.length; i++) sub.mlines[i] ??= { track: { kind: 'data', mid: String(i) }, active: false };
  sub.clientOffer = options;
  sub.autoupdate = false;
  attachStreams(added);
  room.subscribers.add(sub);
  h.role = { kind: 'subscriber', room, subscriber: sub };
  notePlacement(vr, room);
  subscriberJoined(vr, room, sub);
  const e2ee = chosen.some((c) => c.publisher.e2ee);
  return { data: { videoroom: 'attached', room: room.id, streams: sub.describeStreams() }, jsep: e2ee || offer.e2ee ? { ...answer, e2ee: true } : answer };
}

/** `start`: with the client's answer, media flows (again, after a pause: from a keyframe). */
export async function startSubscription(vr: VideoRoomState, h: HandleState, room: Room, sub: Subscriber, jsep: Jsep | undefined): Promise<AsyncReply> {
  if (jsep) {
    sub.awaitingAnswer = false;
    if (sub.renegotiateAfterAnswer) {
      sub.renegotiateAfterAnswer = false;
      scheduleRenegotiation(vr, sub);
    }
  }
  if (sub.state === 'paused') {
    for (const s of sub.streams) h.handle.restartRtp(s.mid);
    sub.askKeyframes();
  }
  sub.state = 'started';
  return { data: { videoroom: 'event', room: room.id, started: 'ok' } };
}

export async function pauseSubscription(room: Room, sub: Subscriber): Promise<AsyncReply> {
  if (sub.state === 'started') sub.state = 'paused';
  return { data: { videoroom: 'event', room: room.id, paused: 'ok' } };
}

/** `configure` of a subscription: what each stream sends (layers, on/off), and an ICE restart with `restart`. */
export async function configureSubscription(vr: VideoRoomState, h: HandleState, room: Room, sub: Subscriber, body: JsonObject, jsep?: Jsep): Promise<AsyncReply> {
  const entries: JsonObject[] = Array.isArray(body.streams) ? body.streams.map((e) => (isJsonObject(e) ? e : {})) : [body];
  for (const e of entries) {
    if (e.mid !== undefined && typeof e.mid !== 'string') throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element type (mid should be a string)');
    const targets = typeof e.mid === 'string' ? sub.streams.filter((s) => s.mid === e.mid) : sub.streams;
    if (typeof e.mid === 'string' && targets.length === 0) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${e.mid}' in subscription`);
    for (const s of targets) {
      // Legacy `audio`/`video`/`data` switches map to `send` per kind.
      const legacy = e[s.source.type];
      const was = s.sending;
      applyStreamOptions(vr, s, typeof legacy === 'boolean' && e.send === undefined ? { ...e, send: legacy } : e);
      if (!was && s.sending) {
        h.handle.restartRtp(s.mid);
        if (s.source.type === 'video') askKeyframe(vr, s.publisher, s.source, false);
      }
      if (typeof e.substream === 'number' && s.source.simulcast) askKeyframe(vr, s.publisher, s.source, false);
    }
  }
  if (sub.clientOffer && jsep) {
    // The client offers again (new ICE credentials: a restart); the m-lines stay as they are.
    if (jsep.type !== 'offer') throw new VideoRoomError(E.INVALID_SDP_TYPE, 'A subscriber can only send an offer');
    const answer = await h.handle.answerOffer(jsep, sub.clientOffer).catch((err: unknown) => {
      throw new VideoRoomError(E.INVALID_SDP, `Error parsing SDP: ${errMessage(err)}`);
    });
    return { data: { videoroom: 'event', room: room.id, configured: 'ok' }, jsep: answer };
  }
  if (body.restart === true) {
    if (sub.clientOffer) throw new VideoRoomError(E.INVALID_REQUEST, 'This subscription was offered by the client: restart ICE with a new offer');
    // An ICE restart: new credentials in a new offer of ours, answered with `start`.
    const offer = await h.handle.restartIce().catch((err: unknown) => {
      throw serverFault(vr.log, 'Error restarting ICE', err);
    });
    sub.awaitingAnswer = true;
    return { data: { videoroom: 'event', room: room.id, configured: 'ok' }, jsep: offer };
  }
  return { data: { videoroom: 'event', room: room.id, configured: 'ok' } };
}

/** `switch`: m-lines of the subscription fed by other publishers' streams of the same kind and codec, no renegotiation. */
export async function switchStreams(vr: VideoRoomState, h: HandleState, room: Room, sub: Subscriber, body: JsonObject): Promise<AsyncReply> {
  check(body, [{ name: 'streams', type: 'array', required: true }]);
  let changes = 0;
  for (const raw of body.streams as unknown[]) {
    const e = isJsonObject(raw) ? raw : {};
    check(e, [
      { name: 'mid', type: 'string', required: true },
      { name: 'sub_mid', type: 'string', required: true },
    ]);
    const feed = userIdOf(vr, e, 'feed', true)!;
    const p = room.participants.get(feed);
    if (!p || !p.active) throw new VideoRoomError(E.NO_SUCH_FEED, `No such feed (${feed})`);
    const source = p.stream(e.mid as string);
    if (!source) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${String(e.mid)}' in feed (${feed})`);
    const idx = sub.streams.findIndex((s) => s.mid === e.sub_mid);
    if (idx < 0) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${String(e.sub_mid)}' in subscription`);
    const old = sub.streams[idx];
    if (old.source === source) continue;
    if (old.source.type !== source.type || old.source.codec?.name !== source.codec?.name) {
      throw new VideoRoomError(E.INVALID_ELEMENT, `Can't switch mid '${old.mid}' to a ${source.type} stream with another codec`);
    }
    old.source.sinks.delete(old);
    old.source.dataSinks.delete(old);
    const ss = new SubscriberStream(sub, old.mindex, old.mid, p, source);
    ss.sending = old.sending;
    sub.streams[idx] = ss;
    if (source.type === 'data') source.dataSinks.add(ss);
    else source.sinks.add(ss);
    h.handle.restartRtp(ss.mid);
    if (source.type === 'video') askKeyframe(vr, p, source, true);
    changes++;
  }
  return { data: { videoroom: 'event', room: room.id, switched: 'ok', changes, streams: sub.streams.map((s) => s.describe()) } };
}

export async function leaveSubscription(vr: VideoRoomState, h: HandleState, room: Room): Promise<AsyncReply> {
  leave(vr, h, 'left');
  h.handle.closePc();
  return { data: { videoroom: 'event', room: room.id, left: 'ok' } };
}

/** `subscribe`, `unsubscribe` and `update`: streams added to or taken out of the subscription, then a new offer. */
export async function changeSubscription(vr: VideoRoomState, room: Room, sub: Subscriber, request: string, body: JsonObject): Promise<AsyncReply> {
  if (sub.clientOffer) throw new VideoRoomError(E.INVALID_REQUEST, `Can't ${request}: the client offered this subscription and we cannot offer it another`);
  const toAdd = request === 'subscribe' ? body.streams : request === 'update' ? body.subscribe : undefined;
  const toDrop = request === 'unsubscribe' ? body.streams : request === 'update' ? body.unsubscribe : undefined;
  if (request !== 'update' && !Array.isArray(body.streams))
    throw new VideoRoomError(
      body.streams === undefined ? E.MISSING_ELEMENT : E.INVALID_ELEMENT,
      body.streams === undefined ? 'Missing mandatory element (streams)' : 'Invalid element type (streams should be an array)',
    );
  if (request === 'update' && !Array.isArray(toAdd) && !Array.isArray(toDrop)) throw new VideoRoomError(E.MISSING_ELEMENT, "At least one between 'subscribe' and 'unsubscribe' must be specified");
  const drop: SubscriberStream[] = [];
  for (const raw of Array.isArray(toDrop) ? toDrop : []) {
    const e = isJsonObject(raw) ? raw : {};
    const feed = e.feed === undefined ? undefined : userIdOf(vr, e, 'feed', false);
    for (const ss of sub.streams) {
      if (feed !== undefined && ss.publisher.id !== feed) continue;
      if (typeof e.mid === 'string' && ss.source.mid !== e.mid) continue;
      if (typeof e.sub_mid === 'string' && ss.mid !== e.sub_mid) continue;
      if (feed === undefined && e.mid === undefined && e.sub_mid === undefined) continue;
      drop.push(ss);
    }
  }
  const chosen = Array.isArray(toAdd)
    ? resolveSubscription(
        vr,
        room,
        toAdd.map((e) => (isJsonObject(e) ? e : {})),
      )
    : [];
  checkOneE2eeKind([...chosen.map((c) => c.publisher), ...sub.streams.filter((x) => !drop.includes(x)).map((x) => x.publisher)]);
  removeStreams(sub, drop);
  const added = addStreams(vr, sub, chosen, false);
  if (drop.length === 0 && added.length === 0) return { data: { videoroom: 'updated', room: room.id } };
  const offer = await reoffer(vr, sub);
  attachStreams(added);
  for (const ss of added) if (ss.source.type === 'video') askKeyframe(vr, ss.publisher, ss.source, true);
  if (!offer) return { data: { videoroom: 'updating', room: room.id } };
  subscriberUpdated(vr, room, sub);
  return { data: { videoroom: 'updated', room: room.id, streams: sub.describeStreams() }, jsep: offer };
}

/** The feeds a subscription's entries name (checked later, one by one). */
function feedsOf(entries: readonly JsonObject[]): (number | string)[] {
  return entries.flatMap((e) => (typeof e.feed === 'number' || typeof e.feed === 'string' ? [e.feed] : []));
}

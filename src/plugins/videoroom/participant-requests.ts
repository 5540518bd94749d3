// A participant's requests: join as a publisher (and joinandconfigure), configure and publish, unpublish, leave.
import { randomUint32 } from '../../plugin-api/index.js';
import { isJsonObject } from '../../plugin-api/index.js';
import type { JsonObject, Jsep } from '../plugin.js';
import { check, E, VideoRoomError } from './errors.js';
import { participantEvent } from './events.js';
import type { AsyncReply, HandleState } from './handle-state.js';
import { askKeyframe, resumed } from './keyframes.js';
import { checkRange, checkRanges, checkStored, MAX_PENDING_DESCRIPTIONS, RANGES } from './limits.js';
import { publish, publisherBitrate, republish, unpublish } from './publication.js';
import { Publisher } from './publisher.js';
import { recordingChange, setRecording } from './recording.js';
import type { Room } from './room.js';
import { checkJoinAccess, lookupRoom, newUserId, userIdOf } from './room-access.js';
import { notePlacement } from './placement.js';
import { leave } from './room-lifecycle.js';
import type { VideoRoomState } from './videoroom-state.js';
import { publisherConfigured, publisherJoined } from './handler-events.js';

export async function joinPublisher(vr: VideoRoomState, h: HandleState, body: JsonObject, jsep: Jsep | undefined): Promise<AsyncReply> {
  check(body, [
    { name: 'display', type: 'string' },
    { name: 'metadata', type: 'object' },
    { name: 'token', type: 'string' },
    { name: 'audio_active_packets', type: 'positive' },
    { name: 'audio_level_average', type: 'positive' },
  ]);
  checkRanges(body, [
    ['audio_active_packets', RANGES.audio_active_packets],
    ['audio_level_average', RANGES.audio_level_average],
  ]);
  checkStored(body, ['display', 'metadata']);
  const room = lookupRoom(vr, body, false);
  checkJoinAccess(vr, room, body);
  const requested = userIdOf(vr, body, 'id', false);
  if (requested !== undefined && room.participants.has(requested)) throw new VideoRoomError(E.ID_EXISTS, `User ID ${requested} already exists`);
  // joinandconfigure may start a recording: the same lock and file name checks as configure, before joining.
  const recording = jsep ? recordingChange(room, body) : {};
  const id = requested ?? newUserId(vr, room);
  let privateId = randomUint32();
  while (room.findByPrivateId(privateId)) privateId = randomUint32();
  const p = new Publisher(id, privateId, h.handle);
  if (typeof body.display === 'string') p.display = body.display;
  if (isJsonObject(body.metadata)) p.metadata = body.metadata;
  if (typeof body.audio_active_packets === 'number' && body.audio_active_packets > 0) p.audioActivePackets = body.audio_active_packets;
  if (typeof body.audio_level_average === 'number' && body.audio_level_average > 0) p.audioLevelAverage = body.audio_level_average;
  if (recording.filename !== undefined) p.recordingBase = recording.filename;
  room.participants.set(id, p);
  h.role = { kind: 'publisher', room, publisher: p };
  notePlacement(vr, room);
  h.handle.log.verbose(`videoroom: publisher ${id} joined room ${room.id}`);
  publisherJoined(vr, room, p, body.token);
  const data: JsonObject = {
    videoroom: 'joined',
    room: room.id,
    description: room.settings.description,
    id,
    private_id: privateId,
    publishers: room
      .activePublishers()
      .filter((x) => x !== p)
      .map((x) => x.describe()),
  };
  if (room.settings.notifyJoining) {
    data.attendees = [...room.participants.values()].filter((x) => x !== p && !x.active).map((x) => x.identity());
    room.notify({ videoroom: 'event', room: room.id, joining: p.identity() }, p);
  }
  if (!jsep) return { data };
  const answer = await publish(h, room, p, body, jsep, true);
  return { data, jsep: answer };
}

/** `configure` and `publish` of a publisher: settings, and with an offer, the (re)negotiation. */
export async function configurePublisher(vr: VideoRoomState, h: HandleState, room: Room, p: Publisher, request: string, body: JsonObject, jsep: Jsep | undefined): Promise<AsyncReply> {
  check(body, [
    { name: 'bitrate', type: 'positive' },
    { name: 'record', type: 'boolean' },
    { name: 'filename', type: 'string' },
    { name: 'display', type: 'string' },
    { name: 'metadata', type: 'object' },
    { name: 'audiocodec', type: 'string' },
    { name: 'videocodec', type: 'string' },
    { name: 'keyframe', type: 'boolean' },
    { name: 'streams', type: 'array' },
    { name: 'descriptions', type: 'array' },
  ]);
  checkRange(body, 'bitrate', RANGES.bitrate);
  checkStored(body, ['display', 'metadata', 'descriptions']);
  if (request === 'publish' && (p.active || p.publishing) && jsep) throw new VideoRoomError(E.ALREADY_PUBLISHED, "Can't publish, already published");
  applyPublisherSettings(vr, room, p, body);
  if (jsep) {
    const wasActive = p.active;
    const before = [...p.streams];
    const answer = await publish(h, room, p, body, jsep, request === 'configure');
    if (wasActive && p.active) republish(vr, room, p, before);
    const described = p.describe();
    const data: JsonObject = { videoroom: 'event', room: room.id, configured: 'ok' };
    for (const k of ['audio_codec', 'video_codec', 'streams']) if (described[k] !== undefined) data[k] = described[k];
    return { data, jsep: answer };
  }
  if (request === 'publish') throw new VideoRoomError(E.INVALID_SDP_TYPE, 'Missing SDP offer');
  publisherConfigured(vr, room, p);
  return { data: { videoroom: 'event', room: room.id, configured: 'ok' } };
}

export async function unpublishRequest(vr: VideoRoomState, h: HandleState, room: Room, p: Publisher): Promise<AsyncReply> {
  if (!p.active && !p.publishing) throw new VideoRoomError(E.NOT_PUBLISHED, "Can't unpublish, not published");
  unpublish(vr, room, p);
  h.handle.closePc();
  return { data: { videoroom: 'event', room: room.id, unpublished: 'ok' } };
}

export async function leavePublisher(vr: VideoRoomState, h: HandleState, room: Room): Promise<AsyncReply> {
  leave(vr, h, 'left');
  h.handle.closePc();
  return { data: { videoroom: 'event', room: room.id, leaving: 'ok' } };
}

/** What `configure`/`publish` may change without a new offer. */
function applyPublisherSettings(vr: VideoRoomState, room: Room, p: Publisher, body: JsonObject): void {
  // Refusals first: a refused request changes nothing.
  const recording = recordingChange(room, body);
  if (Array.isArray(body.descriptions)) checkDescriptions(p, body.descriptions);
  if (typeof body.bitrate === 'number') {
    p.bitrate = body.bitrate;
    if (p.active) p.handle?.sendRemb(publisherBitrate(room, p));
  }
  let renamed = false;
  if (typeof body.display === 'string' && body.display !== p.display) {
    p.display = body.display;
    renamed = true;
  }
  if (isJsonObject(body.metadata)) {
    p.metadata = body.metadata;
    renamed = true;
  }
  if (renamed && p.active) {
    room.notify(participantEvent(room, 'id', p), p);
    vr.span?.renamed(room, p);
  }
  if (Array.isArray(body.descriptions)) applyDescriptions(p, body.descriptions);
  if (recording.filename !== undefined) p.recordingBase = recording.filename;
  if (recording.record !== undefined) setRecording(vr, room, p, recording.record);
  if (Array.isArray(body.streams)) {
    const entries = body.streams.filter(isJsonObject);
    if (entries.length > 1 && entries.some((e) => typeof e.mid !== 'string')) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (mid is required when configuring more than one stream)');
    for (const e of entries) {
      const targets = typeof e.mid === 'string' ? [p.stream(e.mid)] : p.streams;
      if (typeof e.mid === 'string' && !targets[0]) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${e.mid}' in feed (${p.id})`);
      for (const s of targets) {
        if (!s) continue;
        if (e.keyframe === true && s.type === 'video') askKeyframe(vr, p, s, true);
        if (typeof e.send === 'boolean' && s.paused === e.send) {
          // The publisher stops (or resumes) relaying one of its streams; subscribers resume at a keyframe.
          s.paused = !e.send;
          if (!s.paused) resumed(vr, p, s);
        }
      }
    }
  }
  if (body.keyframe === true) for (const s of p.streams) if (s.type === 'video') askKeyframe(vr, p, s, true);
}

/** `descriptions` entries need a mid and a description; those kept for streams to come are bounded in number. */
function checkDescriptions(p: Publisher, descriptions: unknown[]): void {
  const pending = new Set(p.pendingDescriptions.keys());
  for (const d of descriptions) {
    if (!isJsonObject(d) || typeof d.mid !== 'string' || typeof d.description !== 'string') throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (mid or description)');
    if (!p.stream(d.mid)) pending.add(d.mid);
  }
  if (pending.size > MAX_PENDING_DESCRIPTIONS) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (descriptions can name at most ${MAX_PENDING_DESCRIPTIONS} streams not yet published)`);
}

function applyDescriptions(p: Publisher, descriptions: unknown[]): void {
  for (const d of descriptions) {
    if (!isJsonObject(d) || typeof d.mid !== 'string' || typeof d.description !== 'string') throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (mid or description)');
    const s = p.stream(d.mid);
    if (s) s.description = d.description;
    else p.pendingDescriptions.set(d.mid, d.description);
  }
}

// A participant's requests: join, configure, changeroom, leave and resetdecoder, with Janus's checks, answers
// and events (the PeerConnection negotiated in join or configure, either side offering).
import { PluginError, sameSecret, type Jsep, type JsonObject } from '../../plugin-api/index.js';
import { DEFAULT_COMPLEXITY } from '../../audio/opus-codec.js';
import { errorText } from '../../logging/error-text.js';
import { isAudioCodec, staticPayloadType } from './audio-codec.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { E } from './audiobridge-error.js';
import { participantConfigured, participantJoined, participantLeft, talkingChanged } from './handler-events.js';
import { announceChange, enter, leave, othersOf } from './membership.js';
import { Participant, type AudioBridgeSession, type ParticipantOptions } from './participant.js';
import { PlainRtpLink } from './plain-rtp-link.js';
import { checkFields, checkSecret, findRoom, idField, roomId } from './request-checks.js';
import { recordParticipant } from './room-recording.js';
import { MAX_EXPECTED_LOSS, MAX_PREBUFFERING, type RoomId } from './room-settings.js';
import type { AudioRoom } from './room.js';
import { answerClient, learnNegotiated, noteFecWish, offerClient } from './session-media.js';
import { freeRoomId } from '../permanent-groups.js';

export interface ParticipantReply {
  readonly data: JsonObject;
  readonly jsep?: Jsep;
}

const JOIN_FIELDS = [
  { name: 'display', type: 'string' },
  { name: 'token', type: 'string' },
  { name: 'group', type: 'string' },
  { name: 'muted', type: 'boolean' },
  { name: 'suspended', type: 'boolean' },
  { name: 'pause_events', type: 'boolean' },
  { name: 'codec', type: 'string' },
  { name: 'bitrate', type: 'positive' },
  { name: 'quality', type: 'positive' },
  { name: 'expected_loss', type: 'positive' },
  { name: 'volume', type: 'positive' },
  { name: 'spatial_position', type: 'positive' },
  { name: 'audio_level_average', type: 'positive' },
  { name: 'audio_active_packets', type: 'positive' },
  { name: 'prebuffer', type: 'positive' },
  { name: 'denoise', type: 'boolean' },
  { name: 'record', type: 'boolean' },
  { name: 'filename', type: 'string' },
  { name: 'generate_offer', type: 'boolean' },
  { name: 'rtp', type: 'object' },
  { name: 'secret', type: 'string' },
  { name: 'pin', type: 'string' },
] as const;

const RTP_FIELDS = [
  { name: 'generate_offer', type: 'boolean' },
  { name: 'ip', type: 'string' },
  { name: 'port', type: 'positive' },
  { name: 'payload_type', type: 'positive' },
  { name: 'audiolevel_ext', type: 'positive' },
  { name: 'fec', type: 'boolean' },
] as const;

/** The checked quality, expected loss and codec of a join or configure (absent: the current or default value). */
function mediaOptions(body: JsonObject, base: Pick<ParticipantOptions, 'quality' | 'expectedLoss'>): { quality: number; expectedLoss: number } {
  const quality = typeof body.quality === 'number' ? body.quality : base.quality;
  if (quality < 1 || quality > 10) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (quality should be a positive integer between 1 and 10)');
  const expectedLoss = typeof body.expected_loss === 'number' ? body.expected_loss : base.expectedLoss;
  if (expectedLoss > MAX_EXPECTED_LOSS) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (expected_loss should be a positive integer between 0 and ${MAX_EXPECTED_LOSS})`);
  if (typeof body.prebuffer === 'number' && body.prebuffer > MAX_PREBUFFERING) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (prebuffer should be at most ${MAX_PREBUFFERING})`);
  return { quality, expectedLoss };
}

/** The access checks of join and changeroom: signed token, pin, allowed token, secret (an admin), group. */
function admit(state: AudioBridgeState, room: AudioRoom, body: JsonObject): { admin: boolean; group: string | undefined } {
  // As Janus: a signed token comes before the pin, and is asked for only when the core signs tokens.
  const tokens = state.tokens;
  if (room.settings.signedTokens && tokens?.signed && !tokens.signatureContains(body.token, `room=${room.id}`)) throw new PluginError(E.UNAUTHORIZED, 'Unauthorized (wrong token)');
  checkSecret(room.settings.pin, body, 'pin');
  if (room.checkTokens && (typeof body.token !== 'string' || !room.allowed.has(body.token))) throw new PluginError(E.UNAUTHORIZED, 'Unauthorized (not in the allowed list)');
  const secret = room.settings.secret;
  let admin = false;
  if (typeof body.secret === 'string' && secret !== undefined) {
    if (!sameSecret(body.secret, secret)) throw new PluginError(E.UNAUTHORIZED, 'Unauthorized (wrong secret)');
    admin = true;
  }
  let group: string | undefined;
  if (room.settings.groups.length > 0) {
    checkFields(body, [{ name: 'group', type: 'string', required: true }]);
    group = body.group as string;
    if (!room.settings.groups.includes(group)) throw new PluginError(E.NO_SUCH_GROUP, `No such group (${group})`);
  }
  return { admin, group };
}

/** A participant id for the room: the one asked for (490 when taken) or a new one. */
function participantId(state: AudioBridgeState, room: AudioRoom, body: JsonObject): RoomId {
  const asked = idField(state, body, 'id', false);
  if (asked !== undefined) {
    if (room.participants.has(asked)) throw new PluginError(E.ID_EXISTS, `User ID ${asked} already exists`);
    return asked;
  }
  return freeRoomId(state.options.stringIds, (id) => room.participants.has(id));
}

function optionsFor(room: AudioRoom, body: JsonObject, admission: { admin: boolean; group: string | undefined }): ParticipantOptions {
  const codec = body.codec ?? 'opus';
  if (!isAudioCodec(codec)) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (codec must opus, pcmu or pcma)');
  const s = room.settings;
  const { quality, expectedLoss } = mediaOptions(body, { quality: DEFAULT_COMPLEXITY, expectedLoss: s.defaultExpectedLoss });
  const num = (key: string, fallback: number): number => {
    const v = body[key];
    return typeof v === 'number' ? v : fallback;
  };
  return {
    muted: body.muted === true,
    suspended: body.suspended === true,
    pauseEvents: body.suspended === true && body.pause_events === true,
    codec,
    bitrate: num('bitrate', s.defaultBitrate),
    quality,
    expectedLoss,
    volume: num('volume', 100),
    spatialPosition: Math.min(100, num('spatial_position', 50)),
    group: admission.group,
    prebuffer: num('prebuffer', s.defaultPrebuffering),
    audioLevelAverage: typeof body.audio_level_average === 'number' ? body.audio_level_average : undefined,
    audioActivePackets: typeof body.audio_active_packets === 'number' ? body.audio_active_packets : undefined,
    admin: admission.admin,
  };
}

/** Opens the plain-RTP link of a join with `rtp`; the `rtp` member the joined event carries. */
async function plainRtp(state: AudioBridgeState, room: AudioRoom, p: Participant, rtp: JsonObject): Promise<JsonObject> {
  if (!room.settings.allowRtpParticipants) throw new PluginError(E.UNAUTHORIZED, 'Plain RTP participants not allowed in this room');
  checkFields(rtp, RTP_FIELDS);
  const offer = rtp.generate_offer === true;
  const codec = p.options.codec;
  const payloadType = staticPayloadType(codec) ?? (typeof rtp.payload_type === 'number' ? rtp.payload_type : 111);
  const peer = {
    ip: offer || typeof rtp.ip !== 'string' ? undefined : rtp.ip,
    port: offer || typeof rtp.port !== 'number' ? undefined : rtp.port,
    payloadType,
    audioLevelId: !offer && typeof rtp.audiolevel_ext === 'number' ? rtp.audiolevel_ext : 0,
    fec: rtp.fec === true,
  };
  let link: PlainRtpLink;
  try {
    link = await PlainRtpLink.open(state.network, undefined, state.options.rtpPorts, peer, codec, (seq, payload, level) => incomingAudio(state, p, seq, payload, level));
  } catch (err) {
    throw new PluginError(E.UNKNOWN_ERROR, `Could not open a plain RTP port: ${errorText(err)}`);
  }
  p.plain = link;
  p.linkChanged();
  return { ip: state.options.localIp, port: link.localPort, payload_type: payloadType };
}

/** A packet of the participant's audio (WebRTC or plain RTP): to the mix, the talking detector, the recorder. */
export function incomingAudio(state: AudioBridgeState, p: Participant, seq: number, payload: Buffer, level: number): void {
  const room = p.room;
  if (!room.participants.has(p.id)) return;
  if (!p.silenced) p.inbound?.push(seq, payload);
  if (level >= 0 && p.talking && !p.silenced) {
    const change = p.talking.add(level);
    if (change && room.settings.audiolevelEvent) {
      room.notify({ audiobridge: change, room: room.id, id: p.id });
      talkingChanged(state, p, change);
    }
  }
}

export async function join(state: AudioBridgeState, session: AudioBridgeSession, body: JsonObject, jsep: Jsep | undefined): Promise<ParticipantReply> {
  checkFields(body, JOIN_FIELDS);
  if (session.participant) throw new PluginError(E.ALREADY_JOINED, 'Already in a room (use changeroom to join another one)');
  const room = findRoom(state, roomId(state, body));
  const admission = admit(state, room, body);
  const id = participantId(state, room, body);
  const options = optionsFor(room, body, admission);
  noteFecWish(session, jsep);
  const p = new Participant(id, session, room, typeof body.display === 'string' ? body.display : undefined, options);
  const data: JsonObject = { audiobridge: 'joined', room: room.id, id };
  if (p.display !== undefined) data.display = p.display;
  let reply: Jsep | undefined;
  try {
    if (body.rtp !== undefined && body.rtp !== null) data.rtp = await plainRtp(state, room, p, body.rtp as JsonObject);
    else if (jsep) reply = await answerClient(session, jsep, options.codec);
    else if (body.generate_offer === true) reply = await offerClient(session, options.codec, room.settings.spatial, false);
  } catch (err) {
    p.close();
    throw err;
  }
  if (room.destroyed || session.destroyed || session.participant) {
    p.close();
    throw new PluginError(room.destroyed ? E.NO_SUCH_ROOM : E.ALREADY_JOINED, room.destroyed ? `No such room (${room.id})` : 'Already in a room');
  }
  session.participant = p;
  p.linkChanged();
  p.optionsChanged(); // a plain link's `fec` is known now
  data.participants = othersOf(room, p);
  enter(state, room, p);
  participantJoined(state, p, false);
  if (body.record === true || room.settings.mjrs) recordParticipant(state, p, true, typeof body.filename === 'string' ? body.filename : undefined);
  state.log.verbose(`audiobridge: ${String(id)} joined room ${room.id}`);
  return { data, jsep: reply };
}

export async function configure(state: AudioBridgeState, session: AudioBridgeSession, body: JsonObject, jsep: Jsep | undefined): Promise<ParticipantReply> {
  checkFields(body, [
    { name: 'muted', type: 'boolean' },
    { name: 'display', type: 'string' },
    { name: 'bitrate', type: 'positive' },
    { name: 'quality', type: 'positive' },
    { name: 'expected_loss', type: 'positive' },
    { name: 'volume', type: 'positive' },
    { name: 'spatial_position', type: 'positive' },
    { name: 'prebuffer', type: 'positive' },
    { name: 'group', type: 'string' },
    { name: 'denoise', type: 'boolean' },
    { name: 'record', type: 'boolean' },
    { name: 'filename', type: 'string' },
    { name: 'generate_offer', type: 'boolean' },
    { name: 'update', type: 'boolean' },
    { name: 'rtp', type: 'object' },
  ]);
  const p = session.participant;
  if (!p) throw new PluginError(E.NOT_JOINED, "Can't configure (not in a room)");
  const room = p.room;
  const o = p.options;
  const { quality, expectedLoss } = mediaOptions(body, o);
  noteFecWish(session, jsep);
  if (typeof body.group === 'string') {
    if (!room.settings.groups.includes(body.group)) throw new PluginError(E.NO_SUCH_GROUP, `No such group (${body.group})`);
    o.group = body.group;
  }
  o.quality = quality;
  o.expectedLoss = expectedLoss;
  if (typeof body.bitrate === 'number') o.bitrate = body.bitrate;
  if (typeof body.volume === 'number') o.volume = body.volume;
  if (typeof body.prebuffer === 'number') o.prebuffer = body.prebuffer;
  let changed = false;
  if (typeof body.spatial_position === 'number' && room.settings.spatial) {
    o.spatialPosition = Math.min(100, body.spatial_position);
    changed = true;
  }
  if (typeof body.display === 'string' && body.display !== p.display) {
    p.display = body.display;
    changed = true;
  }
  if (typeof body.muted === 'boolean' && body.muted !== o.muted) {
    o.muted = body.muted;
    if (o.muted) p.resetInbound();
    changed = true;
  }
  p.optionsChanged();
  if (typeof body.record === 'boolean') recordParticipant(state, p, body.record, typeof body.filename === 'string' ? body.filename : undefined);
  if (p.plain && body.rtp !== undefined && body.rtp !== null) {
    const rtp = body.rtp as JsonObject;
    checkFields(rtp, RTP_FIELDS);
    p.plain.setPeer({
      ...p.plain.peer,
      ip: typeof rtp.ip === 'string' ? rtp.ip : p.plain.peer.ip,
      port: typeof rtp.port === 'number' ? rtp.port : p.plain.peer.port,
      audioLevelId: typeof rtp.audiolevel_ext === 'number' ? rtp.audiolevel_ext : p.plain.peer.audioLevelId,
      fec: typeof rtp.fec === 'boolean' ? rtp.fec : p.plain.peer.fec,
    });
    p.optionsChanged();
  }
  // Before the negotiation, as Janus tells it.
  participantConfigured(state, p);
  let reply: Jsep | undefined;
  if (jsep?.type === 'offer') reply = await answerClient(session, jsep, o.codec);
  else if (jsep?.type === 'answer') {
    if (session.offerer !== 'server') throw new PluginError(E.INVALID_SDP, "Received an answer when we didn't send an offer");
  } else if (body.generate_offer === true || (body.update === true && session.offerer === 'server')) reply = await offerClient(session, o.codec, room.settings.spatial, body.update === true);
  p.linkChanged();
  if (changed && room.participants.get(p.id) === p) announceChange(room, p);
  return { data: { audiobridge: 'event', room: room.id, result: 'ok' }, jsep: reply };
}

export async function changeRoom(state: AudioBridgeState, session: AudioBridgeSession, body: JsonObject): Promise<ParticipantReply> {
  checkFields(body, JOIN_FIELDS);
  const p = session.participant;
  if (!p) throw new PluginError(E.NOT_JOINED, "Can't change room (not in a room in the first place)");
  const target = findRoom(state, roomId(state, body));
  if (target === p.room) throw new PluginError(E.ALREADY_JOINED, 'Already in this room');
  const admission = admit(state, target, body);
  const id = participantId(state, target, body);
  const options = optionsFor(target, body, admission);
  // The same link (PeerConnection or plain RTP) carries on in the new room.
  participantLeft(state, p.room, p, true);
  leave(p.room, p);
  const next = new Participant(id, session, target, typeof body.display === 'string' ? body.display : p.display, options);
  next.plain = p.plain;
  p.plain = undefined;
  p.close();
  session.participant = next;
  next.linkChanged();
  const data: JsonObject = { audiobridge: 'roomchanged', room: target.id, id };
  if (next.display !== undefined) data.display = next.display;
  data.participants = othersOf(target, next);
  enter(state, target, next);
  participantJoined(state, next, true);
  if (target.settings.mjrs) recordParticipant(state, next, true);
  return { data };
}

export function leaveRoom(state: AudioBridgeState, session: AudioBridgeSession): ParticipantReply {
  const p = session.participant;
  if (!p) throw new PluginError(E.NOT_JOINED, "Can't leave (not in a room)");
  const room = p.room;
  participantLeft(state, room, p, true);
  leave(room, p);
  session.participant = undefined;
  p.close();
  return { data: { audiobridge: 'left', room: room.id, id: p.id } };
}

/** `hangup`: the PeerConnection closes (hangupMedia then takes the participant out of its room). */
export function hangup(session: AudioBridgeSession): ParticipantReply {
  session.handle.closePc();
  return { data: { audiobridge: 'hangingup' } };
}

export function resetDecoder(session: AudioBridgeSession): JsonObject {
  const p = session.participant;
  if (!p) throw new PluginError(E.NOT_JOINED, "Can't reset (not in a room)");
  p.resetInbound();
  return { audiobridge: 'success' };
}

/** Media came up: the m-line is known now (a server offer answered), the others see `setup: true`. */
export function mediaUp(session: AudioBridgeSession): void {
  session.mediaUp = true;
  learnNegotiated(session);
  const p = session.participant;
  if (!p) return;
  p.linkChanged();
  if (p.room.participants.get(p.id) === p) announceChange(p.room, p);
}

// janus.plugin.videoroom: an SFU. Publishers send their streams to the room; subscribers get any mix of the
// publishers' streams on one PeerConnection the plugin offers. Room management, moderation and cascading (RTP
// forwarders, remote publishers) are synchronous requests; joining and media negotiation are asynchronous.
import { resolve } from 'node:path';
import { randomUint32, uniqueId } from '../../core/ids.js';
import { isSafeId } from '../../core/json-bounds.js';
import { isJsonObject } from '../../core/validate.js';
import type { Logger } from '../../logging/logger.js';
import type { Network } from '../../net/network.js';
import { summarizeRtcp } from '../../rtp/rtcp.js';
import type { JsonObject, Jsep, MediaTrackInfo, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult, PluginStateStore } from '../plugin.js';
import { generalSettings, isTrue, loadSaved } from '../plugin-settings.js';
import { prepareFileInside, resolveInside, UnsafePathError } from '../safe-path.js';
import { MjrRecorder } from '../rtp/mjr-recorder.js';
import { check, checkSecret, E, VideoRoomError } from './errors.js';
import { checkRange, checkRanges, checkStored, MAX_ALLOWED_TOKENS, MAX_PENDING_DESCRIPTIONS, RANGES } from './limits.js';
import { Publisher, PublisherStream, type RoomId, type UserId } from './publisher.js';
import { Room } from './room.js';
import { describeRoom, fromConfigGroup, isRoomGroup, parseRoomSettings, settingsToGroup } from './room-settings.js';
import { Subscriber, SubscriberStream } from './subscriber.js';
import { Cascade } from './cascade.js';
import { TalkingDetector } from './talking.js';

const SYNC_REQUESTS = new Set([
  'create', 'edit', 'destroy', 'list', 'exists', 'allowed', 'kick', 'moderate', 'listparticipants', 'listforwarders',
  'enable_recording', 'rtp_forward', 'stop_rtp_forward', 'publish_remotely', 'unpublish_remotely', 'listremotes',
  'list_remotes', 'add_remote_publisher', 'update_remote_publisher', 'remove_remote_publisher',
]);
const ASYNC_REQUESTS = new Set(['join', 'joinandconfigure', 'configure', 'publish', 'unpublish', 'start', 'pause', 'switch', 'subscribe', 'unsubscribe', 'update', 'leave']);

/** Keyframe requests to one publisher stream are at most this frequent. */
const KEYFRAME_EVERY_MS = 500;




function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What a handle is in the plugin: nothing yet, a participant (publisher) or a subscription. */
type HandleRole =
  | { kind: 'none' }
  | { kind: 'publisher'; room: Room; publisher: Publisher }
  | { kind: 'subscriber'; room: Room; subscriber: Subscriber }
  /** It left (or was kicked, or its room went): a handle joins once; another join needs a new handle. */
  | { kind: 'gone' };

interface HandleState {
  readonly handle: PluginHandle;
  role: HandleRole;
  destroyed: boolean;
  /** Asynchronous requests of the handle, answered one after the other. */
  queue?: Promise<void>;
}

export class VideoRoomPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.videoroom',
    name: 'JANUS VideoRoom plugin',
    author: 'Portunus',
    description: 'This is a plugin implementing a videoconferencing SFU (Selective Forwarding Unit) for Janus, that is an audio/video router.',
    version: 10,
    versionString: '0.0.10',
  };
  private readonly rooms = new Map<RoomId, Room>();
  private readonly handles = new Map<number, HandleState>();
  private stringIds = false;
  private adminKey: string | undefined;
  private lockRtpForward = false;
  private log!: Logger;
  private network!: Network;
  /** The folder inside which every recording a client names (filename, rec_dir, new_rec_dir) is written. */
  private recordingsDir = '';
  private state: PluginStateStore | undefined;
  private readonly permanent = new Set<RoomId>();
  /** Every recorder open, whoever owns it: shutdown closes them all. */
  private readonly recorders = new Set<MjrRecorder>();
  /** Recorders closed and still writing out: shutdown waits for them (the core ends every handle first). */
  /** RTP forwarders and remote publishers. */
  cascade!: Cascade;

  async init(context: PluginContext): Promise<void> {
    this.log = context.log;
    this.network = context.network;
    this.recordingsDir = context.recordingsDir;
    const config = context.config;
    const general = generalSettings(config);
    if (typeof general.admin_key === 'string' && general.admin_key !== '') this.adminKey = general.admin_key;
    // With an admin key, forwarding media out of the server needs it too unless the operator says otherwise
    // (Janus leaves this off by default; a safer default here).
    this.lockRtpForward = general.lock_rtp_forward === undefined || isTrue(general.lock_rtp_forward);
    this.stringIds = isTrue(general.string_ids);
    this.cascade = new Cascade(this.network, this.log, {
      announce: (room, p) => this.announce(room, p),
      keyframe: (p, s) => this.askKeyframe(p, s, false),
    });
    if (!this.network.ipv6Available) this.log.info('videoroom: IPv6 unavailable, forwarders and remote publishers use IPv4 sockets');
    this.state = context.state;
    const saved = loadSaved(this.state, (m) => this.log.error(`videoroom: permanent rooms not loaded: ${m}`));
    const groups = [...Object.entries(config), ...Object.entries(saved)].filter(([name, g]) => isRoomGroup(name, g)) as [string, JsonObject][];
    if (groups.length === 0 && Object.keys(saved).length === 0 && !isJsonObject(config['room-1234'])) {
      // Without a configuration, the room janus.js's demos join, as Janus's sample configuration has it.
      groups.push(['room-1234', { description: 'Demo Room', secret: 'adminpwd', publishers: 6, bitrate: 128000, fir_freq: 10 }]);
    }
    for (const [name, group] of groups) {
      try {
        const raw = name.slice('room-'.length);
        const id: RoomId = this.stringIds ? raw : Number(raw);
        if (!this.stringIds && (!Number.isSafeInteger(id) || (id as number) <= 0)) throw new Error(`'${raw}' is not a numeric room id`);
        const settings = parseRoomSettings(fromConfigGroup(group), id);
        const isSaved = Object.prototype.hasOwnProperty.call(saved, name);
        // A saved room's rec_dir came from a client (create/edit), unless it is the one the configuration gives.
        const configured = isJsonObject(config[name]) ? (config[name] as JsonObject).rec_dir : undefined;
        const byOperator = !isSaved || (settings.recDir !== undefined && settings.recDir === configured);
        let folder: string;
        try {
          folder = this.recordingFolder(settings.recDir, byOperator);
        } catch (err) {
          // Saved by an older version that let clients name any folder: the room stays, its recordings move.
          if (!(err instanceof VideoRoomError)) throw err;
          this.log.warn(`videoroom: room '${name}': saved ${err.message.replace(/^Invalid element \((.*)\)$/, '$1')}, recording in ${this.recordingsDir} instead`);
          settings.recDir = undefined;
          folder = this.recordingsDir;
        }
        const room = new Room(id, settings, folder);
        this.rooms.set(id, room);
        if (isSaved) this.permanent.add(id);
        this.startRoom(room);
      } catch (err) {
        this.log.error(`videoroom: room '${name}' skipped: ${errMessage(err)}`);
      }
    }
  }

  /** Every recorder is closed, and so on disk, before this returns. */
  destroy(): void {
    for (const r of [...this.recorders]) this.closeRecorder(r);
    for (const room of this.rooms.values()) this.closeRoom(room);
    this.rooms.clear();
    this.cascade?.closeAll();
  }

  /** Closes a recorder (synchronously: its last frame is on disk when this returns). */
  private closeRecorder(r: MjrRecorder): void {
    if (!this.recorders.delete(r)) return;
    try {
      r.close();
    } catch (err) {
      this.log.warn(`videoroom: closing ${r.path}: ${errMessage(err)}`);
    }
  }

  createSession(handle: PluginHandle): void {
    this.handles.set(handle.id, { handle, role: { kind: 'none' }, destroyed: false });
  }

  destroySession(handle: PluginHandle): void {
    const h = this.handles.get(handle.id);
    if (!h) return;
    h.destroyed = true;
    this.leave(h, 'detached');
    this.handles.delete(handle.id);
  }

  querySession(handle: PluginHandle): JsonObject {
    const h = this.handles.get(handle.id);
    if (!h) return {};
    const r = h.role;
    if (r.kind === 'publisher') {
      return { type: 'publisher', room: r.room.id, id: r.publisher.id, private_id: r.publisher.privateId, display: r.publisher.display ?? null, active: r.publisher.active, streams: r.publisher.streams.map((s) => ({ ...s.describe(), subscribers: s.sinks.size })), destroyed: h.destroyed };
    }
    if (r.kind === 'subscriber') return { type: 'subscriber', room: r.room.id, state: r.subscriber.state, streams: r.subscriber.streams.map((s) => s.describe()), destroyed: h.destroyed };
    return { type: 'none', destroyed: h.destroyed };
  }

  async handleAdminMessage(request: JsonObject): Promise<JsonObject> {
    const r = request.request;
    if (typeof r !== 'string' || !SYNC_REQUESTS.has(r)) return { videoroom: 'event', error_code: E.INVALID_REQUEST, error: `Unknown request '${String(r)}'` };
    try {
      return await this.synchronous(r, request);
    } catch (err) {
      return this.errorData(err);
    }
  }

  async handleMessage(handle: PluginHandle, message: PluginMessage): Promise<PluginResult> {
    const h = this.handles.get(handle.id);
    if (!h) return { kind: 'error', reason: 'No session associated with this handle' };
    const body = message.body;
    if (!isJsonObject(body)) return { kind: 'ok', data: { videoroom: 'event', error_code: E.INVALID_JSON, error: 'JSON error: not an object' } };
    const request = body.request;
    if (typeof request !== 'string') {
      return { kind: 'ok', data: { videoroom: 'event', error_code: request === undefined ? E.MISSING_ELEMENT : E.INVALID_ELEMENT, error: request === undefined ? 'Missing mandatory element (request)' : 'Invalid element type (request should be a string)' } };
    }
    if (SYNC_REQUESTS.has(request)) {
      try {
        return { kind: 'ok', data: await this.synchronous(request, body) };
      } catch (err) {
        return { kind: 'ok', data: this.errorData(err) };
      }
    }
    if (!ASYNC_REQUESTS.has(request)) return { kind: 'ok', data: { videoroom: 'event', error_code: E.INVALID_REQUEST, error: `Unknown request '${request}'` } };
    // Asynchronous requests are answered in order, each after the previous one finished (negotiations overlap badly).
    h.queue = (h.queue ?? Promise.resolve()).then(async () => {
      if (h.destroyed) return;
      try {
        const out = await this.asynchronous(h, request, body, message.jsep);
        if (!h.destroyed) handle.pushEvent(message.transaction, out.data, out.jsep);
      } catch (err) {
        const data = this.errorData(err);
        if (!h.destroyed) handle.pushEvent(message.transaction, data);
      }
    });
    return { kind: 'ack' };
  }

  /** A VideoRoomError as the client sees it; anything else is an internal fault, logged and never shown. */
  private errorData(err: unknown): JsonObject {
    if (err instanceof VideoRoomError) return { videoroom: 'event', error_code: err.code, error: err.message };
    this.log.error(`videoroom: internal error: ${errMessage(err)}`);
    return { videoroom: 'event', error_code: E.UNKNOWN, error: 'Internal error' };
  }

  /** A failure of the server's own side (an offer it could not make): logged in full, shown as `what` alone. */
  private serverFault(what: string, err: unknown): VideoRoomError {
    this.log.error(`videoroom: ${what}: ${errMessage(err)}`);
    return new VideoRoomError(E.UNKNOWN, what);
  }

  // -------------------------------------------------------------------------------------------- room access

  /** A room or user id in `body[key]`: a positive integer, or a string with `string_ids`. */
  private idOf(body: JsonObject, key: string, required: boolean): RoomId | undefined {
    const v = body[key];
    if (v === undefined || v === null) {
      if (required) throw new VideoRoomError(E.MISSING_ELEMENT, `Missing mandatory element (${key})`);
      return undefined;
    }
    if (this.stringIds) {
      if (typeof v !== 'string') throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element type (${key} should be a string)`);
      checkStored(body, [key]);
      return v;
    }
    // Janus's ids are 53-bit: a larger number would not come back as it was sent (0 is "none").
    if (v !== 0 && !isSafeId(v)) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element type (${key} should be a positive integer of at most 53 bits)`);
    return v;
  }

  private roomIdOf(body: JsonObject, required = true): RoomId | undefined {
    return this.idOf(body, 'room', required);
  }

  private userIdOf(body: JsonObject, key: string, required: boolean): UserId | undefined {
    return this.idOf(body, key, required);
  }

  /** The room named by `room`; with `modify`, its secret must be given (when it has one). */
  lookupRoom(body: JsonObject, modify: boolean): Room {
    const id = this.roomIdOf(body)!;
    const room = this.rooms.get(id);
    if (!room || room.destroyed) throw new VideoRoomError(E.NO_SUCH_ROOM, `No such room (${id})`);
    if (modify && room.settings.secret !== undefined) checkSecret(body, 'secret', room.settings.secret);
    return room;
  }

  private checkJoinAccess(room: Room, body: JsonObject): void {
    const s = room.settings;
    if (s.pin !== undefined) checkSecret(body, 'pin', s.pin);
    if (s.allowed) {
      if (typeof body.token !== 'string' || !s.allowed.has(body.token)) throw new VideoRoomError(E.UNAUTHORIZED, 'Unauthorized (not in the allowed list)');
    }
  }

  private checkAdminKey(body: JsonObject): void {
    if (this.adminKey !== undefined) checkSecret(body, 'admin_key', this.adminKey);
  }

  /**
   * The folder a room records in: the operator's rec_dir (configuration file) wherever it is; a client's
   * (create, edit, a saved room) only inside recordings_dir (430 otherwise); recordings_dir without one.
   */
  private recordingFolder(recDir: string | undefined, byOperator: boolean): string {
    if (recDir === undefined) return this.recordingsDir;
    if (byOperator) return resolve(recDir);
    try {
      return resolveInside(this.recordingsDir, recDir);
    } catch (err) {
      if (err instanceof UnsafePathError) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (rec_dir ${err.message})`);
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------- synchronous

  private async synchronous(request: string, body: JsonObject): Promise<JsonObject> {
    switch (request) {
      case 'create':
        return this.create(body);
      case 'edit':
        return this.edit(body);
      case 'destroy': {
        check(body, [{ name: 'permanent', type: 'boolean' }]);
        const room = this.lookupRoom(body, true);
        const permanent = body.permanent === true;
        this.removeRoom(room, permanent);
        return { videoroom: 'destroyed', room: room.id, permanent };
      }
      case 'exists': {
        const id = this.roomIdOf(body)!;
        const room = this.rooms.get(id);
        return { videoroom: 'success', room: id, exists: room !== undefined && !room.destroyed };
      }
      case 'list': {
        // A key given must be right (433); without one, private rooms stay hidden.
        const admin = this.adminKey !== undefined && typeof body.admin_key === 'string' && body.admin_key !== '';
        if (admin) this.checkAdminKey(body);
        const list = [...this.rooms.values()].filter((r) => !r.destroyed && (!r.settings.isPrivate || admin)).map((r) => describeRoom(r.id, r.settings, r.participants.size));
        return { videoroom: 'success', list };
      }
      case 'allowed':
        return this.allowed(body);
      case 'kick':
        return this.kick(body);
      case 'moderate':
        return this.moderate(body);
      case 'listparticipants': {
        const room = this.lookupRoom(body, false);
        const participants = [...room.participants.values()].map((p) => {
          const out = p.identity();
          if (p.remote) out.remote = true;
          out.publisher = p.active;
          if (room.settings.audiolevelEvent && p.active) out.talking = p.isTalking();
          return out;
        });
        return { videoroom: 'participants', room: room.id, participants };
      }
      case 'enable_recording': {
        check(body, [{ name: 'record', type: 'boolean', required: true }]);
        const room = this.lookupRoom(body, true);
        room.settings.record = body.record === true;
        for (const p of room.participants.values()) this.setRecording(room, p, room.settings.record);
        return { videoroom: 'success', record: room.settings.record };
      }
      case 'listforwarders': {
        const room = this.lookupRoom(body, true);
        return { videoroom: 'forwarders', room: room.id, publishers: this.cascade.listForwarders(room) };
      }
      case 'rtp_forward': {
        if (this.lockRtpForward) this.checkAdminKey(body);
        const room = this.lookupRoom(body, true);
        const pubId = this.userIdOf(body, 'publisher_id', true)!;
        const p = room.participants.get(pubId);
        if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${pubId})`);
        return { videoroom: 'rtp_forward', room: room.id, publisher_id: p.id, ...(await this.cascade.rtpForward(room, p, body)) };
      }
      case 'stop_rtp_forward': {
        check(body, [{ name: 'stream_id', type: 'positive', required: true }]);
        checkRange(body, 'stream_id', RANGES.stream_id);
        if (this.lockRtpForward) this.checkAdminKey(body);
        const room = this.lookupRoom(body, true);
        const pubId = this.userIdOf(body, 'publisher_id', true)!;
        const p = room.participants.get(pubId);
        if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${pubId})`);
        this.cascade.stopForward(p, body.stream_id as number);
        return { videoroom: 'stop_rtp_forward', room: room.id, publisher_id: p.id, stream_id: body.stream_id as number };
      }
      case 'publish_remotely': {
        if (this.lockRtpForward) this.checkAdminKey(body);
        const room = this.lookupRoom(body, true);
        const pubId = this.userIdOf(body, 'publisher_id', true)!;
        const p = room.participants.get(pubId);
        if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${pubId})`);
        return { videoroom: 'success', room: room.id, id: p.id, ...(await this.cascade.publishRemotely(p, body)) };
      }
      case 'unpublish_remotely': {
        const room = this.lookupRoom(body, true);
        const pubId = this.userIdOf(body, 'publisher_id', true)!;
        const p = room.participants.get(pubId);
        if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${pubId})`);
        this.cascade.unpublishRemotely(p, body);
        return { videoroom: 'success', room: room.id, id: p.id };
      }
      case 'listremotes':
      case 'list_remotes': {
        const room = this.lookupRoom(body, true);
        const pubId = this.userIdOf(body, 'publisher_id', true)!;
        const p = room.participants.get(pubId);
        if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${pubId})`);
        return { videoroom: 'success', room: room.id, id: p.id, list: this.cascade.listRemotes(p) };
      }
      case 'add_remote_publisher': {
        const room = this.lookupRoom(body, true);
        const id = this.userIdOf(body, 'id', false);
        if (id !== undefined && room.participants.has(id)) throw new VideoRoomError(E.ID_EXISTS, `User ID ${id} already exists`);
        const newId = id ?? this.newUserId(room);
        return { videoroom: 'success', room: room.id, ...(await this.cascade.addRemotePublisher(room, newId, body)) };
      }
      case 'update_remote_publisher': {
        const room = this.lookupRoom(body, true);
        const id = this.userIdOf(body, 'id', true)!;
        const p = room.participants.get(id);
        if (!p || !p.remote) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remote publisher (${id})`);
        this.cascade.updateRemotePublisher(room, p, body);
        return { videoroom: 'success' };
      }
      case 'remove_remote_publisher': {
        const room = this.lookupRoom(body, true);
        const id = this.userIdOf(body, 'id', true)!;
        const p = room.participants.get(id);
        if (!p || !p.remote) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remote publisher (${id})`);
        this.withdraw(room, p, true);
        return { videoroom: 'success' };
      }
      default:
        throw new VideoRoomError(E.INVALID_REQUEST, `Unknown request '${request}'`);
    }
  }

  private create(body: JsonObject): JsonObject {
    this.checkAdminKey(body);
    let id = this.roomIdOf(body, false);
    if (id === 0 || id === '') id = undefined;
    if (id !== undefined && this.rooms.has(id)) throw new VideoRoomError(E.ROOM_EXISTS, `Room ${id} already exists`);
    const settings = parseRoomSettings(body, id ?? 0);
    const folder = this.recordingFolder(settings.recDir, false);
    const permanent = body.permanent === true;
    if (permanent && !this.state) throw new VideoRoomError(E.UNKNOWN, "No configuration file, can't create permanent room");
    if (id === undefined) {
      const n = uniqueId((x) => this.rooms.has(x) || this.rooms.has(String(x)));
      id = this.stringIds ? String(n) : n;
      if (typeof body.description !== 'string') settings.description = `Room ${id}`;
    }
    const room = new Room(id, settings, folder);
    this.rooms.set(id, room);
    this.startRoom(room);
    if (permanent) {
      this.permanent.add(id);
      this.saveState();
    }
    this.log.info(`videoroom: room ${id} created${permanent ? ' (permanent)' : ''}`);
    return { videoroom: 'created', room: id, permanent };
  }

  private edit(body: JsonObject): JsonObject {
    check(body, [
      { name: 'new_description', type: 'string' },
      { name: 'new_is_private', type: 'boolean' },
      { name: 'new_secret', type: 'string' },
      { name: 'new_pin', type: 'string' },
      { name: 'new_require_pvtid', type: 'boolean' },
      { name: 'new_bitrate', type: 'positive' },
      { name: 'new_fir_freq', type: 'positive' },
      { name: 'new_publishers', type: 'positive' },
      { name: 'new_lock_record', type: 'boolean' },
      { name: 'new_rec_dir', type: 'string' },
      { name: 'permanent', type: 'boolean' },
    ]);
    checkRanges(body, [['new_bitrate', RANGES.bitrate], ['new_fir_freq', RANGES.fir_freq], ['new_publishers', RANGES.publishers]]);
    checkStored(body, ['new_description', 'new_secret', 'new_pin', 'new_rec_dir']);
    const room = this.lookupRoom(body, true);
    const s = room.settings;
    const permanent = body.permanent === true;
    if (permanent && !this.state) throw new VideoRoomError(E.UNKNOWN, "No configuration file, can't edit room permanently");
    // Checked before anything changes: a new rec_dir is a client's, so it must stay inside recordings_dir.
    const newRecDir = typeof body.new_rec_dir === 'string' ? (body.new_rec_dir === '' ? undefined : body.new_rec_dir) : s.recDir;
    const newFolder = typeof body.new_rec_dir === 'string' ? this.recordingFolder(newRecDir, false) : room.recFolder;
    if (typeof body.new_description === 'string' && body.new_description !== '') s.description = body.new_description;
    if (typeof body.new_is_private === 'boolean') s.isPrivate = body.new_is_private;
    if (typeof body.new_secret === 'string') s.secret = body.new_secret === '' ? undefined : body.new_secret;
    if (typeof body.new_pin === 'string') s.pin = body.new_pin === '' ? undefined : body.new_pin;
    if (typeof body.new_require_pvtid === 'boolean') s.requirePvtid = body.new_require_pvtid;
    if (typeof body.new_bitrate === 'number') {
      s.bitrate = body.new_bitrate > 0 && body.new_bitrate < 64000 ? 64000 : body.new_bitrate;
      for (const p of room.participants.values()) if (p.active) p.handle?.sendRemb(this.publisherBitrate(room, p));
    }
    if (typeof body.new_fir_freq === 'number') {
      s.firFreq = body.new_fir_freq;
      this.startRoom(room);
    }
    if (typeof body.new_publishers === 'number') s.publishers = Math.max(1, body.new_publishers);
    if (typeof body.new_lock_record === 'boolean') s.lockRecord = body.new_lock_record;
    s.recDir = newRecDir;
    room.recFolder = newFolder;
    if (permanent) {
      this.permanent.add(room.id);
      this.saveState();
    }
    return { videoroom: 'edited', room: room.id, permanent };
  }

  private allowed(body: JsonObject): JsonObject {
    check(body, [{ name: 'action', type: 'string', required: true }, { name: 'allowed', type: 'array' }]);
    const action = body.action as string;
    if (!['enable', 'disable', 'add', 'remove'].includes(action)) throw new VideoRoomError(E.INVALID_ELEMENT, `Unsupported action '${action}' (allowed)`);
    const list = body.allowed;
    if ((action === 'add' || action === 'remove') && !Array.isArray(list)) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (allowed)');
    if (Array.isArray(list) && !list.every((t) => typeof t === 'string')) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
    checkStored(body, ['allowed']);
    const room = this.lookupRoom(body, true);
    const s = room.settings;
    const tokens = (list ?? []) as string[];
    if (action === 'add' && new Set([...(s.allowed ?? []), ...tokens]).size > MAX_ALLOWED_TOKENS) {
      throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (allowed can hold at most ${MAX_ALLOWED_TOKENS} tokens)`);
    }
    if (action === 'enable') s.allowed ??= new Set();
    else if (action === 'disable') s.allowed = undefined;
    else if (action === 'add') {
      s.allowed ??= new Set();
      for (const t of tokens) s.allowed.add(t);
    } else for (const t of tokens) s.allowed?.delete(t);
    const out: JsonObject = { videoroom: 'success', room: room.id };
    if (s.allowed) out.allowed = [...s.allowed];
    return out;
  }

  private kick(body: JsonObject): JsonObject {
    const room = this.lookupRoom(body, true);
    const id = this.userIdOf(body, 'id', true)!;
    const p = room.participants.get(id);
    if (!p || p.remote) throw new VideoRoomError(E.NO_SUCH_FEED, `No such user ${id} in room ${room.id}`);
    const h = p.handle ? this.handles.get(p.handle.id) : undefined;
    p.handle?.pushEvent(undefined, { videoroom: 'event', room: room.id, leaving: 'ok', reason: 'kicked' });
    room.notify({ videoroom: 'event', room: room.id, kicked: id }, p);
    if (h) {
      this.leave(h, 'kicked');
      p.handle?.closePc();
    }
    return { videoroom: 'success' };
  }

  private moderate(body: JsonObject): JsonObject {
    check(body, [{ name: 'mid', type: 'string', required: true }, { name: 'mute', type: 'boolean', required: true }]);
    const room = this.lookupRoom(body, true);
    const id = this.userIdOf(body, 'id', true)!;
    const p = room.participants.get(id);
    if (!p) throw new VideoRoomError(E.NO_SUCH_FEED, `No such user ${id} in room ${room.id}`);
    const stream = p.stream(body.mid as string);
    if (!stream) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${String(body.mid)}' in feed (${id})`);
    const mute = body.mute === true;
    if (stream.muted !== mute) {
      stream.muted = mute;
      room.notify({ videoroom: 'event', room: room.id, id, mid: stream.mid, moderation: mute ? 'muted' : 'unmuted' });
      if (!mute) this.resumed(p, stream);
    }
    return { videoroom: 'success' };
  }

  // ------------------------------------------------------------------------------------------- asynchronous

  private async asynchronous(h: HandleState, request: string, body: JsonObject, jsep: Jsep | undefined): Promise<{ data: JsonObject; jsep?: Jsep }> {
    const role = h.role;
    if (request === 'join' || request === 'joinandconfigure') {
      if (role.kind === 'gone') throw new VideoRoomError(E.ALREADY_JOINED, 'Not in a room (create a new handle)');
      if (role.kind === 'publisher') throw new VideoRoomError(E.ALREADY_JOINED, 'Already in as a publisher on this handle');
      if (role.kind === 'subscriber') throw new VideoRoomError(E.ALREADY_JOINED, 'Already in as a subscriber on this handle');
      check(body, [{ name: 'ptype', type: 'string', required: true }]);
      const ptype = body.ptype as string;
      if (ptype === 'publisher') return this.joinPublisher(h, body, request === 'joinandconfigure' ? jsep : undefined);
      if (ptype === 'subscriber' || ptype === 'listener') {
        if (jsep) throw new VideoRoomError(E.INVALID_REQUEST, "Can't send an offer to create subscribers");
        return this.joinSubscriber(h, body);
      }
      throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (ptype)`);
    }
    if (role.kind === 'none' || role.kind === 'gone') throw new VideoRoomError(E.JOIN_FIRST, 'Invalid request on unconfigured participant');
    if (role.kind === 'publisher') return this.publisherRequest(h, role.room, role.publisher, request, body, jsep);
    return this.subscriberRequest(h, role.room, role.subscriber, request, body, jsep);
  }

  private newUserId(room: Room): UserId {
    const n = uniqueId((x) => room.participants.has(x) || room.participants.has(String(x)));
    return this.stringIds ? String(n) : n;
  }

  private async joinPublisher(h: HandleState, body: JsonObject, jsep: Jsep | undefined): Promise<{ data: JsonObject; jsep?: Jsep }> {
    check(body, [
      { name: 'display', type: 'string' },
      { name: 'metadata', type: 'object' },
      { name: 'token', type: 'string' },
      { name: 'audio_active_packets', type: 'positive' },
      { name: 'audio_level_average', type: 'positive' },
    ]);
    checkRanges(body, [['audio_active_packets', RANGES.audio_active_packets], ['audio_level_average', RANGES.audio_level_average]]);
    checkStored(body, ['display', 'metadata']);
    const room = this.lookupRoom(body, false);
    this.checkJoinAccess(room, body);
    const requested = this.userIdOf(body, 'id', false);
    if (requested !== undefined && room.participants.has(requested)) throw new VideoRoomError(E.ID_EXISTS, `User ID ${requested} already exists`);
    // joinandconfigure may start a recording: the same lock and file name checks as configure, before joining.
    const recording = jsep ? this.recordingChange(room, body) : {};
    const id = requested ?? this.newUserId(room);
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
    h.handle.log.verbose(`videoroom: publisher ${id} joined room ${room.id}`);
    const data: JsonObject = {
      videoroom: 'joined',
      room: room.id,
      description: room.settings.description,
      id,
      private_id: privateId,
      publishers: room.activePublishers().filter((x) => x !== p).map((x) => x.describe()),
    };
    if (room.settings.notifyJoining) {
      data.attendees = [...room.participants.values()].filter((x) => x !== p && !x.active).map((x) => x.identity());
      room.notify({ videoroom: 'event', room: room.id, joining: p.identity() }, p);
    }
    if (!jsep) return { data };
    const answer = await this.publish(h, room, p, body, jsep, true);
    return { data, jsep: answer };
  }

  private async publisherRequest(h: HandleState, room: Room, p: Publisher, request: string, body: JsonObject, jsep: Jsep | undefined): Promise<{ data: JsonObject; jsep?: Jsep }> {
    switch (request) {
      case 'configure':
      case 'publish': {
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
        this.applyPublisherSettings(room, p, body);
        if (jsep) {
          const answer = await this.publish(h, room, p, body, jsep, request === 'configure');
          const described = p.describe();
          const data: JsonObject = { videoroom: 'event', room: room.id, configured: 'ok' };
          for (const k of ['audio_codec', 'video_codec', 'streams']) if (described[k] !== undefined) data[k] = described[k];
          return { data, jsep: answer };
        }
        if (request === 'publish') throw new VideoRoomError(E.INVALID_SDP_TYPE, 'Missing SDP offer');
        return { data: { videoroom: 'event', room: room.id, configured: 'ok' } };
      }
      case 'unpublish':
        if (!p.active && !p.publishing) throw new VideoRoomError(E.NOT_PUBLISHED, "Can't unpublish, not published");
        this.unpublish(room, p);
        h.handle.closePc();
        return { data: { videoroom: 'event', room: room.id, unpublished: 'ok' } };
      case 'leave':
        this.leave(h, 'left');
        h.handle.closePc();
        return { data: { videoroom: 'event', room: room.id, leaving: 'ok' } };
      default:
        throw new VideoRoomError(E.INVALID_REQUEST, `Unknown request '${request}'`);
    }
  }

  /** What `configure`/`publish` may change without a new offer. */
  private applyPublisherSettings(room: Room, p: Publisher, body: JsonObject): void {
    // Refusals first: a refused request changes nothing.
    const recording = this.recordingChange(room, body);
    if (Array.isArray(body.descriptions)) this.checkDescriptions(p, body.descriptions);
    if (typeof body.bitrate === 'number') {
      p.bitrate = body.bitrate;
      if (p.active) p.handle?.sendRemb(this.publisherBitrate(room, p));
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
      const ev: JsonObject = { videoroom: 'event', room: room.id, id: p.id };
      if (p.display !== undefined) ev.display = p.display;
      if (p.metadata !== undefined) ev.metadata = p.metadata;
      room.notify(ev, p);
    }
    if (Array.isArray(body.descriptions)) this.applyDescriptions(p, body.descriptions);
    if (recording.filename !== undefined) p.recordingBase = recording.filename;
    if (recording.record !== undefined) this.setRecording(room, p, recording.record);
    if (Array.isArray(body.streams)) {
      const entries = body.streams.filter(isJsonObject);
      if (entries.length > 1 && entries.some((e) => typeof e.mid !== 'string')) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (mid is required when configuring more than one stream)');
      for (const e of entries) {
        const targets = typeof e.mid === 'string' ? [p.stream(e.mid)] : p.streams;
        if (typeof e.mid === 'string' && !targets[0]) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${e.mid}' in feed (${p.id})`);
        for (const s of targets) {
          if (!s) continue;
          if (e.keyframe === true && s.type === 'video') this.askKeyframe(p, s, true);
          if (typeof e.send === 'boolean' && s.paused === e.send) {
            // The publisher stops (or resumes) relaying one of its streams; subscribers resume at a keyframe.
            s.paused = !e.send;
            if (!s.paused) this.resumed(p, s);
          }
        }
      }
    }
    if (body.keyframe === true) for (const s of p.streams) if (s.type === 'video') this.askKeyframe(p, s, true);
  }

  /** `descriptions` entries need a mid and a description; those kept for streams to come are bounded in number. */
  private checkDescriptions(p: Publisher, descriptions: unknown[]): void {
    const pending = new Set(p.pendingDescriptions.keys());
    for (const d of descriptions) {
      if (!isJsonObject(d) || typeof d.mid !== 'string' || typeof d.description !== 'string') throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (mid or description)');
      if (!p.stream(d.mid)) pending.add(d.mid);
    }
    if (pending.size > MAX_PENDING_DESCRIPTIONS) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (descriptions can name at most ${MAX_PENDING_DESCRIPTIONS} streams not yet published)`);
  }

  /**
   * The `record` and `filename` of a configure, publish or joinandconfigure. With the room's `lock_record` (and a
   * room secret), either needs the secret; the file name (a client's) must stay inside the room's folder.
   */
  private recordingChange(room: Room, body: JsonObject): { record?: boolean; filename?: string } {
    check(body, [{ name: 'record', type: 'boolean' }, { name: 'filename', type: 'string' }, { name: 'secret', type: 'string' }]);
    const record = typeof body.record === 'boolean' ? body.record : undefined;
    const filename = typeof body.filename === 'string' ? body.filename : undefined;
    if (record === undefined && filename === undefined) return {};
    const s = room.settings;
    if (s.lockRecord && s.secret !== undefined) checkSecret(body, 'secret', s.secret);
    if (filename !== undefined) {
      checkStored(body, ['filename']);
      try {
        resolveInside(room.recFolder, `${filename}.mjr`);
      } catch (err) {
        if (err instanceof UnsafePathError) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (filename ${err.message})`);
        throw err;
      }
    }
    return { record, filename };
  }

  private applyDescriptions(p: Publisher, descriptions: unknown[]): void {
    for (const d of descriptions) {
      if (!isJsonObject(d) || typeof d.mid !== 'string' || typeof d.description !== 'string') throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (mid or description)');
      const s = p.stream(d.mid);
      if (s) s.description = d.description;
      else p.pendingDescriptions.set(d.mid, d.description);
    }
  }

  private async publish(h: HandleState, room: Room, p: Publisher, body: JsonObject, jsep: Jsep, mayRenegotiate: boolean): Promise<Jsep> {
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
      answer = await h.handle.answerOffer(jsep, { audio: true, video: true, data: true, direction: 'recvonly', audioCodecs, videoCodecs });
    } catch (err) {
      if (!renegotiating) p.publishing = false;
      throw new VideoRoomError(E.INVALID_SDP, `Error processing SDP: ${errMessage(err)}`);
    }
    if (h.destroyed || h.role.kind !== 'publisher') return answer;
    if (!renegotiating) {
      const streams = h.handle.negotiatedMedia().map((m, i) => {
        const s = new PublisherStream(m.index ?? i, m.mid, m.kind, m.codec, (m.rids?.length ?? 0) > 1, m.extensions);
        s.description = p.pendingDescriptions.get(m.mid);
        return s;
      });
      p.pendingDescriptions.clear();
      p.setStreams(streams);
      p.e2ee = jsep.e2ee === true;
      if (typeof body.record === 'boolean' || room.settings.record) p.recording = body.record === true || room.settings.record;
    }
    return jsep.e2ee ? { ...answer, e2ee: true } : answer;
  }

  /** Announces a publication that is up to the room (publishers' handles get the `publishers` event). */
  announce(room: Room, p: Publisher): void {
    p.active = true;
    p.publishing = false;
    if (room.settings.audiolevelEvent) {
      for (const s of p.streams) {
        if (s.type !== 'audio' || !s.hasAudioLevel) continue;
        const detector = new TalkingDetector(p.audioActivePackets ?? room.settings.audioActivePackets, p.audioLevelAverage ?? room.settings.audioLevelAverage);
        s.talking = {
          detector,
          // Everyone hears it, the speaker included.
          report: (change, average) => room.notify({ videoroom: change, room: room.id, id: p.id, mindex: s.mindex, mid: s.mid, 'audio-level-dBov-avg': average }),
        };
      }
    }
    room.notify({ videoroom: 'event', room: room.id, publishers: [p.describe()] }, p);
    if (p.recording || room.settings.record) this.setRecording(room, p, true);
    for (const s of p.streams) if (s.type === 'video') this.askKeyframe(p, s, true);
  }

  private unpublish(room: Room, p: Publisher): void {
    const wasActive = p.active;
    p.active = false;
    p.publishing = false;
    this.setRecording(room, p, p.recording, true);
    this.cascade.publisherGone(p);
    for (const s of p.streams) {
      for (const sink of [...s.sinks, ...s.dataSinks]) if (sink instanceof SubscriberStream) this.streamGone(sink);
      s.sinks.clear();
      s.dataSinks.clear();
    }
    p.setStreams([]);
    if (wasActive) {
      const ev: JsonObject = { videoroom: 'event', room: room.id, unpublished: p.id };
      if (p.display !== undefined) ev.display = p.display;
      if (p.metadata !== undefined) ev.metadata = p.metadata;
      room.notify(ev, p);
    }
  }

  /** A subscriber loses a stream whose publisher went away: its m-line goes inactive (renegotiated with autoupdate). */
  private streamGone(stream: SubscriberStream): void {
    const sub = stream.subscriber;
    this.removeStreams(sub, [stream]);
    if (sub.closed) return;
    if (sub.autoupdate && sub.state !== 'offered') this.scheduleRenegotiation(sub);
    else sub.handle.pushEvent(undefined, { videoroom: 'event', room: sub.room, mid: stream.mid, feed_id: stream.publisher.id, active: false });
  }

  /** A remote publisher is removed, or a participant leaves the room. */
  withdraw(room: Room, p: Publisher, announceLeaving: boolean): void {
    if (p.active || p.publishing) this.unpublish(room, p);
    this.cascade.removeRemote(p);
    room.participants.delete(p.id);
    if (announceLeaving) {
      const ev: JsonObject = { videoroom: 'event', room: room.id, leaving: p.id };
      if (p.display !== undefined) ev.display = p.display;
      if (p.metadata !== undefined) ev.metadata = p.metadata;
      room.notify(ev, p);
    }
  }

  /** The handle leaves whatever it was in (leave, kick, detach, room destroyed). */
  private leave(h: HandleState, why: 'left' | 'kicked' | 'detached' | 'destroyed'): void {
    const role = h.role;
    h.role = { kind: 'gone' };
    if (role.kind === 'publisher') {
      const announce = why !== 'destroyed' && why !== 'kicked';
      this.withdraw(role.room, role.publisher, announce);
    } else if (role.kind === 'subscriber') {
      role.subscriber.closed = true;
      role.subscriber.detachAll();
      role.room.subscribers.delete(role.subscriber);
    }
  }

  // --------------------------------------------------------------------------------------------- subscribers

  private async joinSubscriber(h: HandleState, body: JsonObject): Promise<{ data: JsonObject; jsep?: Jsep }> {
    check(body, [
      { name: 'streams', type: 'array' },
      { name: 'private_id', type: 'positive' },
      { name: 'use_msid', type: 'boolean' },
      { name: 'autoupdate', type: 'boolean' },
      { name: 'token', type: 'string' },
    ]);
    checkRange(body, 'private_id', RANGES.private_id);
    const room = this.lookupRoom(body, false);
    this.checkJoinAccess(room, body);
    const privateId = typeof body.private_id === 'number' ? body.private_id : undefined;
    if (room.settings.requirePvtid && (privateId === undefined || !room.findByPrivateId(privateId))) {
      throw new VideoRoomError(E.UNAUTHORIZED, 'Unauthorized (this room requires a valid private_id)');
    }
    let entries: JsonObject[];
    if (Array.isArray(body.streams)) entries = body.streams.map((e) => (isJsonObject(e) ? e : {}));
    else if (body.feed !== undefined) entries = [{ ...body, mid: undefined }];
    else throw new VideoRoomError(E.MISSING_ELEMENT, "At least one between 'streams' and 'feed' must be specified");
    const sub = new Subscriber(h.handle, room.id, privateId, (p, s, force) => this.askKeyframe(p, s, force === true));
    if (typeof body.autoupdate === 'boolean') sub.autoupdate = body.autoupdate;
    const chosen = this.resolveSubscription(room, entries);
    if (chosen.length === 0) throw new VideoRoomError(E.NO_SUCH_FEED, 'No stream to subscribe to');
    this.checkOneE2eeKind(chosen.map((c) => c.publisher));
    const added = this.addStreams(sub, chosen, true);
    let offer: Jsep;
    try {
      offer = await h.handle.createOffer(sub.offerTracks());
    } catch (err) {
      throw this.serverFault('Error creating the offer', err);
    }
    if (h.destroyed) return { data: {} };
    this.attachStreams(added);
    sub.awaitingAnswer = true;
    room.subscribers.add(sub);
    h.role = { kind: 'subscriber', room, subscriber: sub };
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
   * Gives each chosen publisher stream an m-line of the subscription: an inactive one of the same kind and codec
   * when there is one, else a new one at the end. Data streams share the one data m-line (only in a first offer).
   * The streams are returned, not yet fed: that waits until the offer exists.
   */
  private addStreams(sub: Subscriber, chosen: readonly { publisher: Publisher; stream: PublisherStream; entry: JsonObject }[], first: boolean): SubscriberStream[] {
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
      this.applyStreamOptions(ss, entry);
      sub.streams.push(ss);
      added.push(ss);
    }
    return added;
  }

  private attachStreams(streams: readonly SubscriberStream[]): void {
    for (const ss of streams) {
      if (ss.source.type === 'data') ss.source.dataSinks.add(ss);
      else ss.source.sinks.add(ss);
    }
  }

  /** Takes streams out of a subscription; their m-lines go inactive (the data m-line stays while any feeds it). */
  private removeStreams(sub: Subscriber, gone: readonly SubscriberStream[]): void {
    for (const ss of gone) {
      ss.source.sinks.delete(ss);
      ss.source.dataSinks.delete(ss);
      sub.streams = sub.streams.filter((x) => x !== ss);
      const slot = sub.mlines[ss.mindex];
      if (slot && !sub.streams.some((x) => x.mid === ss.mid)) slot.active = ss.source.type === 'data';
    }
  }

  /** A new offer for a subscription whose streams changed; the client answers with `start`. */
  private async reoffer(sub: Subscriber): Promise<Jsep | undefined> {
    if (sub.awaitingAnswer) {
      sub.renegotiateAfterAnswer = true;
      sub.handle.pushEvent(undefined, { videoroom: 'updating', room: sub.room });
      return undefined;
    }
    let offer: Jsep;
    try {
      offer = await sub.handle.createOffer(sub.offerTracks());
    } catch (err) {
      throw this.serverFault('Error creating the new offer', err);
    }
    sub.awaitingAnswer = true;
    return offer;
  }

  /** Publishers went away under an `autoupdate` subscription: one new offer for all of it, soon. */
  private scheduleRenegotiation(sub: Subscriber): void {
    if (sub.renegotiationScheduled || sub.closed) return;
    sub.renegotiationScheduled = true;
    setTimeout(() => {
      sub.renegotiationScheduled = false;
      if (sub.closed) return;
      this.reoffer(sub)
        .then((offer) => {
          if (offer && !sub.closed) sub.handle.pushEvent(undefined, { videoroom: 'updated', room: sub.room, streams: sub.describeStreams() }, offer);
        })
        .catch((err: unknown) => sub.handle.log.warn(`videoroom: renegotiation failed: ${errMessage(err)}`));
    }, 50).unref();
  }

  /** One subscription cannot mix end-to-end encrypted feeds with plain ones (the client decrypts all or none). */
  private checkOneE2eeKind(publishers: readonly Publisher[]): void {
    if (publishers.some((p) => p.e2ee) && publishers.some((p) => !p.e2ee)) {
      throw new VideoRoomError(E.INVALID_FEED, "Can't have both end-to-end encrypted and plain feeds in the same subscription");
    }
  }

  /** The publisher streams a list of `{feed, mid?}` entries names; unknown feeds and mids are errors. */
  private resolveSubscription(room: Room, entries: readonly JsonObject[]): { publisher: Publisher; stream: PublisherStream; entry: JsonObject }[] {
    const out: { publisher: Publisher; stream: PublisherStream; entry: JsonObject }[] = [];
    for (const entry of entries) {
      const feed = this.userIdOf(entry, 'feed', true)!;
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

  private applyStreamOptions(ss: SubscriberStream, e: JsonObject): void {
    for (const k of ['substream', 'temporal', 'spatial_layer', 'temporal_layer']) {
      const v = e[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2)) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${k} should be 0, 1 or 2)`);
    }
    if (e.fallback !== undefined && (typeof e.fallback !== 'number' || !(e.fallback >= 0))) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (fallback should be a positive number of microseconds)');
    if (typeof e.send === 'boolean') ss.send = e.send;
    if (typeof e.fallback === 'number') ss.setFallback(e.fallback / 1000);
    if (typeof e.substream === 'number') ss.setSubstream(e.substream);
    if (typeof e.temporal === 'number') ss.setTemporal(e.temporal);
    if (typeof e.spatial_layer === 'number' || typeof e.temporal_layer === 'number') {
      ss.setSvc(typeof e.spatial_layer === 'number' ? e.spatial_layer : undefined, typeof e.temporal_layer === 'number' ? e.temporal_layer : undefined);
      if (ss.svc?.waitingForKeyframe) this.askKeyframe(ss.publisher, ss.source, true);
    }
  }

  private async subscriberRequest(h: HandleState, room: Room, sub: Subscriber, request: string, body: JsonObject, _jsep: Jsep | undefined): Promise<{ data: JsonObject; jsep?: Jsep }> {
    switch (request) {
      case 'start': {
        if (_jsep) {
          sub.awaitingAnswer = false;
          if (sub.renegotiateAfterAnswer) {
            sub.renegotiateAfterAnswer = false;
            this.scheduleRenegotiation(sub);
          }
        }
        if (sub.state === 'paused') {
          for (const s of sub.streams) h.handle.restartRtp(s.mid);
          sub.askKeyframes();
        }
        sub.state = 'started';
        return { data: { videoroom: 'event', room: room.id, started: 'ok' } };
      }
      case 'pause':
        if (sub.state === 'started') sub.state = 'paused';
        return { data: { videoroom: 'event', room: room.id, paused: 'ok' } };
      case 'configure': {
        const entries: JsonObject[] = Array.isArray(body.streams) ? body.streams.map((e) => (isJsonObject(e) ? e : {})) : [body];
        for (const e of entries) {
          if (e.mid !== undefined && typeof e.mid !== 'string') throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element type (mid should be a string)');
          const targets = typeof e.mid === 'string' ? sub.streams.filter((s) => s.mid === e.mid) : sub.streams;
          if (typeof e.mid === 'string' && targets.length === 0) throw new VideoRoomError(E.NO_SUCH_FEED, `No such mid '${e.mid}' in subscription`);
          for (const s of targets) {
            // Legacy `audio`/`video`/`data` switches map to `send` per kind.
            const legacy = e[s.source.type];
            const was = s.send;
            this.applyStreamOptions(s, typeof legacy === 'boolean' && e.send === undefined ? { ...e, send: legacy } : e);
            if (!was && s.send) {
              h.handle.restartRtp(s.mid);
              if (s.source.type === 'video') this.askKeyframe(s.publisher, s.source, false);
            }
            if (typeof e.substream === 'number' && s.source.simulcast) this.askKeyframe(s.publisher, s.source, false);
          }
        }
        if (body.restart === true) {
          // An ICE restart: new credentials in a new offer of ours, answered with `start`.
          const offer = await h.handle.restartIce().catch((err: unknown) => {
            throw this.serverFault('Error restarting ICE', err);
          });
          sub.awaitingAnswer = true;
          return { data: { videoroom: 'event', room: room.id, configured: 'ok' }, jsep: offer };
        }
        return { data: { videoroom: 'event', room: room.id, configured: 'ok' } };
      }
      case 'switch': {
        check(body, [{ name: 'streams', type: 'array', required: true }]);
        let changes = 0;
        for (const raw of body.streams as unknown[]) {
          const e = isJsonObject(raw) ? raw : {};
          check(e, [{ name: 'mid', type: 'string', required: true }, { name: 'sub_mid', type: 'string', required: true }]);
          const feed = this.userIdOf(e, 'feed', true)!;
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
          ss.send = old.send;
          sub.streams[idx] = ss;
          if (source.type === 'data') source.dataSinks.add(ss);
          else source.sinks.add(ss);
          h.handle.restartRtp(ss.mid);
          if (source.type === 'video') this.askKeyframe(p, source, true);
          changes++;
        }
        return { data: { videoroom: 'event', room: room.id, switched: 'ok', changes, streams: sub.streams.map((s) => s.describe()) } };
      }
      case 'leave':
        this.leave(h, 'left');
        h.handle.closePc();
        return { data: { videoroom: 'event', room: room.id, left: 'ok' } };
      case 'subscribe':
      case 'unsubscribe':
      case 'update': {
        const toAdd = request === 'subscribe' ? body.streams : request === 'update' ? body.subscribe : undefined;
        const toDrop = request === 'unsubscribe' ? body.streams : request === 'update' ? body.unsubscribe : undefined;
        if (request !== 'update' && !Array.isArray(body.streams)) throw new VideoRoomError(body.streams === undefined ? E.MISSING_ELEMENT : E.INVALID_ELEMENT, body.streams === undefined ? 'Missing mandatory element (streams)' : 'Invalid element type (streams should be an array)');
        if (request === 'update' && !Array.isArray(toAdd) && !Array.isArray(toDrop)) throw new VideoRoomError(E.MISSING_ELEMENT, "At least one between 'subscribe' and 'unsubscribe' must be specified");
        const drop: SubscriberStream[] = [];
        for (const raw of Array.isArray(toDrop) ? toDrop : []) {
          const e = isJsonObject(raw) ? raw : {};
          const feed = e.feed === undefined ? undefined : this.userIdOf(e, 'feed', false);
          for (const ss of sub.streams) {
            if (feed !== undefined && ss.publisher.id !== feed) continue;
            if (typeof e.mid === 'string' && ss.source.mid !== e.mid) continue;
            if (typeof e.sub_mid === 'string' && ss.mid !== e.sub_mid) continue;
            if (feed === undefined && e.mid === undefined && e.sub_mid === undefined) continue;
            drop.push(ss);
          }
        }
        const chosen = Array.isArray(toAdd) ? this.resolveSubscription(room, toAdd.map((e) => (isJsonObject(e) ? e : {}))) : [];
        this.checkOneE2eeKind([...chosen.map((c) => c.publisher), ...sub.streams.filter((x) => !drop.includes(x)).map((x) => x.publisher)]);
        this.removeStreams(sub, drop);
        const added = this.addStreams(sub, chosen, false);
        if (drop.length === 0 && added.length === 0) return { data: { videoroom: 'updated', room: room.id } };
        const offer = await this.reoffer(sub);
        this.attachStreams(added);
        for (const ss of added) if (ss.source.type === 'video') this.askKeyframe(ss.publisher, ss.source, true);
        if (!offer) return { data: { videoroom: 'updating', room: room.id } };
        return { data: { videoroom: 'updated', room: room.id, streams: sub.describeStreams() }, jsep: offer };
      }
      default:
        throw new VideoRoomError(E.INVALID_REQUEST, `Unknown request '${request}'`);
    }
  }

  // ---------------------------------------------------------------------------------------------- media

  setupMedia(handle: PluginHandle): void {
    const h = this.handles.get(handle.id);
    if (!h) return;
    const role = h.role;
    if (role.kind === 'publisher' && role.publisher.publishing) {
      const bitrate = this.publisherBitrate(role.room, role.publisher);
      if (bitrate > 0) handle.sendRemb(bitrate);
      this.announce(role.room, role.publisher);
    } else if (role.kind === 'subscriber') {
      role.subscriber.askKeyframes();
    }
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const h = this.handles.get(handle.id);
    if (!h || h.role.kind !== 'publisher') return;
    const s = h.role.publisher.stream(track.mid);
    if (s) s.relay(packet, track.substream);
  }

  incomingData(handle: PluginHandle, label: string, data: Buffer | string): void {
    const h = this.handles.get(handle.id);
    if (!h || h.role.kind !== 'publisher') return;
    const s = h.role.publisher.streams.find((x) => x.type === 'data');
    if (s) s.relayData(data, label);
  }

  incomingRtcp(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void {
    // A subscriber's PLI/FIR on an m-line asks that stream's publisher for a keyframe.
    const h = this.handles.get(handle.id);
    if (!h || h.role.kind !== 'subscriber' || !track) return;
    const summary = summarizeRtcp(packet);
    if (!summary?.keyframeRequest) return;
    const ss = h.role.subscriber.streams.find((s) => s.mid === track.mid);
    if (ss) this.askKeyframe(ss.publisher, ss.source, false);
  }

  slowLink(handle: PluginHandle, uplink: boolean): void {
    const h = this.handles.get(handle.id);
    if (!h) return;
    if (h.role.kind === 'publisher' && uplink) handle.pushEvent(undefined, { videoroom: 'slow_link', 'current-bitrate': this.publisherBitrate(h.role.room, h.role.publisher) });
    else if (h.role.kind === 'subscriber' && !uplink) handle.pushEvent(undefined, { videoroom: 'slow_link' });
  }

  hangupMedia(handle: PluginHandle): void {
    const h = this.handles.get(handle.id);
    if (!h || h.destroyed) return;
    const role = h.role;
    if (role.kind === 'publisher' && (role.publisher.active || role.publisher.publishing)) this.unpublish(role.room, role.publisher);
    else if (role.kind === 'subscriber') {
      // The PeerConnection is gone: the subscription ends; the handle may join again.
      this.leave(h, 'left');
      handle.pushEvent(undefined, { videoroom: 'event', room: role.room.id, left: 'ok' });
    }
  }

  /** A stream relays again after a pause or a mute: subscribers see no sequence gap, and video restarts at a keyframe. */
  private resumed(p: Publisher, s: PublisherStream): void {
    for (const sink of s.sinks) if (sink instanceof SubscriberStream) sink.subscriber.handle.restartRtp(sink.mid);
    this.askKeyframe(p, s, true);
  }

  /** Asks a publisher stream for a keyframe, at most every KEYFRAME_EVERY_MS unless `force`. */
  askKeyframe(p: Publisher, s: PublisherStream, force: boolean): void {
    if (s.type !== 'video') return;
    const now = performance.now();
    if (!force && now - s.lastKeyframeAsk < KEYFRAME_EVERY_MS) return;
    // A remote publisher whose RTCP address is not known yet cannot be asked: that must not hold the next ask back.
    if (p.handle) p.handle.requestKeyframe(s.mid);
    else if (!this.cascade.requestRemoteKeyframe(p, s)) return;
    s.lastKeyframeAsk = now;
  }

  private publisherBitrate(room: Room, p: Publisher): number {
    const cap = room.settings.bitrate;
    if (p.bitrate > 0 && (!room.settings.bitrateCap || cap === 0 || p.bitrate <= cap)) return p.bitrate;
    return cap;
  }

  // ------------------------------------------------------------------------------------------ recording

  /** Starts or stops recording a publisher's streams, one .mjr per stream (`force` closes the files). */
  private setRecording(room: Room, p: Publisher, on: boolean, close = false): void {
    p.recording = on;
    for (const s of p.streams) {
      if ((!on || close) && s.recorder) {
        this.closeRecorder(s.recorder);
        s.recorder = undefined;
      }
      if (!on || close || s.recorder || !p.active || s.disabled) continue;
      const codec = s.type === 'data' ? 'text' : s.codec?.name;
      if (!codec) continue;
      const base = p.recordingBase ? `${p.recordingBase}-${s.type}-${s.mid}` : `videoroom-${room.id}-user-${p.id}-${Date.now()}-${s.type}-${s.mid}`;
      try {
        // Checked again here: the folder may have changed (edit) or a link been put in since the request.
        const file = prepareFileInside(room.recFolder, `${base}.mjr`);
        s.recorder = new MjrRecorder(file.slice(0, -'.mjr'.length), codec, s.codec?.fmtp, (m) => this.log.warn(`videoroom: ${m}`));
        this.recorders.add(s.recorder);
      } catch (err) {
        this.log.warn(`videoroom: cannot record ${s.type} of ${p.id}: ${errMessage(err)}`);
      }
    }
  }

  // --------------------------------------------------------------------------------------------- rooms

  /** Periodic keyframe requests when the room asks for them. */
  private startRoom(room: Room): void {
    if (room.firTimer) clearInterval(room.firTimer);
    room.firTimer = undefined;
    if (room.settings.firFreq > 0) {
      room.firTimer = setInterval(() => {
        for (const p of room.participants.values()) if (p.active) for (const s of p.streams) this.askKeyframe(p, s, true);
      }, room.settings.firFreq * 1000);
      room.firTimer.unref();
    }
  }

  private closeRoom(room: Room): void {
    room.destroyed = true;
    if (room.firTimer) clearInterval(room.firTimer);
    for (const p of [...room.participants.values()]) {
      this.setRecording(room, p, false, true);
      this.cascade?.publisherGone(p);
      this.cascade?.removeRemote(p);
    }
  }

  private removeRoom(room: Room, permanent: boolean): void {
    const ev = { videoroom: 'destroyed', room: room.id };
    for (const p of [...room.participants.values()]) {
      if (!p.handle) continue;
      p.handle.pushEvent(undefined, ev);
      const h = this.handles.get(p.handle.id);
      if (h) this.leave(h, 'destroyed');
      p.handle.closePc();
    }
    for (const sub of [...room.subscribers]) {
      sub.handle.pushEvent(undefined, ev);
      const h = this.handles.get(sub.handle.id);
      if (h) this.leave(h, 'destroyed');
      sub.handle.closePc();
    }
    this.closeRoom(room);
    this.rooms.delete(room.id);
    if (permanent && this.permanent.delete(room.id)) this.saveState();
  }

  private saveState(): void {
    const store = this.state;
    if (!store) return;
    const groups: JsonObject = {};
    for (const id of this.permanent) {
      const room = this.rooms.get(id);
      if (room) groups[`room-${id}`] = settingsToGroup(room.settings);
    }
    try {
      store.save(groups);
    } catch (err) {
      this.log.error(`videoroom: saving permanent rooms to ${store.location}: ${errMessage(err)}`);
      throw new VideoRoomError(E.UNKNOWN, 'Error saving the configuration');
    }
  }
}

// janus.plugin.recordplay: records a client's audio, video and data into .mjr files described by a .nfo, lists
// the recordings of its folder (its own and any a .nfo describes, Janus's sample included) and plays one back.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import type { JsonObject, Jsep, MediaTrackInfo, OfferTrack, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult } from '../../plugin-api/index.js';
import { PluginSessions } from '../../plugin-api/index.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type BodyOf, type PluginReply, type RequestCall, type RequestTable } from '../../plugin-api/request-table.js';
import { findCodec } from '../../forwarding/codec-registry.js';
import { errorText } from '../../logging/error-text.js';
import type { Logger } from '../../logging/logger.js';
import { MjrRecorder } from '../mjr/mjr-recorder.js';
import { readMjr } from '../mjr/mjr-reader.js';
import { HandlerEvents } from '../handler-events.js';
import { generalSettings } from '../plugin-settings.js';
import { prepareFileInside, resolveInside, UnsafePathError } from '../safe-path.js';
import { recordingDate } from './nfo-file.js';
import { playoutPrepared, recordingStarted, sessionStatus } from './handler-events.js';
import { Playout } from './playout.js';
import { recordingSchedule, type RecordedFile } from './playout-schedule.js';
import { RecordingLibrary, type MediaFile, type Recording } from './recording-library.js';
import { E, RecordPlayError } from './recordplay-error.js';
import { RecordPlaySession, type RecorderFiles } from './recordplay-session.js';

type Session = RecordPlaySession | undefined;

/** Payload types of the offer a player gets, as Janus's (G.711 and G.722 keep their static ones). */
const AUDIO_PT = 111;
const VIDEO_PT = 100;
/** Ids Janus would pick from 64 bits; ours stay exact in a JSON number. */
const MAX_RANDOM_ID = 2 ** 48;

const RECORD_FIELDS = {
  name: { type: 'string', required: true },
  id: 'positive',
  filename: 'string',
  audiocodec: 'string',
  videocodec: 'string',
  videoprofile: 'string',
  opusred: 'boolean',
  textdata: 'boolean',
  update: 'boolean',
} as const;
const PLAY_FIELDS = { id: { type: 'positive', required: true }, restart: 'boolean' } as const;

export class RecordPlayPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.recordplay',
    name: 'JANUS Record&Play plugin',
    author: 'Portunus',
    description: 'This is a trivial Record&Play plugin for Janus, to record WebRTC sessions and replay them.',
    version: 4,
    versionString: '0.0.4',
    apiVersion: PLUGIN_API_VERSION,
  };
  private library: RecordingLibrary | undefined;
  private log: Logger | undefined;
  private events = HandlerEvents.NONE;
  private readonly requests = new PluginRequests<Session>({
    plugin: 'recordplay',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.MISSING_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_REQUEST, internal: E.UNKNOWN_ERROR },
    anyCase: true,
    table: this.table(),
  });
  private readonly sessions = new PluginSessions<RecordPlaySession>(this.requests);

  async init(context: PluginContext): Promise<void> {
    this.log = context.log;
    this.events = HandlerEvents.of(context, 'recordplay');
    const path = generalSettings(context.config).path;
    // The operator's folder may be anywhere; without one, the server's recordings folder.
    const folder = typeof path === 'string' && path.trim() !== '' ? (isAbsolute(path) ? path : resolve(path)) : context.recordingsDir;
    mkdirSync(folder, { recursive: true });
    this.library = new RecordingLibrary(folder, context.log);
    await this.library.update();
    context.log.info(`recordplay: recordings in ${folder}`);
  }

  destroy(): void {
    this.sessions.endAll((s) => void this.finish(s));
  }

  createSession(handle: PluginHandle): void {
    this.sessions.add(handle, new RecordPlaySession(handle));
  }

  destroySession(handle: PluginHandle): void {
    this.sessions.end(handle, (s) => void this.finish(s));
  }

  querySession(handle: PluginHandle): JsonObject {
    const s = this.sessions.get(handle.id);
    if (!s) return {};
    const out: JsonObject = { type: s.kind };
    if (s.recording) {
      out.recording_id = s.recording.id;
      out.recording_name = s.recording.name;
    }
    if (s.player) out.packets_sent = s.player.sent;
    out.hangingup = 0;
    out.destroyed = s.destroyed ? 1 : 0;
    return out;
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    return this.sessions.handle(handle, message);
  }

  async handleAdminMessage(request: JsonObject): Promise<JsonObject> {
    if (!this.log) return { recordplay: 'event', error_code: E.UNKNOWN_ERROR, error: 'Plugin not initialized' };
    return this.requests.answerAdmin(undefined, request, this.log);
  }

  setupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s) return;
    this.requests.inQueue(handle, () => {
      if (s.destroyed) return;
      if (s.files) {
        handle.sendRemb(s.videoBitrate);
        handle.requestKeyframe('*');
        s.keyframeTimer = setInterval(() => handle.requestKeyframe('*'), s.keyframeIntervalMs);
        s.keyframeTimer.unref();
      } else if (s.frames && !s.player && s.recording) {
        const mids: Partial<Record<'audio' | 'video' | 'data', string>> = {};
        for (const m of handle.negotiatedMedia()) if (mids[m.kind] === undefined) mids[m.kind] = m.mid;
        // Played to the end, the PeerConnection closes, as Janus's does: the client gets `done`.
        s.player = new Playout(handle, s.frames, mids, s.recording.textData, () => handle.closePc());
        s.player.start();
      }
    });
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    this.sessions.get(handle.id)?.record(track, packet);
  }

  incomingData(handle: PluginHandle, _label: string, data: Buffer | string): void {
    const s = this.sessions.get(handle.id);
    if (!s?.files?.data || s.paused) return;
    s.files.data.write(typeof data === 'string' ? Buffer.from(data) : data);
  }

  slowLink(handle: PluginHandle, uplink: boolean, video: boolean): void {
    const s = this.sessions.get(handle.id);
    if (!s || s.destroyed) return;
    const result: JsonObject = { status: 'slow_link', media: video ? 'video' : 'audio', uplink: uplink ? 0 : 1 };
    if (video) result['current-bitrate'] = s.videoBitrate;
    handle.pushEvent(undefined, { recordplay: 'event', result });
  }

  hangupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s || s.destroyed) return;
    void this.finish(s);
    handle.pushEvent(undefined, { recordplay: 'event', result: 'done' });
  }

  /** The end of a recording (its files closed, its .nfo written) or of a playout; the handle can start again. */
  private async finish(s: RecordPlaySession): Promise<void> {
    const rec = s.recording;
    const recorded = s.files !== undefined;
    s.closeFiles();
    s.stopPlayer();
    s.recording = undefined;
    if (!recorded || !rec || !this.library) return;
    const done = this.library.complete(rec);
    s.completing = done;
    await done;
  }

  private get lib(): RecordingLibrary {
    if (!this.library) throw new RecordPlayError(E.UNKNOWN_ERROR, 'Plugin not initialized');
    return this.library;
  }

  private table(): RequestTable<Session> {
    const on = requestsFor<Session>();
    const own = (call: RequestCall<Session>): RecordPlaySession => {
      if (!call.session) throw new RecordPlayError(E.UNKNOWN_ERROR, 'No session associated with this handle...');
      return call.session;
    };
    return {
      update: on.admin({}, async () => {
        await this.lib.update();
        return { recordplay: 'ok' };
      }),
      list: on.ok({}, () => ({ data: { recordplay: 'list', list: this.lib.list() } })),
      configure: on.ok({ 'video-bitrate-max': 'positive', 'video-keyframe-interval': 'positive' }, (call) => {
        const s = own(call);
        const bitrate = call.body['video-bitrate-max'];
        const interval = call.body['video-keyframe-interval'];
        if (typeof bitrate === 'number') {
          s.videoBitrate = bitrate;
          if (s.files) call.handle.sendRemb(bitrate);
        }
        if (typeof interval === 'number') s.keyframeIntervalMs = interval;
        return {
          data: { recordplay: 'configure', status: 'ok', settings: { 'video-keyframe-interval': s.keyframeIntervalMs, 'video-bitrate-max': s.videoBitrate } },
        };
      }),
      record: on.ack(RECORD_FIELDS, (call) => this.record(own(call), call)),
      play: on.ack(PLAY_FIELDS, (call) => this.play(own(call), call)),
      start: on.ack({}, (call) => {
        const s = own(call);
        if (!s.frames) throw new RecordPlayError(E.INVALID_STATE, "Not a playout session, can't start");
        if (!call.jsep) throw new RecordPlayError(E.MISSING_ELEMENT, 'Missing SDP answer');
        if (s.recording) sessionStatus(this.events, call.handle, 'playing', s.recording.id);
        return { data: { recordplay: 'event', result: { status: 'playing' } } };
      }),
      stop: on.ack({}, async (call) => {
        const s = own(call);
        const result: JsonObject = { status: 'stopped' };
        const id = s.recording?.id ?? s.lastRecordingId;
        if (id !== undefined) {
          result.id = id;
          sessionStatus(this.events, call.handle, 'stopped', id);
        }
        await this.finish(s);
        // Janus's demo page sends the hang-up right behind the stop and lists the recordings on `stopped`: when
        // the hang-up was handled first, its recording must be in the list before the answer goes.
        await s.completing;
        // After the reply: the client reads `stopped`, then `done` when the PeerConnection is gone.
        setImmediate(() => {
          if (!s.destroyed) call.handle.closePc();
        });
        return { data: { recordplay: 'event', result } };
      }),
      pause: on.ack({}, (call) => this.pauseOrResume(own(call), true)),
      resume: on.ack({}, (call) => this.pauseOrResume(own(call), false)),
    };
  }

  private pauseOrResume(s: RecordPlaySession, pause: boolean): PluginReply {
    // Janus answers a handle that records nothing with an event that has no result.
    if (!s.files || !s.recording) return { data: { recordplay: 'event' } };
    if (s.paused !== pause) {
      s.paused = pause;
      if (!pause) s.handle.requestKeyframe('*');
    }
    sessionStatus(this.events, s.handle, pause ? 'paused' : 'resumed', s.recording.id);
    return { data: { recordplay: 'event', result: { status: pause ? 'paused' : 'resumed', id: s.recording.id } } };
  }

  private async record(s: RecordPlaySession, call: RequestCall<Session, BodyOf<typeof RECORD_FIELDS>>): Promise<PluginReply> {
    const { handle, body, jsep } = call;
    if (!jsep || jsep.type !== 'offer') throw new RecordPlayError(E.MISSING_ELEMENT, 'Missing SDP offer');
    if (body.name.trim() === '') throw new RecordPlayError(E.INVALID_ELEMENT, 'Invalid element (name should be a non-empty string)');
    // An offer on a handle whose PeerConnection is there renegotiates it (Janus's core marks it an update): a
    // recorder's goes on recording, anything else cannot be updated. `update` itself only says what is meant.
    if (s.files && s.recording) return this.updateRecorder(s.files, s.recording, handle, jsep);
    if (s.kind !== 'none') throw new RecordPlayError(E.INVALID_STATE, "Not a recording session, can't update");
    if (body.update === true) handle.log.warn("recordplay: 'update' on a handle that records nothing: a new recording");
    const lib = this.lib;
    let id = typeof body.id === 'number' ? body.id : 0;
    if (id > 0 && lib.has(id)) throw new RecordPlayError(E.RECORDING_EXISTS, `Recording ${id} already exists`);
    while (id === 0 || lib.has(id)) id = randomInt(1, MAX_RANDOM_ID);
    const base = typeof body.filename === 'string' && body.filename !== '' ? body.filename : `rec-${id}`;
    for (const kind of ['audio', 'video', 'data']) {
      try {
        resolveInside(lib.folder, `${base}-${kind}.mjr`);
      } catch (err) {
        if (!(err instanceof UnsafePathError)) throw err;
        throw new RecordPlayError(E.INVALID_ELEMENT, `Invalid element (filename '${base.slice(0, 200)}' ${err.message})`);
      }
    }
    let answer;
    try {
      answer = await handle.answerOffer(jsep, {
        audio: true,
        video: true,
        data: true,
        direction: 'recvonly',
        ...(typeof body.audiocodec === 'string' ? { audioCodec: body.audiocodec } : {}),
        ...(typeof body.videocodec === 'string' ? { videoCodec: body.videocodec } : {}),
      });
    } catch (err) {
      throw new RecordPlayError(E.INVALID_SDP, `Error parsing offer: ${errorText(err)}`);
    }
    const media = handle.negotiatedMedia();
    const audio = media.find((m) => m.kind === 'audio' && m.codec);
    const video = media.find((m) => m.kind === 'video' && m.codec);
    const data = media.some((m) => m.kind === 'data');
    const textData = body.textdata !== false;
    const files: RecorderFiles = {};
    const entry: { audio?: MediaFile; video?: MediaFile; data?: MediaFile } = {};
    const warn = (m: string): void => handle.log.warn(`recordplay: ${m}`);
    try {
      const open = (kind: 'audio' | 'video' | 'data', codec: string, fmtp: string | undefined): MjrRecorder => {
        const file = `${base}-${kind}.mjr`;
        const path = prepareFileInside(lib.folder, file);
        entry[kind] = { file, codec, ...(fmtp ? { fmtp } : {}) };
        return new MjrRecorder(path.slice(0, -'.mjr'.length), codec, fmtp, warn);
      };
      if (audio?.codec) files.audio = open('audio', audio.codec.name, audio.codec.fmtp);
      if (video?.codec) files.video = open('video', video.codec.name, video.codec.fmtp);
      if (data) files.data = open('data', textData ? 'text' : 'binary', undefined);
    } catch (err) {
      files.audio?.close();
      files.video?.close();
      files.data?.close();
      handle.closePc();
      throw new RecordPlayError(E.UNKNOWN_ERROR, `Error creating the recording files: ${errorText(err)}`);
    }
    const rec: Recording = { id, name: body.name, date: recordingDate(new Date()), ...entry, textData, completed: false };
    lib.add(rec);
    s.recording = rec;
    s.lastRecordingId = rec.id;
    s.files = files;
    handle.log.info(`recordplay: recording ${id} ('${rec.name.slice(0, 100)}') to ${base}-*.mjr`);
    recordingStarted(this.events, handle, id, { audio: files.audio !== undefined, video: files.video !== undefined, data: files.data !== undefined });
    return { data: { recordplay: 'event', result: { status: 'recording', id } }, jsep: jsep.e2ee ? { ...answer, e2ee: true } : answer };
  }

  /**
   * `record` on a handle already recording: the new offer (an ICE restart, a change of direction) is answered with
   * the recording's own media and codecs; the same files go on, under the same id.
   */
  private async updateRecorder(files: RecorderFiles, rec: Recording, handle: PluginHandle, offer: Jsep): Promise<PluginReply> {
    let answer;
    try {
      answer = await handle.answerOffer(offer, {
        audio: files.audio !== undefined,
        video: files.video !== undefined,
        data: files.data !== undefined,
        direction: 'recvonly',
        ...(rec.audio ? { audioCodec: rec.audio.codec } : {}),
        ...(rec.video ? { videoCodec: rec.video.codec } : {}),
      });
    } catch (err) {
      throw new RecordPlayError(E.INVALID_SDP, `Error parsing offer: ${errorText(err)}`);
    }
    handle.log.info(`recordplay: recording ${rec.id} renegotiated`);
    return { data: { recordplay: 'event', result: { status: 'recording', id: rec.id } }, jsep: offer.e2ee ? { ...answer, e2ee: true } : answer };
  }

  private async play(s: RecordPlaySession, call: RequestCall<Session, BodyOf<typeof PLAY_FIELDS>>): Promise<PluginReply> {
    const { handle, body, jsep } = call;
    if (jsep) throw new RecordPlayError(E.INVALID_ELEMENT, "A play request can't contain an SDP");
    if (body.restart === true) {
      if (s.kind !== 'player' || !s.recording) throw new RecordPlayError(E.INVALID_STATE, "Not a playout session, can't restart");
      const offer = await handle.restartIce().catch((err: unknown) => {
        throw new RecordPlayError(E.INVALID_STATE, `Invalid, can't restart: ${errorText(err)}`);
      });
      if (s.frames) playoutPrepared(this.events, handle, s.recording.id, s.frames);
      return { data: { recordplay: 'event', result: { status: 'restarting', id: s.recording.id } }, jsep: offer };
    }
    const rec = this.lib.get(body.id);
    if (!rec || !rec.completed) throw new RecordPlayError(E.NOT_FOUND, 'No such recording');
    if (s.kind !== 'none') throw new RecordPlayError(E.INVALID_STATE, 'This handle is already recording or playing');
    const files: RecordedFile[] = [];
    const tracks: OfferTrack[] = [];
    let warning: string | undefined;
    for (const kind of ['audio', 'video', 'data'] as const) {
      const f = rec[kind];
      if (!f) continue;
      const read = await this.readFile(f, handle);
      if (!read) {
        warning = kind === 'data' ? 'Broken data file, playing audio/video only' : `Broken ${kind} file, playing ${kind === 'audio' ? 'video' : 'audio'} only`;
        continue;
      }
      const codec = kind === 'data' ? undefined : findCodec(f.codec, kind);
      if (kind !== 'data' && !codec) {
        warning = `Unsupported ${kind} codec ${f.codec}`;
        continue;
      }
      files.push({ info: read.info, frames: read.frames, clockRate: codec?.clockRate ?? 0 });
      const mid = String(tracks.length);
      if (kind === 'data' || !codec) tracks.push({ kind: 'data', mid });
      else {
        const pt = kind === 'video' ? VIDEO_PT : codec.payloadType !== undefined && codec.payloadType < 96 ? codec.payloadType : AUDIO_PT;
        tracks.push({ kind, mid, codec: codec.name, pt, fmtp: f.fmtp ?? codec.fmtp, clockRate: codec.clockRate, channels: codec.channels });
      }
    }
    if (!tracks.some((t) => t.kind !== 'data')) throw new RecordPlayError(E.INVALID_RECORDING, 'Error opening recording files');
    const offer = await handle.createOffer(tracks).catch((err: unknown) => {
      handle.log.error(`recordplay: offer not created: ${errorText(err)}`);
      throw new RecordPlayError(E.UNKNOWN_ERROR, 'Error creating the offer');
    });
    s.recording = rec;
    s.lastRecordingId = rec.id;
    s.frames = recordingSchedule(files);
    playoutPrepared(this.events, handle, rec.id, s.frames);
    const result: JsonObject = { status: 'preparing', id: rec.id };
    if (warning) result.warning = warning;
    return { data: { recordplay: 'event', result }, jsep: offer };
  }

  /** A recording's file read whole; undefined (logged) when it cannot be read or holds no frame. */
  private async readFile(f: MediaFile, handle: PluginHandle): Promise<{ info: NonNullable<ReturnType<typeof readMjr>['info']>; frames: ReturnType<typeof readMjr>['frames'] } | undefined> {
    try {
      const out = readMjr(await readFile(this.lib.pathOf(f)));
      if (out.stopped) handle.log.warn(`recordplay: ${f.file}: read up to byte ${out.stopped.offset} (${out.stopped.reason})`);
      if (!out.info || out.frames.length === 0) return undefined;
      return { info: out.info, frames: out.frames };
    } catch (err) {
      handle.log.warn(`recordplay: ${f.file}: ${errorText(err)}`);
      return undefined;
    }
  }
}

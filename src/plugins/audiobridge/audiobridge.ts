// janus.plugin.audiobridge: an audio conference bridge. Each participant's audio (Opus or G.711, over WebRTC or
// plain RTP) is decoded into its room's mix; every 20 ms each listener gets the mix without its own voice
// (mixer.ts), encoded for it, or shared with everyone who hears the same thing.
import type { Announcement, AudioRoom } from './room.js';
import type { JsonObject, MediaTrackInfo, Plugin, PluginContext, PluginHandle, PluginMessage, PluginMetric, PluginResult } from '../../plugin-api/index.js';
import { parsePortRange, PluginSessions } from '../../plugin-api/index.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type RequestTable } from '../../plugin-api/request-table.js';
import { readOneByteExtension } from '../../rtp/header-extensions.js';
import { rtpPayloadOffset } from '../../rtp/packet-check.js';
import { errorText } from '../../logging/error-text.js';
import { opusBackend } from '../../audio/opus-codec.js';
import { HandlerEvents } from '../handler-events.js';
import { generalSettings, isTrue } from '../plugin-settings.js';
import { roomMetrics } from '../room-metrics.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { E } from './audiobridge-error.js';
import { endAnnouncement, isPlaying, listAnnouncements, playFile, stopAllFiles, stopFile } from './file-requests.js';
import { listForwarders, rtpForward, stopRtpForward } from './forward-requests.js';
import { participantLeft, type Requester } from './handler-events.js';
import { leave } from './membership.js';
import { MixClock } from './mix-clock.js';
import { AudioBridgeSession } from './participant.js';
import { changeRoom, configure, hangup, incomingAudio, join, leaveRoom, mediaUp, resetDecoder } from './participant-requests.js';
import { loadRooms } from './permanent-rooms.js';
import { applyMjrs, startRecording, stopRecording } from './room-recording.js';
import * as rooms from './room-requests.js';

/** Exported: the error-table test compares it with docs/errors.md. */
export { E } from './audiobridge-error.js';

type Session = AudioBridgeSession | undefined;

export class AudioBridgePlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.audiobridge',
    name: 'JANUS AudioBridge plugin',
    author: 'Portunus',
    description: 'This is a plugin implementing an audio conference bridge for Janus, mixing Opus streams.',
    version: 13,
    versionString: '0.0.13',
    apiVersion: PLUGIN_API_VERSION,
  };
  private readonly clock = new MixClock(() => this.tick());
  private state: AudioBridgeState | undefined;
  private readonly requests = new PluginRequests<Session>({
    plugin: 'audiobridge',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.MISSING_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_REQUEST, internal: E.UNKNOWN_ERROR },
    table: this.table(),
  });
  private readonly sessions = new PluginSessions<AudioBridgeSession>(this.requests);

  /** Ticks run and how late they were: for handle_info, tests and the bench. */
  get clockStats(): MixClock['stats'] {
    return this.clock.stats;
  }

  init(context: PluginContext): void {
    const general = generalSettings(context.config);
    const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const adminKey = text(general.admin_key);
    const range = parsePortRange(text(general.rtp_port_range) ?? '10000-60000') ?? { min: 10000, max: 60000 };
    this.state = {
      rooms: new Map(),
      permanent: new Map(),
      options: {
        adminKey,
        lockRtpForward: adminKey !== undefined && isTrue(general.lock_rtp_forward),
        lockPlayFile: adminKey !== undefined && isTrue(general.lock_play_file),
        stringIds: isTrue(general.string_ids),
        localIp: text(general.local_ip) ?? defaultLocalIp(context),
        rtpPorts: range,
        recordTmpExt: text(general.record_tmp_ext),
      },
      store: context.state,
      log: context.log,
      network: context.network,
      recordingsDir: context.recordingsDir,
      newRelayGroup: () => context.relayGroup(),
      tokens: context.tokens,
      events: HandlerEvents.of(context, 'audiobridge'),
      wake: () => this.clock.run(),
    };
    const state = this.state;
    for (const room of loadRooms(state, context.config)) {
      if (room.settings.record) void startRecording(state, room, true);
      rooms.startConfiguredForwarder(state, room).catch((err: unknown) => state.log.error(`audiobridge: room ${room.id} forwarder not started: ${errorText(err)}`));
    }
    context.log.verbose(`audiobridge: ${state.rooms.size} room(s) at start`);
    // One line on which libopus codes: the cost per participant differs by half, and only the native one repairs loss.
    context.log.info(`audiobridge: Opus on ${opusBackend().detail}`);
  }

  async destroy(): Promise<void> {
    this.clock.stop();
    this.sessions.endAll();
    const state = this.state;
    if (!state) return;
    for (const room of state.rooms.values()) {
      await stopRecording(state, room);
      room.close();
    }
    state.rooms.clear();
  }

  createSession(handle: PluginHandle): void {
    this.sessions.add(handle, new AudioBridgeSession(handle));
  }

  destroySession(handle: PluginHandle): void {
    this.sessions.end(handle, (s) => this.drop(s));
  }

  metrics(): PluginMetric[] {
    let participants = 0;
    for (const room of this.state?.rooms.values() ?? []) participants += room.participants.size;
    return roomMetrics(this.state?.rooms.size ?? 0, participants);
  }

  querySession(handle: PluginHandle): JsonObject {
    const s = this.sessions.get(handle.id);
    if (!s) return {};
    const p = s.participant;
    const info: JsonObject = { destroyed: s.destroyed ? 1 : 0, started: s.mediaUp };
    if (!p) return info;
    const inbound = p.inbound;
    return {
      ...info,
      room: p.room.id,
      id: p.id,
      display: p.display ?? null,
      muted: p.options.muted,
      suspended: p.options.suspended,
      codec: p.options.codec,
      fec: p.encoder.fec,
      ...(p.encoder.fec ? { expected_loss: p.encoder.expectedLoss } : {}),
      plain_rtp: p.plain !== undefined,
      ...(inbound ? { packets_in: inbound.packets, packets_dropped: inbound.dropped, packets_undecodable: inbound.undecodable, packets_repaired: inbound.repaired, queue: inbound.queued } : {}),
      ...(p.plain ? { plain_rtp_dropped: p.plain.dropped, local_port: p.plain.localPort } : {}),
    };
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    return this.sessions.handle(handle, message);
  }

  handleAdminMessage(request: JsonObject): Promise<JsonObject> {
    return this.requests.answerAdmin(undefined, request, this.requireState().log);
  }

  setupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s || s.destroyed) return;
    mediaUp(s);
    handle.log.verbose('audiobridge: WebRTC media is up');
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const s = this.sessions.get(handle.id);
    const p = s?.participant;
    if (!s || !p || p.plain || track.kind !== 'audio' || !this.state) return;
    const start = rtpPayloadOffset(packet);
    if (typeof start === 'string' || start >= packet.length) return;
    p.recorder?.write(packet);
    const value = s.audioLevelId > 0 ? readOneByteExtension(packet, s.audioLevelId) : -1;
    incomingAudio(this.state, p, packet.readUInt16BE(2), packet.subarray(start), value < 0 ? -1 : value & 0x7f);
  }

  hangupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s) return;
    s.mediaUp = false;
    s.offerer = undefined;
    s.mid = undefined;
    if (!s.destroyed) this.drop(s);
  }

  /** The handle's participant leaves its room (hangup, detach). */
  private drop(s: AudioBridgeSession): void {
    const p = s.participant;
    if (!p) return;
    s.participant = undefined;
    if (this.state && p.room.participants.get(p.id) === p) participantLeft(this.state, p.room, p, false);
    leave(p.room, p);
    p.close();
  }

  private readonly announcementEnded = (room: AudioRoom, a: Announcement): void => {
    if (this.state) endAnnouncement(this.state, room, a);
  };

  private tick(): void {
    const state = this.state;
    if (!state) return;
    let busy = false;
    for (const room of state.rooms.values()) {
      if (!room.busy) continue;
      busy = true;
      try {
        room.tick(this.announcementEnded);
      } catch (err) {
        state.log.error(`audiobridge: mixing room ${room.id}: ${errorText(err)}`);
      }
    }
    if (!busy) this.clock.stop();
  }

  private requireState(): AudioBridgeState {
    if (!this.state) throw new Error('the AudioBridge is not initialised');
    return this.state;
  }

  private table(): RequestTable<Session> {
    const on = requestsFor<Session>();
    const st = (): AudioBridgeState => this.requireState();
    // Over a handle, a request's events are in that handle's context (Janus's `session ? session->handle : NULL`).
    const sync = (run: (state: AudioBridgeState, body: JsonObject, by: Requester) => JsonObject | Promise<JsonObject>) => on.admin({}, ({ session, body }) => run(st(), body, session?.handle));
    const withSession = (session: Session): AudioBridgeSession => {
      if (!session) throw new Error('no session');
      return session;
    };
    return {
      create: sync(rooms.create),
      edit: sync(rooms.edit),
      destroy: sync(rooms.destroy),
      exists: sync(rooms.exists),
      list: sync(rooms.list),
      listparticipants: sync(rooms.listParticipants),
      allowed: sync(rooms.allowed),
      kick: sync(rooms.kick),
      kick_all: sync(rooms.kickAll),
      mute: sync((s, b, by) => rooms.moderate(s, b, true, by)),
      unmute: sync((s, b, by) => rooms.moderate(s, b, false, by)),
      mute_room: sync((s, b, by) => rooms.moderateRoom(s, b, true, by)),
      unmute_room: sync((s, b, by) => rooms.moderateRoom(s, b, false, by)),
      suspend: sync((s, b, by) => rooms.suspension(s, b, true, by)),
      resume: sync((s, b, by) => rooms.suspension(s, b, false, by)),
      enable_recording: sync(rooms.enableRecording),
      enable_mjrs: sync((s, b) => rooms.enableMjrs(s, b, (room) => applyMjrs(s, room))),
      rtp_forward: sync(rtpForward),
      stop_rtp_forward: sync(stopRtpForward),
      listforwarders: sync(listForwarders),
      play_file: sync(playFile),
      is_playing: sync(isPlaying),
      stop_file: sync(stopFile),
      stop_all_files: sync(stopAllFiles),
      listannouncements: sync(listAnnouncements),
      resetdecoder: on.ok({}, ({ session }) => ({ data: resetDecoder(withSession(session)) })),
      join: on.ack({}, ({ session, body, jsep }) => join(st(), withSession(session), body, jsep)),
      configure: on.ack({}, ({ session, body, jsep }) => configure(st(), withSession(session), body, jsep)),
      changeroom: on.ack({}, ({ session, body }) => changeRoom(st(), withSession(session), body)),
      leave: on.ack({}, ({ session }) => leaveRoom(st(), withSession(session))),
      hangup: on.ack({}, ({ session }) => hangup(withSession(session))),
    };
  }
}

/** The address plain-RTP participants are told to send to: the first external IPv4 one, else loopback. */
function defaultLocalIp(context: PluginContext): string {
  const external = context.network.host.interfaces.filter((i) => !i.internal);
  return (external.find((i) => i.family === 4) ?? external[0])?.address ?? '127.0.0.1';
}

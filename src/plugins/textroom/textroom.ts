// janus.plugin.textroom: chat rooms over data channels. The Janus API sets up a PeerConnection with a data
// channel only (`setup`, the server offers; `ack`, the client answers); the rooms' requests then come as JSON
// text on that channel, and the management ones over the Janus and Admin APIs too.
import type { JsonObject, Plugin, PluginContext, PluginHandle, PluginMessage, PluginMetric, PluginResult } from '../../plugin-api/index.js';
import { PluginSessions } from '../../plugin-api/index.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type PluginReply, type RequestTable } from '../../plugin-api/request-table.js';
import { Logger } from '../../logging/logger.js';
import { errorText } from '../../logging/error-text.js';
import { HandlerEvents } from '../handler-events.js';
import { generalSettings, isTrue } from '../plugin-settings.js';
import { roomMetrics } from '../room-metrics.js';
import { HttpPoster } from './http-post.js';
import { jsonStyle } from './json-format.js';
import { leaveAll } from './participant-requests.js';
import { loadRooms } from './permanent-rooms.js';
import { TextRoomSession, type Room, type RoomId } from './room.js';
import { E } from './textroom-error.js';
import { answerApiRequest, answerDataMessage, API_REQUESTS } from './textroom-requests.js';
import type { TextRoomState } from './textroom-state.js';

/** Exported: the error-table test compares it with docs/errors.md. */
export { E } from './textroom-error.js';

/** The mid (and so, with the media layer, the channel label JanusDataChannel) of the one m-line offered. */
const DATA_MID = '0';

type Session = TextRoomSession | undefined;

export class TextRoomPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.textroom',
    name: 'JANUS TextRoom plugin',
    author: 'Portunus',
    description: 'This is a plugin implementing a text-only room for Janus, using DataChannels.',
    version: 2,
    versionString: '0.0.2',
    apiVersion: PLUGIN_API_VERSION,
  };
  private poster: HttpPoster | undefined;
  private state: TextRoomState = {
    rooms: new Map<RoomId, Room>(),
    permanent: new Map<RoomId, JsonObject>(),
    options: { stringIds: false, style: 'indented' },
    log: Logger.create({ level: 0 }),
    events: HandlerEvents.NONE,
    post: () => {},
  };
  private readonly requests = new PluginRequests<Session>({
    plugin: 'textroom',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.MISSING_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_REQUEST, internal: E.UNKNOWN_ERROR },
    anyCase: true,
    table: this.table(),
  });
  private readonly sessions = new PluginSessions<TextRoomSession>(this.requests);

  init(context: PluginContext): void {
    const general = generalSettings(context.config);
    const adminKey = typeof general.admin_key === 'string' && general.admin_key !== '' ? general.admin_key : undefined;
    const poster = new HttpPoster(context.network, context.log);
    this.poster = poster;
    this.state = {
      rooms: new Map(),
      permanent: new Map(),
      options: { adminKey, stringIds: isTrue(general.string_ids), style: jsonStyle(general.json) },
      store: context.state,
      log: context.log,
      events: HandlerEvents.of(context, 'textroom'),
      post: (url, text) => void poster.post(url, text),
    };
    loadRooms(this.state, context.config);
    context.log.verbose(`textroom: ${this.state.rooms.size} room(s) at start`);
  }

  destroy(): void {
    this.sessions.endAll();
    this.poster?.close();
  }

  createSession(handle: PluginHandle): void {
    this.sessions.add(handle, new TextRoomSession(handle));
  }

  destroySession(handle: PluginHandle): void {
    this.sessions.end(handle, (s) => leaveAll(this.state, s));
  }

  metrics(): PluginMetric[] {
    let participants = 0;
    for (const room of this.state.rooms.values()) participants += room.participants.size;
    return roomMetrics(this.state.rooms.size, participants);
  }

  querySession(handle: PluginHandle): JsonObject {
    const s = this.sessions.get(handle.id);
    if (!s) return {};
    return { destroyed: s.destroyed ? 1 : 0, setup: s.setup, rooms: [...s.rooms.values()].map((p) => ({ room: p.room.id, username: p.username })) };
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    return this.sessions.handle(handle, message);
  }

  handleAdminMessage(request: JsonObject): Promise<JsonObject> {
    return this.requests.answerAdmin(undefined, request, this.state.log);
  }

  incomingData(handle: PluginHandle, _label: string, data: Buffer | string): void {
    const s = this.sessions.get(handle.id);
    if (s && !s.destroyed) answerDataMessage(this.state, s, data);
  }

  setupMedia(handle: PluginHandle): void {
    if (this.sessions.has(handle.id)) handle.log.verbose('textroom: WebRTC media is up');
  }

  hangupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (s && !s.destroyed) leaveAll(this.state, s);
  }

  /** `setup`, `ack` and `restart` in the handle's queue; the management requests answered at once. */
  private table(): RequestTable<Session> {
    const on = requestsFor<Session>();
    const table: Record<string, RequestTable<Session>[string]> = {
      setup: on.ack({}, ({ session, handle }) => this.setup(session, handle)),
      restart: on.ack({}, ({ session, handle }) => this.restart(session, handle)),
      ack: on.ack({}, () => ({ data: { textroom: 'event', result: 'ok' } })),
    };
    for (const name of API_REQUESTS) {
      table[name] = on.admin({}, ({ session, body }) => answerApiRequest(this.state, session, name, body, ''));
    }
    return table;
  }

  private async setup(session: Session, handle: PluginHandle): Promise<PluginReply> {
    if (!session) return notSetUp('No session associated with this handle');
    if (session.setup) return alreadySetUp('PeerConnection already setup');
    session.setup = true;
    try {
      const offer = await handle.createOffer([{ kind: 'data', mid: DATA_MID }]);
      return { data: { textroom: 'event', result: 'ok' }, jsep: offer };
    } catch (err) {
      session.setup = false;
      handle.log.warn(`textroom: no offer: ${errorText(err)}`);
      return { data: { textroom: 'error', error_code: E.UNKNOWN_ERROR, error: 'Error creating the offer' } };
    }
  }

  private async restart(session: Session, handle: PluginHandle): Promise<PluginReply> {
    if (!session?.setup) return alreadySetUp('PeerConnection not setup');
    try {
      return { data: { textroom: 'event', result: 'ok' }, jsep: await handle.restartIce() };
    } catch (err) {
      handle.log.warn(`textroom: no ICE restart offer: ${errorText(err)}`);
      return { data: { textroom: 'error', error_code: E.UNKNOWN_ERROR, error: 'Error creating the offer' } };
    }
  }
}

function alreadySetUp(error: string): PluginReply {
  return { data: { textroom: 'error', error_code: E.ALREADY_SETUP, error } };
}

function notSetUp(error: string): PluginReply {
  return { data: { textroom: 'error', error_code: E.UNKNOWN_ERROR, error } };
}

// The Janus API core: sessions, handles and the dispatch of every request, independent of any transport.
import { errorDetail, errorText } from '../logging/error-text.js';
import type { LogFields, Logger } from '../logging/logger.js';
import type { Jsep, PluginResult } from '../plugins/plugin.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { ErrorCode, internalError, JanusError } from './errors.js';
import { EventSubtype, EventType, NO_EVENTS, transportInstanceId, type EventNotifier } from './event-notifier.js';
import type { EventSink } from './event-sink.js';
import { Handle, type HandleOwner } from './handle.js';
import { uniqueId } from './ids.js';
import { idOfNode, ownerOfId } from './local-node-ids.js';
import { isSafeId } from './json-bounds.js';
import { LogThrottle } from './log-throttle.js';
import { ClosedMediaTotals, type MediaCounters } from './media-counters.js';
import type { MediaFactory, RemoteCandidate } from './media-port.js';
import type { PluginRegistry } from './plugin-registry.js';
import { checkEnvelopeSizes, MAX_PENDING_TRICKLES, MAX_TRANSACTION_LENGTH } from './request-limits.js';
import { Session } from './session.js';
import type { TokenStore } from './tokens.js';
import { checkFields, isJsonObject, optionalId, type JsonObject } from './validate.js';
import type { TransportQuery } from './transport-query.js';

export interface GatewaySettings {
  sessionTimeout: number;
  reclaimSessionTimeout: number;
  candidatesTimeout: number;
  apiSecret: string;
  acceptNewSessions: boolean;
  opaqueIdInApi: boolean;
}

export interface GatewayOptions {
  readonly settings: GatewaySettings;
  readonly plugins: PluginRegistry;
  readonly tokens: TokenStore;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly media?: MediaFactory;
  /** Where event handlers are told what happens (src/events); absent = nowhere. */
  readonly events?: EventNotifier;
  /** Builds the `server_info` payload (without janus/transaction). */
  readonly serverInfo: () => JsonObject;
  /**
   * With local nodes on one machine (cluster.local_nodes): this node draws only session ids whose remainder
   * modulo `count` is `index`, so that a sibling routes a request by its session id alone.
   */
  readonly sessionIds?: { readonly index: number; readonly count: number };
}

/** Sends the reply of one request back on the connection it came from. */
export type Respond = (reply: JsonObject) => void;

const WATCHDOG_MS = 2000;
/** As Janus: a core "update" event (sessions, handles, PeerConnections) this often while handlers take core events. */
const STATUS_EVENT_MS = 15_000;
/** Warnings a client can cause (dropped events, slow readers) go out at most this often. */
const TROUBLE_LOG_INTERVAL_MS = 10_000;
/** Internal faults are logged with their stacks, up to this many per interval. */
const FAULT_LOG_BURST = 20;

/** Counters of what the server did to protect itself, shown by Admin get_status. */
export interface GatewayStats {
  /** Events dropped because a session's queue was full (oldest first). */
  eventsDropped: number;
  /** Connections closed because their client did not read what was sent. */
  slowConnectionsClosed: number;
  /** Requests that failed with an internal fault (answered 490, logged with the stack). */
  internalFaults: number;
}

export class Gateway implements HandleOwner {
  readonly sessions = new Map<number, Session>();
  readonly settings: GatewaySettings;
  readonly plugins: PluginRegistry;
  readonly tokens: TokenStore;
  readonly log: Logger;
  readonly clock: Clock;
  readonly media?: MediaFactory;
  readonly events: EventNotifier;
  private readonly serverInfo: () => JsonObject;
  private readonly sessionIds: GatewayOptions['sessionIds'];
  private watchdog: Timer | undefined;
  private statsTimer: Timer | undefined;
  private statusTimer: Timer | undefined;
  readonly stats: GatewayStats = { eventsDropped: 0, slowConnectionsClosed: 0, internalFaults: 0 };
  /** What Admin `query_transport` reaches, by transport package name (registered by the server as it starts them). */
  readonly transportQueries = new Map<string, TransportQuery>();
  /** What closed PeerConnections counted, by plugin, and their hangup reasons (metrics add the live ones). */
  readonly closedMedia = new ClosedMediaTotals();
  private readonly dropLog: LogThrottle;
  private readonly slowLog: LogThrottle;
  private readonly faultLog: LogThrottle;

  constructor(options: GatewayOptions) {
    this.settings = options.settings;
    this.plugins = options.plugins;
    this.tokens = options.tokens;
    this.log = options.log.child({ component: 'core' });
    this.clock = options.clock ?? systemClock;
    this.media = options.media;
    this.events = options.events ?? NO_EVENTS;
    this.serverInfo = options.serverInfo;
    this.sessionIds = options.sessionIds;
    this.dropLog = new LogThrottle(TROUBLE_LOG_INTERVAL_MS, this.clock);
    this.slowLog = new LogThrottle(TROUBLE_LOG_INTERVAL_MS, this.clock);
    this.faultLog = new LogThrottle(TROUBLE_LOG_INTERVAL_MS, this.clock, FAULT_LOG_BURST);
  }

  get opaqueIdInApi(): boolean {
    return this.settings.opaqueIdInApi;
  }

  now(): number {
    return this.clock.now();
  }

  mediaClosed(handle: Handle, counters: MediaCounters | undefined, reason: string): void {
    this.closedMedia.add(handle.plugin.descriptor.package, counters, reason);
  }

  start(): void {
    this.watchdog ??= this.clock.every(WATCHDOG_MS, () => this.checkTimeouts());
    // Timers for event handlers run only when a handler is there (one that takes media or core events may come
    // with a tweak; the tick then finds it).
    if (this.events.enabled) {
      const period = this.events.statsPeriod;
      if (period > 0) this.statsTimer ??= this.clock.every(period * 1000, () => this.mediaStatsEvents());
      this.statusTimer ??= this.clock.every(STATUS_EVENT_MS, () => this.statusEvent());
    }
  }

  /** Destroys every session (server shutdown). */
  stop(): void {
    this.watchdog?.cancel();
    this.watchdog = undefined;
    this.statsTimer?.cancel();
    this.statusTimer?.cancel();
    this.statsTimer = this.statusTimer = undefined;
    for (const s of [...this.sessions.values()]) this.destroySession(s, 'destroyed');
  }

  info(): JsonObject {
    return this.serverInfo();
  }

  /**
   * Processes one Janus API request from `sink`. The reply goes to `respond`; events caused by the
   * request are delivered after it. Never throws: every failure becomes a Janus `error` reply.
   */
  async handle(sink: EventSink, request: unknown, respond: Respond): Promise<void> {
    let held: Handle | undefined;
    try {
      const result = await this.process(sink, request, (h) => {
        held = h;
        h.hold();
      });
      respond(result);
    } catch (err) {
      respond(this.errorReply(request, err));
    } finally {
      held?.release();
    }
  }

  /** The Janus `error` reply to `request`; only ids and a transaction that are within bounds are echoed. */
  errorReply(request: unknown, err: unknown): JsonObject {
    const e = this.toJanusError(err);
    const reply: JsonObject = { janus: 'error' };
    if (isJsonObject(request)) {
      if (isSafeId(request.session_id)) reply.session_id = request.session_id;
      const tx = request.transaction;
      if (typeof tx === 'string' && tx.length <= MAX_TRANSACTION_LENGTH) reply.transaction = tx;
    }
    reply.error = { code: e.code, reason: e.reason };
    return reply;
  }

  /** A JanusError as it is; any other failure is a fault of ours: logged with its stack, answered neutrally. */
  toJanusError(err: unknown): JanusError {
    if (err instanceof JanusError) return err;
    this.internalFault('request failed', err);
    return internalError();
  }

  /** Logs an internal fault (rate-limited) and counts it. */
  internalFault(what: string, err: unknown, fields?: LogFields): void {
    this.stats.internalFaults++;
    this.faultLog.run((held) => {
      const detail = errorDetail(err);
      this.log.error(`internal fault, ${what}: ${detail}${held > 0 ? ` (${held} more faults not logged)` : ''}`, fields);
    });
  }

  /** A transport dropped `count` queued events of a session (its queue was full): counted and logged, rate-limited. */
  eventsDropped(sessionId: number, count: number, transport: string, limit: number): void {
    if (count <= 0) return;
    this.stats.eventsDropped += count;
    const session = this.sessions.get(sessionId);
    if (session) session.eventsDropped += count;
    this.dropLog.run((held) =>
      this.log.warn(`event queue of session ${sessionId} full (${limit} events): oldest dropped${held > 0 ? `; ${held} more drops since the last warning` : ''}`, { session: sessionId, transport }),
    );
  }

  /** A transport closed a connection whose client left too much unread; its sessions wait to be claimed as on any transport loss. */
  slowConnectionClosed(peer: string, transport: string, unsent: number, limit: number): void {
    this.stats.slowConnectionsClosed++;
    this.slowLog.run((held) => this.log.warn(`closing connection of ${peer}: ${unsent} bytes unread (limit ${limit})${held > 0 ? `; ${held} more closed since the last warning` : ''}`, { transport }));
  }

  private async process(sink: EventSink, request: unknown, holdHandle: (h: Handle) => void): Promise<JsonObject> {
    if (!isJsonObject(request)) throw new JanusError(ErrorCode.INVALID_JSON_OBJECT, 'JSON error: not an object');
    checkFields(request, [
      { name: 'transaction', type: 'string', required: true },
      { name: 'janus', type: 'string', required: true },
      { name: 'id', type: 'positive' },
      { name: 'session_id', type: 'integer' },
      { name: 'handle_id', type: 'integer' },
    ]);
    checkEnvelopeSizes(request);
    const transaction = request.transaction as string;
    const verb = (request.janus as string).toLowerCase();
    const sessionId = optionalId(request, 'session_id');
    const handleId = optionalId(request, 'handle_id');

    if (sessionId === undefined && handleId === undefined) {
      switch (verb) {
        case 'info':
          return { janus: 'server_info', transaction, ...this.serverInfo() };
        case 'ping':
          return { janus: 'pong', transaction };
        case 'create':
          return this.create(sink, request, transaction);
        default:
          throw new JanusError(ErrorCode.INVALID_REQUEST_PATH, `Unhandled request '${request.janus as string}' at this path`);
      }
    }
    // Ids are 53-bit: a larger number cannot name a session or handle (and would not survive being echoed).
    if (sessionId === undefined || !isSafeId(sessionId)) throw new JanusError(ErrorCode.SESSION_NOT_FOUND, `No such session ${idText(sessionId ?? 0)}`);
    if (handleId !== undefined && !isSafeId(handleId)) throw new JanusError(ErrorCode.HANDLE_NOT_FOUND, `No such handle ${idText(handleId)} in session ${sessionId}`);
    this.checkAuth(request);
    const session = this.sessions.get(sessionId);
    if (!session || session.destroyed) throw new JanusError(ErrorCode.SESSION_NOT_FOUND, `No such session ${sessionId}`);
    session.touch(this.clock.now());
    let handle: Handle | undefined;
    if (handleId !== undefined) {
      handle = session.handles.get(handleId);
      if (!handle) throw new JanusError(ErrorCode.HANDLE_NOT_FOUND, `No such handle ${handleId} in session ${sessionId}`);
    }
    const base: JsonObject = { session_id: sessionId, transaction };
    const needHandle = (): Handle => {
      if (!handle) throw new JanusError(ErrorCode.INVALID_REQUEST_PATH, `Unhandled request '${request.janus as string}' at this path`);
      return handle;
    };
    const noHandle = (): void => {
      if (handle) throw new JanusError(ErrorCode.INVALID_REQUEST_PATH, `Unhandled request '${request.janus as string}' at this path`);
    };

    switch (verb) {
      case 'keepalive':
        return { janus: 'ack', ...base };
      case 'claim':
        this.claim(session, sink);
        return { janus: 'success', ...base };
      case 'attach': {
        noHandle();
        const h = this.attach(session, request);
        return { janus: 'success', ...base, data: { id: h.id } };
      }
      case 'destroy':
        noHandle();
        this.destroySession(session, 'destroyed');
        return { janus: 'success', ...base };
      case 'detach': {
        const h = needHandle();
        holdHandle(h);
        this.detach(h);
        return { janus: 'success', ...base };
      }
      case 'hangup': {
        const h = needHandle();
        holdHandle(h);
        h.hangup('Janus API');
        return { janus: 'success', ...base };
      }
      case 'message': {
        const h = needHandle();
        holdHandle(h);
        return h.inOrder(() => this.message(h, request, base));
      }
      case 'trickle': {
        const h = needHandle();
        this.trickle(h, request);
        return { janus: 'ack', ...base };
      }
      default:
        throw new JanusError(ErrorCode.UNKNOWN_REQUEST, `Unknown request '${request.janus as string}'`);
    }
  }

  /** api_secret / token check: passes when neither is configured, or when either one matches. */
  checkAuth(request: JsonObject): void {
    const secret = this.settings.apiSecret;
    if (!secret && !this.tokens.enabled) return;
    if (secret && request.apisecret === secret) return;
    if (this.tokens.enabled && typeof request.token === 'string' && this.tokens.isValid(request.token)) return;
    throw new JanusError(ErrorCode.UNAUTHORIZED);
  }

  private create(sink: EventSink, request: JsonObject, transaction: string): JsonObject {
    if (!this.settings.acceptNewSessions) throw new JanusError(ErrorCode.NOT_ACCEPTING_SESSIONS);
    this.checkAuth(request);
    const wanted = optionalId(request, 'id');
    let id: number;
    if (wanted !== undefined && wanted > 0) {
      if (this.sessions.has(wanted)) throw new JanusError(ErrorCode.SESSION_CONFLICT, 'Session ID already in use');
      if (!Number.isSafeInteger(wanted)) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, 'Invalid element type (id should be a positive integer)');
      const ids = this.sessionIds;
      // A sibling would carry this session's requests elsewhere: an id of another local node cannot be had here.
      if (ids && ownerOfId(wanted, ids.count) !== ids.index)
        throw new JanusError(ErrorCode.SESSION_CONFLICT, `Session ID not available on this node (with ${ids.count} local nodes, this one's ids leave ${ids.index} divided by ${ids.count})`);
      id = wanted;
    } else {
      const ids = this.sessionIds;
      id = ids ? uniqueId((n) => this.sessions.has(idOfNode(n, ids))) : uniqueId((n) => this.sessions.has(n));
      if (ids) id = idOfNode(id, ids);
    }
    const now = this.clock.now();
    const session = new Session(id, sink, now, now);
    this.sessions.set(id, session);
    sink.sessionCreated?.(id);
    this.log.info('session created', { session: id, transport: sink.transport, peer: sink.peer });
    if (this.events.wants(EventType.SESSION)) {
      this.events.notify(EventType.SESSION, EventSubtype.NONE, { name: 'created', transport: { transport: sink.transport, id: transportInstanceId(sink) } }, { sessionId: id });
    }
    return { janus: 'success', transaction, data: { id } };
  }

  private claim(session: Session, sink: EventSink): void {
    session.transportGone = false;
    if (session.sink === sink) return;
    const previous = session.sink;
    previous.sessionOver?.(session.id, 'claimed');
    session.sink = sink;
    sink.sessionCreated?.(session.id);
    this.log.info('session claimed', { session: session.id, transport: sink.transport, peer: sink.peer });
  }

  private attach(session: Session, request: JsonObject): Handle {
    checkFields(request, [
      { name: 'plugin', type: 'string', required: true },
      { name: 'opaque_id', type: 'string' },
      { name: 'loop_index', type: 'positive' },
      { name: 'token', type: 'string' },
      { name: 'min_port', type: 'positive' },
      { name: 'max_port', type: 'positive' },
    ]);
    const portRange = attachPortRange(request);
    const name = request.plugin as string;
    const plugin = this.plugins.get(name);
    if (!plugin) throw new JanusError(ErrorCode.PLUGIN_NOT_FOUND, `No such plugin '${name}'`);
    const token = typeof request.token === 'string' ? request.token : undefined;
    if (this.tokens.enabled && !(this.settings.apiSecret && request.apisecret === this.settings.apiSecret)) {
      if (!this.tokens.allowsPlugin(token, name)) throw new JanusError(ErrorCode.UNAUTHORIZED_PLUGIN, `Provided token can't access plugin '${name}'`);
    }
    const id = uniqueId((n) => this.handleExists(n));
    const opaqueId = typeof request.opaque_id === 'string' ? request.opaque_id : undefined;
    const handle = new Handle(id, session, plugin, this.clock.now(), this.log.child({ session: session.id, handle: id, plugin: name }), this, opaqueId, token, portRange);
    try {
      plugin.createSession(handle);
    } catch (err) {
      if (err instanceof JanusError) throw err;
      this.internalFault(`${name} create_session failed`, err, { session: session.id });
      throw new JanusError(ErrorCode.PLUGIN_ATTACH, `Couldn't attach to plugin`);
    }
    session.handles.set(id, handle);
    handle.log.info('handle attached', opaqueId !== undefined ? { opaque_id: opaqueId } : undefined);
    this.handleEvent(handle, 'attached');
    return handle;
  }

  /** Janus's handle event (type 2): attached or detached, with the plugin, the opaque_id and the token. */
  private handleEvent(handle: Handle, name: 'attached' | 'detached'): void {
    if (!this.events.wants(EventType.HANDLE)) return;
    const body: JsonObject = { name, plugin: handle.plugin.descriptor.package };
    if (handle.opaqueId !== undefined) body.opaque_id = handle.opaqueId;
    if (handle.token !== undefined) body.token = handle.token;
    handle.notifyHandlers(EventType.HANDLE, EventSubtype.NONE, body);
  }

  private handleExists(id: number): boolean {
    for (const s of this.sessions.values()) if (s.handles.has(id)) return true;
    return false;
  }

  private async message(handle: Handle, request: JsonObject, base: JsonObject): Promise<JsonObject> {
    checkFields(request, [{ name: 'body', type: 'object', required: true }]);
    let jsep: Jsep | undefined;
    if (request.jsep !== undefined && request.jsep !== null) jsep = await this.processJsep(handle, request.jsep);
    let result: PluginResult;
    try {
      result = await handle.plugin.handleMessage(handle, { transaction: base.transaction as string, body: request.body as JsonObject, jsep });
    } catch (err) {
      if (err instanceof JanusError) throw err;
      this.internalFault(`${handle.plugin.descriptor.package} failed on a message`, err, { session: handle.session.id, handle: handle.id });
      throw internalError();
    }
    switch (result.kind) {
      case 'ack':
        return result.hint !== undefined ? { janus: 'ack', ...base, hint: result.hint } : { janus: 'ack', ...base };
      case 'error':
        throw new JanusError(result.code ?? ErrorCode.PLUGIN_MESSAGE, result.reason);
      case 'ok': {
        const reply: JsonObject = { janus: 'success', ...base, sender: handle.id, plugindata: { plugin: handle.plugin.descriptor.package, data: result.data } };
        if (result.jsep) {
          reply.jsep = result.jsep;
          handle.notifyJsep('local', result.jsep);
        }
        return reply;
      }
    }
  }

  /** Validates a client's jsep and, for an answer to our offer, applies it. */
  private async processJsep(handle: Handle, raw: unknown): Promise<Jsep> {
    if (!isJsonObject(raw)) throw new JanusError(ErrorCode.INVALID_JSON_OBJECT, 'Invalid jsep object');
    checkFields(
      raw,
      [
        { name: 'type', type: 'string', required: true },
        { name: 'sdp', type: 'string', required: true },
        { name: 'trickle', type: 'boolean' },
        { name: 'e2ee', type: 'boolean' },
      ],
      undefined,
      'JSEP error: ',
    );
    const type = raw.type as string;
    if (type !== 'offer' && type !== 'answer') throw new JanusError(ErrorCode.JSEP_UNKNOWN_TYPE, `JSEP error: unknown message type '${type}'`);
    const sdp = raw.sdp as string;
    const problem = this.media ? this.media.checkSdp(sdp) : basicSdpProblem(sdp);
    if (problem !== undefined) throw new JanusError(ErrorCode.JSEP_INVALID_SDP, `JSEP error: invalid SDP (${problem})`);
    const jsep: Jsep = { type, sdp, trickle: raw.trickle as boolean | undefined, e2ee: raw.e2ee as boolean | undefined };
    handle.remoteDescription(jsep);
    if (type === 'answer') {
      if (!handle.serverOffered || !handle.media) throw new JanusError(ErrorCode.UNEXPECTED_ANSWER, 'Unexpected ANSWER (did we offer?)');
      try {
        await handle.media.acceptAnswer(jsep);
      } catch (err) {
        if (err instanceof JanusError) throw err;
        handle.log.warn(`answer not applied: ${errorText(err)}`);
        throw new JanusError(ErrorCode.UNEXPECTED_ANSWER, 'Error processing SDP');
      }
      handle.gotAnswer = true;
    } else {
      handle.gotOffer = true;
    }
    if (raw.trickle === false) handle.trickleCompleted = true;
    return jsep;
  }

  private trickle(handle: Handle, request: JsonObject): void {
    const single = request.candidate;
    const many = request.candidates;
    if ((single === undefined || single === null) && (many === undefined || many === null)) {
      throw new JanusError(ErrorCode.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (candidate|candidates)');
    }
    const list: unknown[] = [];
    if (single !== undefined && single !== null) {
      if (!isJsonObject(single)) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, 'Invalid element type (candidate should be an object)');
      list.push(single);
    }
    if (many !== undefined && many !== null) {
      if (!Array.isArray(many)) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, 'Invalid element type (candidates should be an array)');
      list.push(...(many as unknown[]));
    }
    const parsed = list.map(parseCandidate);
    for (const c of parsed) {
      if (c.completed) handle.trickleCompleted = true;
      else if (c.candidate !== undefined) handle.remoteCandidateSeen(c.candidate);
      if (handle.media) handle.media.addRemoteCandidate(c);
      else if (handle.pendingTrickles.length < MAX_PENDING_TRICKLES) handle.pendingTrickles.push({ candidate: c, at: this.clock.now() });
      else this.dropLog.run((held) => handle.log.warn(`more than ${MAX_PENDING_TRICKLES} early candidates: the rest are dropped${held > 0 ? ` (${held} more drops not logged)` : ''}`));
    }
  }

  /** Detaches a handle: plugin told, PeerConnection closed, `detached` emitted last. */
  detach(handle: Handle): void {
    if (handle.detached) return;
    handle.hangup('Detach');
    handle.stopCapture();
    handle.detached = true;
    handle.session.handles.delete(handle.id);
    try {
      handle.plugin.destroySession(handle);
    } catch (err) {
      handle.log.error(`plugin destroy_session failed: ${String(err)}`);
    }
    handle.emit({ janus: 'detached' });
    handle.log.info('handle detached');
    this.handleEvent(handle, 'detached');
  }

  endHandle(handle: Handle): void {
    this.detach(handle);
  }

  destroySession(session: Session, reason: 'destroyed' | 'timeout'): void {
    if (session.destroyed) return;
    for (const h of [...session.handles.values()]) this.detach(h);
    if (reason === 'timeout') session.sink.deliver(session.id, { janus: 'timeout', session_id: session.id });
    session.destroyed = true;
    this.sessions.delete(session.id);
    session.sink.sessionOver?.(session.id, reason);
    this.log.info(reason === 'timeout' ? 'session timed out' : 'session destroyed', { session: session.id });
    if (this.events.wants(EventType.SESSION)) this.events.notify(EventType.SESSION, EventSubtype.NONE, { name: reason }, { sessionId: session.id });
  }

  /** Every events.stats_period: each PeerConnection's stream statistics, one event a stream or one for all. */
  mediaStatsEvents(): void {
    const events = this.events;
    if (!events.wants(EventType.MEDIA)) return;
    for (const s of this.sessions.values()) {
      for (const h of s.handles.values()) {
        if (!h.webrtcUp) continue;
        let stats: readonly JsonObject[];
        try {
          stats = h.media?.eventStats?.() ?? [];
        } catch (err) {
          this.internalFault('media statistics for event handlers', err, { session: s.id, handle: h.id });
          continue;
        }
        if (stats.length === 0) continue;
        if (events.combineMediaStats) h.notifyHandlers(EventType.MEDIA, EventSubtype.MEDIA_STATS, stats);
        else for (const info of stats) h.notifyHandlers(EventType.MEDIA, EventSubtype.MEDIA_STATS, info);
      }
    }
  }

  /** Janus's periodic core event: how many sessions, handles and PeerConnections there are. */
  statusEvent(): void {
    if (!this.events.wants(EventType.CORE)) return;
    let handles = 0;
    let peerconnections = 0;
    for (const s of this.sessions.values()) {
      handles += s.handles.size;
      for (const h of s.handles.values()) if (h.webrtcUp) peerconnections++;
    }
    const info = { sessions: this.sessions.size, handles, peerconnections, 'stats-period': this.events.statsPeriod };
    this.events.notify(EventType.CORE, EventSubtype.CORE_STARTUP, { status: 'update', info });
  }

  /** A transport connection closed: its sessions are destroyed now, or wait for a `claim` if reclaiming is on. */
  transportGone(sink: EventSink): void {
    for (const s of [...this.sessions.values()]) {
      if (s.sink !== sink) continue;
      if (this.settings.reclaimSessionTimeout < 1) this.destroySession(s, 'destroyed');
      else {
        s.transportGone = true;
        this.log.info('transport gone, session waits to be claimed', { session: s.id });
      }
    }
  }

  effectiveTimeout(session: Session): number {
    return session.timeoutOverride >= 0 ? session.timeoutOverride : this.settings.sessionTimeout;
  }

  /** The watchdog: expires idle sessions and unclaimed ones. */
  checkTimeouts(): void {
    const now = this.clock.now();
    for (const s of [...this.sessions.values()]) {
      const idle = (now - s.lastActivity) / 1000;
      if (s.transportGone && idle >= this.settings.reclaimSessionTimeout) {
        this.destroySession(s, 'destroyed');
        continue;
      }
      const timeout = this.effectiveTimeout(s);
      if (timeout > 0 && idle >= timeout) this.destroySession(s, 'timeout');
    }
    // Early trickles older than candidates_timeout are dropped.
    const limit = this.settings.candidatesTimeout * 1000;
    for (const s of this.sessions.values()) {
      for (const h of s.handles.values()) {
        if (h.pendingTrickles.length > 0) h.pendingTrickles = h.pendingTrickles.filter((t) => now - t.at < limit);
      }
    }
  }
}

function parseCandidate(raw: unknown): RemoteCandidate {
  if (!isJsonObject(raw)) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, 'Invalid element type (candidate should be an object)');
  if (raw.completed === true) return { completed: true };
  checkFields(raw, [
    { name: 'candidate', type: 'string', required: true },
    { name: 'sdpMid', type: 'string' },
    { name: 'sdpMLineIndex', type: 'positive' },
  ]);
  if (raw.sdpMid === undefined && raw.sdpMLineIndex === undefined) {
    throw new JanusError(ErrorCode.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (sdpMid|sdpMLineIndex)');
  }
  return { candidate: raw.candidate as string, sdpMid: raw.sdpMid as string | undefined, sdpMLineIndex: raw.sdpMLineIndex as number | undefined };
}

/** `min_port`/`max_port` of an attach (as Janus 1.4): both or neither, 1-65535, min not above max. */
function attachPortRange(request: JsonObject): { min: number; max: number } | undefined {
  const min = request.min_port as number | undefined;
  const max = request.max_port as number | undefined;
  if (min === undefined && max === undefined) return undefined;
  if (min === undefined) throw new JanusError(ErrorCode.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (min_port)');
  if (max === undefined) throw new JanusError(ErrorCode.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (max_port)');
  if (min < 1 || max > 65535 || min > max)
    throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, `Invalid port range ${min}-${max} (min_port and max_port must be 1-65535, min_port not above max_port)`);
  return { min, max };
}

/** The minimum an SDP must have when no media layer is there to judge it. */
export function basicSdpProblem(sdp: string): string | undefined {
  if (!/^v=0\r?\n/.test(sdp)) return 'it does not start with v=0';
  if (!/\r?\nm=/.test(sdp)) return 'it has no m= line';
  return undefined;
}

/** An id for an error reason: digits up to 64 bits (never exponent notation), no 300-digit numbers. */
function idText(id: number): string {
  return Number.isFinite(id) && Math.abs(id) < 2 ** 64 ? BigInt(Math.trunc(id)).toString() : '(out of range)';
}

// The Admin API: inspection and control of the running gateway, guarded by admin_secret.
import { LogLevel, type Logger } from '../logging/logger.js';
import { ErrorCode, JanusError } from './errors.js';
import { EventSubtype, EventType } from './event-notifier.js';
import type { LocalSiblings } from './local-siblings.js';
import type { Gateway } from './gateway.js';
import type { Handle } from './handle.js';
import { isSafeId } from './json-bounds.js';
import { checkEnvelopeSizes } from './request-limits.js';
import type { Session } from './session.js';
import { checkFields, isJsonObject, optionalId, type JsonObject } from './validate.js';

export interface AdminSettings {
  adminSecret: string;
  /** Values reported by get_status and changed by the set_* requests. */
  noMediaTimer: number;
  slowlinkThreshold: number;
  minNackQueue: number;
  nackOptimizations: boolean;
}

/** Something that reports event-loop lag (core/loop-lag.ts), for get_status. */
export interface LagSource {
  status(): JsonObject;
}

/** The cluster this node is in (cluster/cluster-node.ts): a summary for get_status, the whole for cluster_info. */
export interface ClusterSource {
  status(): JsonObject;
  info(): JsonObject;
}

/** Admin requests that change the server's settings or tokens: with local nodes, made on every node. */
const SIBLING_CHANGES = new Set([
  'set_session_timeout',
  'set_log_level',
  'set_log_timestamps',
  'set_log_colors',
  'set_locking_debug',
  'set_refcount_debug',
  'set_libnice_debug',
  'set_min_nack_queue',
  'set_nack_optimizations',
  'set_no_media_timer',
  'set_slowlink_threshold',
  'accept_new_sessions',
  'add_token',
  'allow_token',
  'disallow_token',
  'remove_token',
]);

export class AdminApi {
  constructor(
    private readonly gateway: Gateway,
    private readonly settings: AdminSettings,
    private readonly log: Logger,
    private readonly loopLag?: LagSource,
    private readonly cluster?: ClusterSource,
    /** The other local nodes of this machine (cluster.local_nodes). */
    private readonly siblings?: LocalSiblings,
  ) {}

  /**
   * Processes one Admin API request; never throws. With local nodes, a request about a sibling's session is
   * answered by it, `list_sessions` lists every node's and a change of settings or tokens is made on all;
   * `carry` is false for a request a sibling carried here.
   */
  async handle(request: unknown, carry = true): Promise<JsonObject> {
    try {
      return await this.process(request, carry ? this.siblings : undefined);
    } catch (err) {
      return this.gateway.errorReply(request, err);
    }
  }

  private async process(request: unknown, siblings: LocalSiblings | undefined): Promise<JsonObject> {
    if (!isJsonObject(request)) throw new JanusError(ErrorCode.INVALID_JSON_OBJECT, 'JSON error: not an object');
    checkFields(request, [
      { name: 'transaction', type: 'string', required: true },
      { name: 'janus', type: 'string', required: true },
      { name: 'session_id', type: 'integer' },
      { name: 'handle_id', type: 'integer' },
    ]);
    checkEnvelopeSizes(request);
    const transaction = request.transaction as string;
    const verb = (request.janus as string).toLowerCase();
    const sessionId = optionalId(request, 'session_id');
    const handleId = optionalId(request, 'handle_id');

    if (sessionId === undefined && handleId === undefined) {
      if (verb === 'info') return { janus: 'server_info', transaction, ...this.gateway.info() };
      if (verb === 'ping') return { janus: 'pong', transaction };
      this.checkSecret(request);
      const answer: JsonObject = { janus: 'success', transaction, ...(await this.global(verb, request)) };
      return siblings ? this.acrossSiblings(siblings, verb, request, answer) : answer;
    }
    const owner = siblings && sessionId !== undefined && isSafeId(sessionId) ? siblings.ownerOfSession(sessionId) : undefined;
    if (siblings && owner !== undefined) return siblings.admin(owner, request);
    if (sessionId === undefined || !isSafeId(sessionId)) throw new JanusError(ErrorCode.SESSION_NOT_FOUND, `No such session ${sessionId ?? 0}`);
    if (handleId !== undefined && !isSafeId(handleId)) throw new JanusError(ErrorCode.SESSION_NOT_FOUND, `No such handle ${String(handleId)}`);
    this.checkSecret(request);
    const session = this.gateway.sessions.get(sessionId);
    if (!session) throw new JanusError(ErrorCode.SESSION_NOT_FOUND, `No such session ${sessionId}`);
    if (handleId === undefined) return { janus: 'success', transaction, session_id: sessionId, ...this.sessionLevel(verb, request, session) };
    const handle = session.handles.get(handleId);
    if (!handle) throw new JanusError(ErrorCode.HANDLE_NOT_FOUND, `No such handle ${handleId} in session ${sessionId}`);
    return { janus: 'success', transaction, session_id: sessionId, handle_id: handleId, ...this.handleLevel(verb, request, handle) };
  }

  /** What the other local nodes add to a request made here: their sessions, or the same change made on them. */
  private async acrossSiblings(siblings: LocalSiblings, verb: string, request: JsonObject, answer: JsonObject): Promise<JsonObject> {
    if (verb !== 'list_sessions' && !SIBLING_CHANGES.has(verb)) return answer;
    const theirs = await Promise.all(siblings.others().map((i) => siblings.admin(i, request)));
    if (verb === 'list_sessions' && Array.isArray(answer.sessions)) {
      for (const t of theirs) if (Array.isArray(t.sessions)) answer.sessions.push(...t.sessions.filter((id) => typeof id === 'number'));
    }
    for (const t of theirs) if (t.janus === 'error') this.log.warn(`Admin ${verb} not made on every local node: ${JSON.stringify(t.error)}`, { component: 'admin' });
    return answer;
  }

  private checkSecret(request: JsonObject): void {
    const secret = this.settings.adminSecret;
    if (secret && request.admin_secret !== secret) throw new JanusError(ErrorCode.UNAUTHORIZED);
  }

  private unhandled(verb: string): never {
    throw new JanusError(ErrorCode.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`);
  }

  private async global(verb: string, r: JsonObject): Promise<JsonObject> {
    const g = this.gateway;
    const tokens = g.tokens;
    switch (verb) {
      case 'list_sessions':
        return { sessions: [...g.sessions.keys()] };
      case 'get_status':
        return {
          status: {
            token_auth: tokens.enabled,
            session_timeout: g.settings.sessionTimeout,
            reclaim_session_timeout: g.settings.reclaimSessionTimeout,
            candidates_timeout: g.settings.candidatesTimeout,
            log_level: this.log.level,
            log_timestamps: this.log.timestamps,
            log_colors: false,
            locking_debug: false,
            refcount_debug: false,
            min_nack_queue: this.settings.minNackQueue,
            'nack-optimizations': this.settings.nackOptimizations,
            no_media_timer: this.settings.noMediaTimer,
            slowlink_threshold: this.settings.slowlinkThreshold,
            accepting_new_sessions: g.settings.acceptNewSessions,
            // Not in Janus: what the server did to protect itself, and how late its event loop runs.
            events_dropped: g.stats.eventsDropped,
            slow_connections_closed: g.stats.slowConnectionsClosed,
            internal_faults: g.stats.internalFaults,
            ...(this.loopLag ? { event_loop_lag: this.loopLag.status() } : {}),
            ...(g.events.enabled ? { event_handlers: g.events.status() } : {}),
            ...(g.media?.status ? g.media.status() : {}),
            ...(this.cluster ? { cluster: this.cluster.status() } : {}),
            memory: memoryStatus(),
          },
        };
      case 'cluster_info':
        // Not in Janus: the nodes of the cluster (docs/cluster.md); a single node says it is in none.
        return { cluster: this.cluster ? this.cluster.info() : { enabled: false } };
      case 'set_session_timeout': {
        checkFields(r, [{ name: 'timeout', type: 'positive', required: true }]);
        g.settings.sessionTimeout = r.timeout as number;
        return { timeout: g.settings.sessionTimeout };
      }
      case 'set_log_level': {
        checkFields(r, [{ name: 'level', type: 'positive', required: true }]);
        const level = r.level as number;
        if (level > LogLevel.DEBUG) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, `Invalid element type (level should be between ${LogLevel.NONE} and ${LogLevel.DEBUG})`);
        this.log.setLevel(level);
        return { level };
      }
      case 'set_log_timestamps': {
        checkFields(r, [{ name: 'timestamps', type: 'boolean', required: true }]);
        this.log.setTimestamps(r.timestamps as boolean);
        return { log_timestamps: this.log.timestamps };
      }
      case 'set_min_nack_queue':
        checkFields(r, [{ name: 'min_nack_queue', type: 'positive', required: true }]);
        this.settings.minNackQueue = r.min_nack_queue as number;
        return { min_nack_queue: this.settings.minNackQueue };
      case 'set_nack_optimizations':
        checkFields(r, [{ name: 'nack_optimizations', type: 'boolean', required: true }]);
        this.settings.nackOptimizations = r.nack_optimizations as boolean;
        return { 'nack-optimizations': this.settings.nackOptimizations };
      case 'set_no_media_timer':
        checkFields(r, [{ name: 'no_media_timer', type: 'positive', required: true }]);
        this.settings.noMediaTimer = r.no_media_timer as number;
        return { no_media_timer: this.settings.noMediaTimer };
      case 'set_slowlink_threshold':
        checkFields(r, [{ name: 'slowlink_threshold', type: 'positive', required: true }]);
        this.settings.slowlinkThreshold = r.slowlink_threshold as number;
        return { slowlink_threshold: this.settings.slowlinkThreshold };
      case 'accept_new_sessions':
        checkFields(r, [{ name: 'accept', type: 'boolean', required: true }]);
        g.settings.acceptNewSessions = r.accept as boolean;
        return { accept: g.settings.acceptNewSessions };
      case 'add_token': {
        this.requireStoredTokens();
        checkFields(r, [
          { name: 'token', type: 'string', required: true },
          { name: 'plugins', type: 'string-array' },
        ]);
        const plugins = (r.plugins as string[] | undefined) ?? g.plugins.all().map((p) => p.descriptor.package);
        this.checkPlugins(plugins);
        tokens.add(r.token as string, plugins);
        return { data: { plugins } };
      }
      case 'list_tokens':
        this.requireStoredTokens();
        return { data: { tokens: tokens.list() } };
      case 'allow_token':
      case 'disallow_token': {
        this.requireStoredTokens();
        checkFields(r, [
          { name: 'token', type: 'string', required: true },
          { name: 'plugins', type: 'string-array', required: true },
        ]);
        const plugins = r.plugins as string[];
        if (plugins.length === 0) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, 'Invalid element type (plugins should be a non-empty array)');
        if (!tokens.has(r.token as string)) throw new JanusError(ErrorCode.TOKEN_NOT_FOUND, `Token ${r.token as string} not found`);
        this.checkPlugins(plugins);
        const now = verb === 'allow_token' ? tokens.allow(r.token as string, plugins) : tokens.disallow(r.token as string, plugins);
        return { data: { plugins: now } };
      }
      case 'remove_token':
        this.requireStoredTokens();
        checkFields(r, [{ name: 'token', type: 'string', required: true }]);
        if (!tokens.remove(r.token as string)) throw new JanusError(ErrorCode.TOKEN_NOT_FOUND, `Token ${r.token as string} not found`);
        return {};
      case 'message_plugin': {
        checkFields(r, [
          { name: 'plugin', type: 'string', required: true },
          { name: 'request', type: 'object', required: true },
        ]);
        const plugin = g.plugins.get(r.plugin as string);
        if (!plugin) throw new JanusError(ErrorCode.PLUGIN_NOT_FOUND, `Invalid plugin`);
        if (!plugin.handleAdminMessage) throw new JanusError(ErrorCode.UNKNOWN, 'Plugin does not support Admin API messages');
        return { response: await plugin.handleAdminMessage(r.request as JsonObject) };
      }
      case 'query_transport': {
        checkFields(r, [
          { name: 'transport', type: 'string', required: true },
          { name: 'request', type: 'object', required: true },
        ]);
        const transport = g.transportQueries.get(r.transport as string);
        if (!transport) throw new JanusError(ErrorCode.PLUGIN_NOT_FOUND, 'Invalid transport');
        return { response: transport.query(r.request) };
      }
      case 'loops_info':
        // One event loop serves every handle in Node (Janus's static loops are threads that share them out).
        return { loops: [{ id: 0, handles: [...g.sessions.values()].reduce((n, s) => n + s.handles.size, 0) }] };
      case 'custom_logline': {
        checkFields(r, [
          { name: 'line', type: 'string', required: true },
          { name: 'level', type: 'positive' },
        ]);
        // As Janus: a level outside 0-7 logs at info.
        const level = r.level as number | undefined;
        this.log.log(level !== undefined && level <= LogLevel.DEBUG ? level : LogLevel.INFO, r.line as string, { component: 'admin' });
        return {};
      }
      case 'custom_event': {
        checkFields(r, [
          { name: 'schema', type: 'string', required: true },
          { name: 'data', type: 'object', required: true },
        ]);
        // External events (type 4): whatever an outside script wants the handlers to hear, under its schema.
        if (g.events.wants(EventType.EXTERNAL)) g.events.notify(EventType.EXTERNAL, EventSubtype.NONE, { schema: r.schema, data: r.data });
        return {};
      }
      case 'query_eventhandler': {
        checkFields(r, [
          { name: 'handler', type: 'string', required: true },
          { name: 'request', type: 'object' },
        ]);
        const response = g.events.query(r.handler as string, r.request);
        if (response === undefined) throw new JanusError(ErrorCode.PLUGIN_NOT_FOUND, 'Invalid event handler');
        return { response };
      }
      default:
        return this.unhandled(verb);
    }
  }

  private requireStoredTokens(): void {
    if (!this.gateway.tokens.stored) throw new JanusError(ErrorCode.UNKNOWN, 'Stored-Token based authentication disabled');
  }

  private checkPlugins(plugins: readonly string[]): void {
    for (const p of plugins) {
      if (!this.gateway.plugins.get(p)) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, `Invalid element type (no such plugin '${p}')`);
    }
  }

  private sessionLevel(verb: string, r: JsonObject, session: Session): JsonObject {
    switch (verb) {
      case 'destroy_session':
        this.gateway.destroySession(session, 'destroyed');
        return {};
      case 'list_handles':
        return { handles: [...session.handles.keys()] };
      case 'set_session_timeout': {
        checkFields(r, [{ name: 'timeout', type: 'integer', required: true }]);
        const t = r.timeout as number;
        if (t < -1) throw new JanusError(ErrorCode.INVALID_ELEMENT_TYPE, 'Invalid element type (timeout should be an integer >= -1)');
        session.timeoutOverride = t;
        return { timeout: t };
      }
      default:
        return this.unhandled(verb);
    }
  }

  private handleLevel(verb: string, r: JsonObject, handle: Handle): JsonObject {
    switch (verb) {
      case 'detach_handle':
        this.gateway.detach(handle);
        return {};
      case 'hangup_webrtc':
        handle.hangup('Admin API');
        return {};
      case 'handle_info': {
        checkFields(r, [{ name: 'plugin_only', type: 'boolean' }]);
        return { info: this.handleInfo(handle, r.plugin_only === true) };
      }
      case 'start_pcap':
      case 'start_text2pcap': {
        checkFields(r, [
          { name: 'folder', type: 'string' },
          { name: 'filename', type: 'string' },
          { name: 'truncate', type: 'positive' },
        ]);
        handle.startCapture({
          text: verb === 'start_text2pcap',
          ...(typeof r.folder === 'string' ? { folder: r.folder } : {}),
          ...(typeof r.filename === 'string' ? { filename: r.filename } : {}),
          truncate: (r.truncate as number | undefined) ?? 0,
        });
        return {};
      }
      case 'stop_pcap':
      case 'stop_text2pcap':
        if (!handle.stopCapture()) throw new JanusError(ErrorCode.UNKNOWN, 'Capture not started');
        return {};
      default:
        return this.unhandled(verb);
    }
  }

  private handleInfo(handle: Handle, pluginOnly: boolean): JsonObject {
    let pluginSpecific: JsonObject = {};
    try {
      pluginSpecific = handle.plugin.querySession?.(handle) ?? {};
    } catch (err) {
      handle.log.warn(`plugin query_session failed: ${String(err)}`);
    }
    const s = handle.session;
    const now = this.gateway.now();
    const info: JsonObject = {
      session_id: s.id,
      session_last_activity: Math.round((now - s.lastActivity) * 1000),
      session_timeout: this.gateway.effectiveTimeout(s),
      session_transport: s.sink.transport,
      session_events_dropped: s.eventsDropped,
      handle_id: handle.id,
    };
    if (handle.opaqueId !== undefined) info.opaque_id = handle.opaqueId;
    if (handle.token !== undefined) info.token = handle.token;
    info.created = Math.round((now - handle.createdAt) * 1000);
    info.current_time = Math.round(now * 1000);
    info.plugin = handle.plugin.descriptor.package;
    info.plugin_specific = pluginSpecific;
    if (pluginOnly) return info;
    info.flags = {
      'got-offer': handle.gotOffer,
      'got-answer': handle.gotAnswer,
      negotiated: handle.gotAnswer,
      ready: handle.webrtcUp,
      stopped: handle.media === undefined,
      trickle: true,
      'all-trickles': handle.trickleCompleted,
    };
    info['pending-trickles'] = handle.pendingTrickles.length;
    if (handle.capture) {
      const c = handle.capture;
      info[c.request.text ? 'dump-to-text2pcap' : 'dump-to-pcap'] = true;
      info[c.request.text ? 'text2pcap-file' : 'pcap-file'] = c.path;
      // Not in Janus: what was written, and what a slow disk cost.
      info['capture-packets'] = c.captured;
      info['capture-dropped'] = c.dropped;
    }
    info.webrtc = handle.media ? handle.media.info() : {};
    return info;
  }
}

/** The process's memory (bytes) for get_status: what the bench divides per viewer, heap and resident set. */
function memoryStatus(): JsonObject {
  const m = process.memoryUsage();
  return { heap_used: m.heapUsed, heap_total: m.heapTotal, external: m.external, array_buffers: m.arrayBuffers, rss: m.rss };
}

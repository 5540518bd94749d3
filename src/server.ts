// Assembles a running Portunus: network probe, core, plugins, transports.
import { join, resolve } from 'node:path';
import { JcfgStateFile } from './config/state-file.js';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { AdminApi } from './core/admin.js';
import { Gateway } from './core/gateway.js';
import { mediaLinkOf } from './core/handle.js';
import { PlainRelayGroup } from './core/plain-relay-group.js';
import { LoopLagMonitor } from './core/loop-lag.js';
import { PluginRefusedError, PluginRegistry } from './core/plugin-registry.js';
import { TokenStore } from './core/tokens.js';
import { API_VERSION, API_VERSION_STRING, PORTUNUS_VERSION } from './core/version.js';
import type { MediaFactory } from './core/media-port.js';
import type { JsonObject } from './core/validate.js';
import type { Config } from './config/load.js';
import { EventSubtype, EventType, NO_EVENTS, type EventNotifier } from './core/event-notifier.js';
import { EventBus } from './events/event-bus.js';
import { EVENT_HANDLER_KINDS } from './events/catalog.js';
import type { PluginCluster, PluginEvents, PluginHandle, PluginTokens } from './plugin-api/plugin.js';
import { Logger } from './logging/logger.js';
import { nativeAddon, nativeAddonStatus } from './native/native-addon.js';
import { discoverNetworkHost, type NetworkHost } from './net/network-host.js';
import { HostNetwork } from './net/host-network.js';
import type { ListeningAddress, Network } from './net/network.js';
import { formatEndpoint } from './net/bind-error.js';
import type { Plugin } from './plugin-api/plugin.js';
import { PLUGIN_CATALOG } from './plugins/catalog.js';
import { MetricsHttp } from './metrics/metrics-http.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { RestTransport } from './transports/rest.js';
import { readJsonPost } from './transports/http-json.js';
import type { LocalNodeIdentity } from './cluster/local-node-identity.js';
import { LINK_ADMIN_PATH, LocalNodeLink } from './transports/local-node-link.js';
import { isLinkTable, linkAnnouncement } from './cluster/local-node-links.js';
import { DemoSite, type DemoEndpoints } from './transports/demo-site.js';
import { AdminRestTransport } from './transports/admin-rest.js';
import { WebSocketTransport } from './transports/websocket.js';
import { WhipTransport } from './transports/whip/whip-http.js';
import { generalSettings, isTrue } from './plugins/plugin-settings.js';
import { PFUNIX_PACKAGE, UnixSocketTransport, unixSocketType } from './transports/unix-socket.js';
import { unixSocketsUnavailable } from './net/unix-socket.js';
import { TransportTweaks, type TweakableTransport } from './transports/transport-tweaks.js';
import { BrokerTransport, type BrokerWire } from './transports/broker-transport.js';
import { BackendSettingsError } from './brokers/broker-settings.js';
import type { ClusterNode } from './cluster/cluster-node.js';
import type { LoadReading } from './cluster/load-sampler.js';
import { pluginDoor } from './cluster/plugin-door.js';
import { takeMediaSnapshot } from './metrics/media-snapshot.js';
import { accessList, aclAllows, forwardedAllowed, type AccessList } from './transports/address-acl.js';

const METRICS_LISTENER = 'Metrics (http)';

export interface ServerOptions {
  readonly config: Config;
  readonly log?: Logger;
  /** Overrides the start-up network probe (tests). */
  readonly networkHost?: NetworkHost;
  /** Builds the WebRTC media layer; absent = signalling only. */
  readonly mediaFactory?: (network: Network, config: Config, log: Logger) => MediaFactory;
  /** Extra plugins (tests). */
  readonly extraPlugins?: readonly Plugin[];
  /** This process is one of the machine's local nodes (cluster.local_nodes), started by their supervisor. */
  readonly localNode?: LocalNodeIdentity;
}

export interface ListenerInfo extends ListeningAddress {
  readonly name: string;
}

/** The plugins Portunus ships (plugins/catalog.ts) that the configuration leaves enabled, loaded. */
async function builtinPlugins(disabled: ReadonlySet<string>, log: Logger): Promise<Plugin[]> {
  const out: Plugin[] = [];
  for (const entry of PLUGIN_CATALOG) {
    if (disabled.has(entry.package)) {
      log.info(`plugin disabled by configuration: ${entry.package}`);
      continue;
    }
    const plugin = await entry.load();
    if (plugin.descriptor.package !== entry.package) throw new Error(`plugins/catalog.ts names ${entry.package} but the plugin says ${plugin.descriptor.package}`);
    out.push(plugin);
  }
  return out;
}

export class PortunusServer {
  readonly log: Logger;
  readonly listeners: ListenerInfo[] = [];
  network!: Network;
  gateway!: Gateway;
  private readonly servers: Server[] = [];
  private readonly closers: Array<() => void> = [];
  /** Closed after the core stopped, so that its last events still reach the broker. */
  private readonly brokerTransports: BrokerTransport<unknown, unknown>[] = [];
  private plugins = new PluginRegistry();
  private loopLag: LoopLagMonitor | undefined;
  private media: MediaFactory | undefined;
  /** The metrics behind the metrics listener (metrics.enabled). */
  metrics: ServerMetrics | undefined;
  private eventBus: EventBus | undefined;
  /** The event handlers (NO_EVENTS until started, or when events.broadcast is off). */
  events: EventNotifier = NO_EVENTS;
  /** Whether a Unix socket transport is up (info's transports list it). */
  private unixSocketsServed = false;
  /** This node in its cluster (cluster.nats), if any. */
  cluster: ClusterNode | undefined;
  /** Which of this machine's local nodes this process is (cluster.local_nodes), and its link to the others. */
  private readonly localNode: LocalNodeIdentity | undefined;
  private readonly siblings: LocalNodeLink | undefined;
  private doors: Map<string, PluginCluster> | undefined;

  constructor(private readonly options: ServerOptions) {
    const g = options.config.core.general;
    this.log = options.log ?? Logger.create({ level: g.log_level, format: g.log_format === 'json' ? 'json' : 'text', timestamps: g.log_timestamps });
    this.localNode = options.localNode;
    this.siblings = options.localNode ? new LocalNodeLink(options.localNode, this.log.child({ component: 'cluster' })) : undefined;
  }

  get config(): Config {
    return this.options.config;
  }

  async start(): Promise<void> {
    const { core } = this.options.config;
    const log = this.log;
    for (const w of this.options.config.warnings) log.warn(`config: ${w}`);
    log.info(`Portunus ${PORTUNUS_VERSION} starting (settings from ${this.options.config.sources.join(', ')})`);

    const host = this.options.networkHost ?? (await discoverNetworkHost());
    if (!host.ipv6Available) log.warn(`IPv6 is unavailable on this host (${host.ipv6Reason ?? 'unknown reason'}): every socket will be IPv4 only`, { component: 'net' });
    else log.info('IPv6 available: sockets without an explicit address are dual-stack', { component: 'net' });
    this.network = new HostNetwork(host, (m) => log.warn(m, { component: 'net' }));

    const disabled = new Set(
      core.plugins.disable
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
    const extra = (this.options.extraPlugins ?? []).filter((p) => {
      if (disabled.has(p.descriptor.package)) log.info(`plugin disabled by configuration: ${p.descriptor.package}`);
      return !disabled.has(p.descriptor.package);
    });
    for (const p of [...(await builtinPlugins(disabled, log)), ...extra]) {
      try {
        this.plugins.register(p);
      } catch (err) {
        if (!(err instanceof PluginRefusedError)) throw err;
        log.error(err.message);
      }
    }
    // Before the plugins, which may tell them of rooms they create at init.
    this.eventBus = await EventBus.start({
      broadcast: core.events.broadcast,
      // Package names, or Janus's file names (libjanus_sampleevh.so) as a janus.jcfg copied by hand has them.
      disabled: new Set(
        core.events.disable
          .split(',')
          .map((x) => x.trim().replace(/^libjanus_(\w+)\.so$/, 'janus.eventhandler.$1'))
          .filter((x) => x !== ''),
      ),
      statsPeriod: core.events.stats_period,
      combineMediaStats: core.events.combine_media_stats,
      emitter: core.general.server_name,
      kinds: EVENT_HANDLER_KINDS,
      settings: this.options.config.eventHandlers,
      network: this.network,
      log,
    });
    const events = (this.events = this.eventBus);
    const pluginEvents = (pkg: string): PluginEvents => ({
      get enabled() {
        return events.wants(EventType.PLUGIN);
      },
      notify(data, handle?: PluginHandle) {
        if (handle) handle.notifyEvent(data);
        else if (events.wants(EventType.PLUGIN)) events.notify(EventType.PLUGIN, EventSubtype.NONE, { plugin: pkg, data });
      },
    });
    const tokens = new TokenStore({ enabled: core.general.token_auth, secret: core.general.token_auth_secret || undefined });
    const pluginTokens = (pkg: string): PluginTokens => ({
      signed: tokens.signed,
      signatureContains: (token, descriptor) => tokens.signatureContains(typeof token === 'string' ? token : undefined, pkg, descriptor),
    });
    // Made before the plugins (their door to it), started once the gateway serves.
    this.cluster = await this.makeCluster();
    // Before the plugins, which may make relay groups of the media layer at init (configured mountpoints).
    const media = this.options.mediaFactory?.(this.network, this.options.config, log);
    this.media = media;
    await this.plugins.initAll(
      (p) => ({
        log: log.child({ plugin: p.descriptor.package }),
        network: this.network,
        config: this.options.config.plugins[p.descriptor.package] ?? {},
        state: core.general.state_dir ? new JcfgStateFile(join(core.general.state_dir, `${p.descriptor.package}.jcfg`)) : undefined,
        recordingsDir: resolve(core.general.recordings_dir || 'recordings'),
        relayGroup: () => media?.createRelayGroup?.(mediaLinkOf) ?? new PlainRelayGroup(),
        events: pluginEvents(p.descriptor.package),
        tokens: pluginTokens(p.descriptor.package),
        placement: this.pluginDoor(p.descriptor.package),
        cluster: this.pluginDoor(p.descriptor.package),
      }),
      log,
    );

    if (media) {
      // One line, either way: which send path this server runs on.
      if (nativeAddon()) log.info('native addon loaded: SRTP in C, shared-port sends batched with sendmmsg', { component: 'native' });
      else log.info(`native addon not in use (${nativeAddonStatus()}): SRTP and sends in TypeScript`, { component: 'native' });
    }
    await media?.start?.();
    this.gateway = new Gateway({
      settings: {
        sessionTimeout: core.general.session_timeout,
        reclaimSessionTimeout: core.general.reclaim_session_timeout,
        candidatesTimeout: core.general.candidates_timeout,
        apiSecret: core.general.api_secret,
        acceptNewSessions: core.general.accept_new_sessions,
        opaqueIdInApi: core.general.opaqueid_in_api,
      },
      plugins: this.plugins,
      tokens,
      log,
      media,
      events,
      serverInfo: () => this.serverInfo(),
      sessionIds: this.localNode,
    });
    this.gateway.start();
    this.loopLag = new LoopLagMonitor({ warnMs: core.general.event_loop_lag_warn }, log);
    this.loopLag.start();
    this.cluster?.start();
    const admin = new AdminApi(
      this.gateway,
      {
        adminSecret: core.general.admin_secret,
        noMediaTimer: core.media.no_media_timer,
        slowlinkThreshold: core.media.slowlink_threshold,
        minNackQueue: core.media.min_nack_queue,
        nackOptimizations: core.media.nack_optimizations,
      },
      log,
      this.loopLag,
      this.cluster,
      this.siblings,
    );

    if (core.metrics.enabled) {
      this.metrics = new ServerMetrics({ gateway: this.gateway, plugins: this.plugins, loopLag: this.loopLag, log, processMetrics: core.metrics.process_metrics, cluster: this.cluster });
    }

    try {
      await this.startTransports(admin);
    } catch (err) {
      await this.stop();
      throw err;
    }
    // As Janus once it is up: the core's startup event with what server_info says.
    if (events.wants(EventType.CORE)) events.notify(EventType.CORE, EventSubtype.CORE_STARTUP, { status: 'started', info: this.serverInfo() });
  }

  private async startTransports(admin: AdminApi): Promise<void> {
    const { http, websockets, certificates } = this.options.config.core;
    const log = this.log;
    const cors = { allowOrigin: http.allow_origin, enforce: http.enforce_cors };
    const tls = (): { key: Buffer; cert: Buffer; passphrase?: string } => {
      if (!certificates.cert_pem || !certificates.cert_key) throw new Error('https/wss need certificates.cert_pem and certificates.cert_key');
      return { cert: readFileSync(certificates.cert_pem), key: readFileSync(certificates.cert_key), passphrase: certificates.cert_pwd || undefined };
    };
    // Half-sent headers and stalled bodies are cut off; Node checks at this interval, so it follows the settings.
    // 0 turns a limit off; the headers limit cannot exceed the whole request's.
    const requestMs = Math.max(0, Math.round(http.request_timeout * 1000));
    const headersAsked = Math.max(0, Math.round(http.headers_timeout * 1000));
    const headersMs = requestMs > 0 && headersAsked > 0 ? Math.min(headersAsked, requestMs) : headersAsked;
    const shortest = Math.min(...[headersMs, requestMs].filter((v) => v > 0), 4000);
    const timeouts = { headersTimeout: headersMs, requestTimeout: requestMs, connectionsCheckingInterval: Math.max(100, Math.min(1000, shortest / 4)) };
    // Open connections per listener, for query_transport's `connections`.
    const open: Record<string, number> = {};
    const listen = async (name: string, secure: boolean, bind: string, port: number, wire: (s: Server) => void, countAs?: string, acl?: AccessList): Promise<void> => {
      const server = secure ? createHttpsServer({ ...tls(), ...timeouts }) : createHttpServer(timeouts);
      if (acl && acl.prefixes.length > 0) {
        // Janus's access lists: a connection from an address no prefix matches is closed before anything is read.
        server.on('connection', (socket: { remoteAddress?: string; destroy(): void }) => {
          if (aclAllows(acl.prefixes, socket.remoteAddress)) return;
          log.warn(`${name}: ${socket.remoteAddress ?? 'an unknown address'} is not in the access list; connection closed`, { component: 'transport' });
          socket.destroy();
        });
      }
      if (countAs !== undefined) {
        open[countAs] = 0;
        server.on(secure ? 'secureConnection' : 'connection', (socket: { once(event: 'close', listener: () => void): unknown }) => {
          open[countAs]++;
          socket.once('close', () => open[countAs]--);
        });
      }
      server.keepAliveTimeout = 65_000;
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
        if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
        else socket.destroy();
      });
      wire(server);
      // Local nodes share the public listeners; each has its own metrics port (it counts its own).
      const shared = this.siblings !== undefined && name !== METRICS_LISTENER;
      const at = await this.network.listenTcp(server, { what: name, bind, port, shared });
      this.servers.push(server);
      this.listeners.push({ name, ...at });
      log.info(`${name} listening on ${formatEndpoint(at.address, at.port)}`, { component: 'transport' });
    };

    // Both HTTP transports write JSON in one style, which query_transport's `configure` may change.
    const restSettings = { basePath: http.base_path, cors, maxBodySize: http.max_body_size, json: http.json, longPollMs: 30_000, maxQueuedEvents: http.max_queued_events };
    const adminRestSettings = { basePath: http.admin_base_path, cors, maxBodySize: http.max_body_size, json: http.json };
    const demos = http.demos ? new DemoSite(() => this.demoEndpoints(), log) : undefined;
    let rest: RestTransport | undefined;
    let whipOnRest: WhipTransport | undefined;
    if (http.http || http.https) {
      const transport = new RestTransport(this.gateway, restSettings, log, this.siblings);
      rest = transport;
      this.closers.push(() => transport.close());
      const acl = accessList(http.acl, http.acl_forwarded);
      const whip = http.whip ? this.whipTransport() : undefined;
      whipOnRest = whip;
      // The demo pages share these listeners unless they have their own: a GET of one of their paths is theirs.
      const pages = demos && http.demos_port === 0 ? demos : undefined;
      const onRequest = gatedRequests(acl, (req, res) => {
        if (whip?.claims(req.url)) whip.onRequest(req, res);
        else if (pages?.claims(req)) pages.serve(req, res);
        else transport.onRequest(req, res);
      });
      if (http.http) await listen('REST API (http)', false, http.ip || http.interface, http.port, (s) => s.on('request', onRequest), 'http', acl);
      if (http.https) await listen('REST API (https)', true, http.secure_ip || http.secure_interface, http.secure_port, (s) => s.on('request', onRequest), 'https', acl);
    }
    if (demos && http.demos_port !== 0) {
      const acl = accessList(http.acl, http.acl_forwarded);
      await listen('Demo pages (http)', false, http.demos_ip || http.demos_interface, http.demos_port, (s) => s.on('request', gatedRequests(acl, demos.serve)), undefined, acl);
    } else if (demos && !http.http && !http.https) {
      log.info('demo pages not served: no REST listener (http.http and http.https are off) and no http.demos_port', { component: 'http' });
    }
    const pagesAt = demos && this.listeners.find((l) => l.name === (http.demos_port !== 0 ? 'Demo pages (http)' : 'REST API (http)'));
    if (pagesAt) {
      const host = pagesAt.address === '0.0.0.0' || pagesAt.address === '::' ? '127.0.0.1' : pagesAt.address;
      log.info(`demo pages at http://${formatEndpoint(host, pagesAt.port)}/`, { component: 'http' });
    }
    if (http.admin_http || http.admin_https) {
      const adminRest = new AdminRestTransport(admin, adminRestSettings, log);
      const acl = accessList(http.admin_acl, http.admin_acl_forwarded);
      const onRequest = gatedRequests(acl, adminRest.onRequest);
      if (http.admin_http) await listen('Admin API (http)', false, http.admin_ip || http.admin_interface, http.admin_port, (s) => s.on('request', onRequest), 'admin_http', acl);
      if (http.admin_https) await listen('Admin API (https)', true, http.admin_secure_ip || http.admin_secure_interface, http.admin_secure_port, (s) => s.on('request', onRequest), 'admin_https', acl);
    }
    if (Object.keys(open).length > 0) {
      const tweakable: TweakableTransport = {
        notifyEvents: true,
        setJsonStyle: (style) => {
          restSettings.json = style;
          adminRestSettings.json = style;
        },
        connections: () => ({ connections: { ...open }, messages: rest?.waitingPolls ?? 0 }),
      };
      this.gateway.transportQueries.set('janus.transport.http', new TransportTweaks(tweakable, () => this.eventsEnabled()));
    }
    const metrics = this.metrics;
    if (metrics) {
      const m = this.options.config.core.metrics;
      // The Admin API's address list (Janus's admin_acl, with admin_acl_forwarded) guards the scrapes too.
      const acl = accessList(http.admin_acl, http.admin_acl_forwarded);
      const scrapes = new MetricsHttp(metrics, { path: m.path, secret: m.secret }, log);
      const onRequest = gatedRequests(acl, scrapes.onRequest);
      await listen(METRICS_LISTENER, false, m.ip || m.interface, m.port, (s) => s.on('request', onRequest), undefined, acl);
    }
    const wsSettings = {
      maxMessageSize: websockets.max_message_size,
      json: websockets.json,
      pingTrigger: websockets.pingpong_trigger,
      pingTimeout: websockets.pingpong_timeout,
      maxUnsentBytes: websockets.max_unsent_bytes,
      notifyEvents: websockets.events,
    };
    if (websockets.pingpong_trigger > 0 !== websockets.pingpong_timeout > 0) {
      log.warn('websockets.pingpong_trigger and pingpong_timeout are both needed for WebSocket pings: pings are off', { component: 'transport' });
    }
    const wsTransports: WebSocketTransport[] = [];
    const wsAcl = accessList(websockets.ws_acl, websockets.ws_acl_forwarded);
    const adminWsAcl = accessList(websockets.admin_ws_acl, websockets.admin_ws_acl_forwarded);
    const ws = (name: string, secure: boolean, bind: string, port: number, adminApi?: AdminApi): Promise<void> => {
      const transport = new WebSocketTransport(this.gateway, wsSettings, log, adminApi);
      wsTransports.push(transport);
      this.closers.push(() => transport.close());
      const acl = adminApi ? adminWsAcl : wsAcl;
      return listen(name, secure, bind, port, (s) => transport.attach(s, (req) => forwardedAllowed(acl, req.headers)), undefined, acl);
    };
    if (websockets.ws) await ws('WebSocket API (ws)', false, websockets.ws_ip || websockets.ws_interface, websockets.ws_port);
    if (websockets.wss) await ws('WebSocket API (wss)', true, websockets.wss_ip || websockets.wss_interface, websockets.wss_port);
    if (websockets.admin_ws) await ws('Admin WebSocket API (ws)', false, websockets.admin_ws_ip || websockets.admin_ws_interface, websockets.admin_ws_port, admin);
    if (websockets.admin_wss) await ws('Admin WebSocket API (wss)', true, websockets.admin_wss_ip || websockets.admin_wss_interface, websockets.admin_wss_port, admin);
    if (wsTransports.length > 0) {
      const tweakable: TweakableTransport = {
        notifyEvents: true,
        setJsonStyle: (style) => (wsSettings.json = style),
        connections: () => ({ connections: wsTransports.reduce((n, t) => n + t.connectionCount, 0) }),
      };
      this.gateway.transportQueries.set('janus.transport.websockets', new TransportTweaks(tweakable, () => this.eventsEnabled()));
    }
    this.startUnixSockets(admin);
    await this.startBrokerTransports(admin);
    await this.startLocalLink(admin, rest, whipOnRest);
  }

  /**
   * A local node's private listener on loopback (cluster.local_nodes): its siblings carry here the requests for
   * its sessions (REST, WHIP resources, Admin), which it serves as its own; the supervisor tells them the port.
   */
  private async startLocalLink(admin: AdminApi, rest: RestTransport | undefined, whip: WhipTransport | undefined): Promise<void> {
    const siblings = this.siblings;
    if (!siblings) return;
    const log = this.log;
    const server = createHttpServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      if (req.url === LINK_ADMIN_PATH && req.method === 'POST') {
        void readJsonPost(req, res, this.options.config.core.http.max_body_size, 'compact').then(async (parsed) => {
          if (!parsed) return;
          const answer = await admin.handle(parsed.value, false);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer));
        });
      } else if (whip?.claims(req.url)) whip.onLinkRequest(req, res);
      else if (rest) rest.onLinkRequest(req, res);
      else {
        res.writeHead(404);
        res.end();
      }
    });
    const at = await this.network.listenTcp(server, { what: 'Local node link', bind: '127.0.0.1', port: 0 });
    this.servers.push(server);
    this.closers.push(() => siblings.close());
    // The supervisor tells every node where the others listen, again whenever one starts.
    process.on('message', (m: unknown) => {
      if (isLinkTable(m)) siblings.setPorts(new Map(Object.entries(m.ports).map(([k, port]) => [Number(k), port])));
    });
    process.send?.(linkAnnouncement(siblings.index, at.port));
    log.info(`local node ${siblings.index + 1}: link for its siblings on ${formatEndpoint(at.address, at.port)}`, { component: 'cluster' });
  }

  /** This node in a cluster over NATS when cluster.nats names servers (docs/cluster.md); the nats library loads only then. */
  private async makeCluster(): Promise<ClusterNode | undefined> {
    const section = this.options.config.core.cluster;
    if (section.nats.trim() === '') return undefined;
    const [{ parseClusterSettings }, { ClusterNode }] = await Promise.all([import('./cluster/cluster-settings.js'), import('./cluster/cluster-node.js')]);
    let settings;
    try {
      settings = parseClusterSettings(section, this.localIp(), this.log);
    } catch (err) {
      // Like a broker transport that cannot start: this node serves alone.
      if (!(err instanceof BackendSettingsError)) throw err;
      this.log.error(`${err.message}; this node serves alone (no cluster)`, { component: 'cluster' });
      return undefined;
    }
    if (!settings) return undefined;
    return new ClusterNode({ settings, load: () => this.loadReading(), version: PORTUNUS_VERSION, log: this.log });
  }

  /** The cluster door of the plugins whose rooms span nodes (VideoRoom, Streaming), when this node is in a cluster. */
  private pluginDoor(pkg: string): PluginCluster | undefined {
    const kind = pkg === 'janus.plugin.videoroom' ? 'videoroom' : pkg === 'janus.plugin.streaming' ? 'streaming' : undefined;
    if (kind === undefined || !this.cluster) return undefined;
    this.doors ??= new Map();
    let door = this.doors.get(kind);
    if (!door) this.doors.set(kind, (door = pluginDoor(this.cluster, kind)));
    return door;
  }

  /** PeerConnections open and RTP bytes sent since start, for the cluster's load figures. */
  private loadReading(): LoadReading {
    // The cluster node is made before the gateway (its first reading then is zero).
    if ((this.gateway as Gateway | undefined) === undefined) return { peerconnections: 0, bytesSent: 0 };
    let peerconnections = 0;
    let bytesSent = 0;
    for (const p of takeMediaSnapshot(this.gateway, []).plugins.values()) {
      for (const n of p.peerConnections.values()) peerconnections += n;
      bytesSent += p.counters.audio.bytesSent + p.counters.video.bytesSent;
    }
    return { peerconnections, bytesSent };
  }

  /** Janus's MQTT and RabbitMQ transports and a NATS one (docs/transports.md); each client library loads only when used. */
  private async startBrokerTransports(admin: AdminApi): Promise<void> {
    const { mqtt, rabbitmq, nats } = this.options.config.core;
    const wanted = [
      { section: 'mqtt', settings: mqtt, wire: async () => (await import('./transports/mqtt-transport.js')).mqttWire(mqtt, this.log) },
      { section: 'rabbitmq', settings: rabbitmq, wire: async () => (await import('./transports/rabbitmq-transport.js')).rabbitWire(rabbitmq, this.log) },
      { section: 'nats', settings: nats, wire: async () => (await import('./transports/nats-transport.js')).natsWire(nats, this.log) },
    ];
    for (const w of wanted.filter((x) => x.settings.enabled || x.settings.admin_enabled)) {
      let wire: BrokerWire<unknown, unknown>;
      try {
        wire = await w.wire();
      } catch (err) {
        // As Janus: a transport that cannot start is left out; the others serve.
        if (!(err instanceof BackendSettingsError)) throw err;
        this.log.error(`${err.message}; transport not started (${w.section}.*)`, { component: 'transport' });
        continue;
      }
      const section = w.settings;
      const transport = new BrokerTransport(this.gateway, wire.apis.includes('admin') ? admin : undefined, wire, { json: section.json, notifyEvents: section.events }, this.log);
      transport.start();
      this.brokerTransports.push(transport);
      this.gateway.transportQueries.set(wire.package, new TransportTweaks(transport.tweakable(), () => this.eventsEnabled()));
    }
  }

  /** Janus's pfunix: the Janus API and the Admin API on Unix sockets (docs/transports.md). */
  private startUnixSockets(admin: AdminApi): void {
    const { pfunix } = this.options.config.core;
    const log = this.log;
    const warn = (message: string): void => log.warn(message, { component: 'transport' });
    const wanted = [
      { on: pfunix.enabled, name: 'Unix socket (Janus API)', path: pfunix.path, type: pfunix.type, adminApi: undefined },
      { on: pfunix.admin_enabled, name: 'Unix socket (Admin API)', path: pfunix.admin_path, type: pfunix.admin_type, adminApi: admin },
    ].filter((w) => w.on);
    if (wanted.length === 0) return;
    const unavailable = unixSocketsUnavailable();
    if (unavailable !== undefined) {
      log.error(`Unix socket transport not started: ${unavailable}`, { component: 'transport' });
      return;
    }
    const settings = { json: pfunix.json, notifyEvents: pfunix.events, maxMessageSize: pfunix.max_message_size, maxUnsentBytes: pfunix.max_unsent_bytes };
    const transports: UnixSocketTransport[] = [];
    for (const w of wanted) {
      // As Janus: enabled without a path is skipped with a warning.
      if (w.path === '') {
        warn(`${w.name}: no path configured (pfunix.${w.adminApi ? 'admin_path' : 'path'}), not started`);
        continue;
      }
      const type = unixSocketType(w.type, (m) => warn(`${w.name}: ${m}`));
      const transport = new UnixSocketTransport(this.gateway, settings, type, log, w.adminApi);
      transport.attach(this.network.openUnixListener({ what: w.name, path: w.path, type, maxMessageSize: settings.maxMessageSize }, transport.handlers));
      this.closers.push(() => transport.close());
      transports.push(transport);
      log.info(`${w.name} listening on ${w.path} (${type})`, { component: 'transport' });
    }
    if (transports.length === 0) return;
    this.unixSocketsServed = true;
    const tweakable: TweakableTransport = {
      get notifyEvents() {
        return settings.notifyEvents;
      },
      set notifyEvents(on: boolean) {
        settings.notifyEvents = on;
      },
      setJsonStyle: (style) => (settings.json = style),
      connections: () => ({ connections: transports.reduce((n, t) => n + t.connectionCount, 0) }),
    };
    this.gateway.transportQueries.set(PFUNIX_PACKAGE, new TransportTweaks(tweakable, () => this.eventsEnabled()));
  }

  /** WHIP and WHEP, served on the REST listeners beside the Janus API (docs/whip-whep.md). */
  private whipTransport(): WhipTransport {
    const { http, nat } = this.options.config.core;
    const stringIds = (pkg: string): boolean => isTrue(generalSettings(this.options.config.plugins[pkg] ?? {}).string_ids);
    const whip = new WhipTransport(
      this.gateway,
      {
        bases: { whip: http.whip_base_path, whep: http.whep_base_path },
        cors: { allowOrigin: http.allow_origin, enforce: http.enforce_cors },
        maxBodySize: http.max_body_size,
        iceServers: {
          stunServer: nat.stun_server,
          stunPort: nat.stun_port,
          turnServer: nat.turn_server,
          turnPort: nat.turn_port,
          turnType: nat.turn_type,
          turnUser: nat.turn_user,
          turnPwd: nat.turn_pwd,
        },
        videoroomStringIds: stringIds('janus.plugin.videoroom'),
        streamingStringIds: stringIds('janus.plugin.streaming'),
      },
      this.log,
      this.siblings,
    );
    this.closers.push(() => whip.close());
    return whip;
  }

  /** The Janus API listeners the demo pages connect to (their ports once bound, as port 0 asks for any). */
  private demoEndpoints(): DemoEndpoints {
    const port = (name: string): number | undefined => this.listeners.find((l) => l.name === name)?.port;
    return {
      ws: port('WebSocket API (ws)'),
      wss: port('WebSocket API (wss)'),
      http: port('REST API (http)'),
      https: port('REST API (https)'),
      basePath: this.options.config.core.http.base_path,
    };
  }

  /** Whether any event handler is on (query_transport's notes say when a transport's `events` will be ignored). */
  private eventsEnabled(): boolean {
    return false;
  }

  serverInfo(): JsonObject {
    const { core } = this.options.config;
    const g = this.gateway.settings;
    const transports: JsonObject = {};
    if (core.http.http || core.http.https)
      transports['janus.transport.http'] = {
        name: 'JANUS REST (HTTP/HTTPS) transport plugin',
        author: 'Portunus',
        description: 'The Janus API over HTTP long-poll',
        version_string: PORTUNUS_VERSION,
        version: 1,
      };
    if (core.websockets.ws || core.websockets.wss)
      transports['janus.transport.websockets'] = {
        name: 'JANUS WebSockets transport plugin',
        author: 'Portunus',
        description: 'The Janus API over WebSockets',
        version_string: PORTUNUS_VERSION,
        version: 1,
      };
    if (this.unixSocketsServed)
      transports[PFUNIX_PACKAGE] = {
        name: 'JANUS Unix Sockets transport plugin',
        author: 'Portunus',
        description: 'The Janus API over Unix sockets (SOCK_SEQPACKET or SOCK_DGRAM)',
        version_string: PORTUNUS_VERSION,
        version: 1,
      };
    for (const t of this.brokerTransports) transports[t.package] = { name: t.name, author: 'Portunus', description: t.description, version_string: PORTUNUS_VERSION, version: 1 };
    const info: JsonObject = {
      name: 'Portunus (Janus API compatible WebRTC server)',
      version: API_VERSION,
      version_string: API_VERSION_STRING,
      author: 'Portunus',
      'commit-hash': 'not-a-git-repo',
      'compile-time': '',
      'log-to-stdout': true,
      'log-to-file': false,
      data_channels: true,
      'accepting-new-sessions': g.acceptNewSessions,
      'session-timeout': g.sessionTimeout,
      'reclaim-session-timeout': g.reclaimSessionTimeout,
      'candidates-timeout': g.candidatesTimeout,
      'server-name': core.general.server_name,
      'local-ip': this.localIp(),
      ipv6: core.media.ipv6 && this.network.ipv6Available,
      'ice-lite': core.nat.ice_lite,
      'ice-tcp': core.nat.ice_tcp,
      'full-trickle': core.nat.full_trickle,
      'mdns-enabled': false,
      'min-nack-queue': core.media.min_nack_queue,
      'nack-optimizations': core.media.nack_optimizations,
      'twcc-period': core.media.twcc_period,
      'dtls-mtu': core.media.dtls_mtu,
      'static-event-loops': 0,
      api_secret: !!g.apiSecret,
      auth_token: this.gateway.tokens.enabled,
      event_handlers: this.events.enabled,
      opaqueid_in_api: g.opaqueIdInApi,
      'portunus-version': PORTUNUS_VERSION,
      'ipv6-sockets': this.network.ipv6Available,
    };
    if (!core.general.hide_dependencies) info.dependencies = { node: process.versions.node, openssl: process.versions.openssl };
    info.transports = transports;
    info.events = this.events.describe();
    info.loggers = {};
    info.plugins = this.plugins.describe();
    return info;
  }

  private localIp(): string {
    const external = this.network.host.interfaces.find((i) => !i.internal && i.family === 4);
    return external?.address ?? '127.0.0.1';
  }

  /** Stops everything; `signal` (SIGINT, SIGTERM) goes into the core's shutdown event, as Janus's signum. */
  async stop(signal?: number): Promise<void> {
    const events = this.events;
    if (events.wants(EventType.CORE)) events.notify(EventType.CORE, EventSubtype.CORE_SHUTDOWN, { status: 'shutdown', signum: signal ?? 0 });
    this.loopLag?.stop();
    // First: the other nodes hear this one leave rather than miss its heartbeats.
    await this.cluster?.close();
    this.cluster = undefined;
    this.gateway?.stop();
    for (const close of this.closers) close();
    await Promise.all(this.brokerTransports.splice(0).map((t) => t.close()));
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    this.servers.length = 0;
    this.metrics?.close();
    this.metrics = undefined;
    await this.plugins.destroyAll(this.log);
    await this.media?.close?.();
    this.media = undefined;
    // Last: what the shutdown left to say (sessions destroyed, handles detached) is delivered, or dropped after a grace.
    this.events = NO_EVENTS;
    await this.eventBus?.stop();
    this.eventBus = undefined;
  }
}

/** A request listener behind an access list's X-Forwarded-For check: a refused request's connection is closed, as Janus does. */
function gatedRequests(acl: AccessList, onRequest: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (forwardedAllowed(acl, req.headers)) onRequest(req, res);
    else req.socket.destroy();
  };
}

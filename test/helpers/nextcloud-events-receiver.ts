// The receiving side of Nextcloud Talk's signaling server (github.com/strukturag/nextcloud-spreed-signaling) for
// Janus's events, reimplemented in TypeScript to check that Portunus feeds it as Janus does. Written from that
// project at commit 6046e47bffd8de5b35bf042c5aa07082ffffbd64 (July 2026, module v2): sfu/janus/events_handler.go
// (the connection, the message loop, what each event does), sfu/janus/api.go (the event types and the Go structs
// each event is decoded into), server/hub.go and cmd/proxy/proxy_server.go (the /spreed and /proxy endpoints,
// the "janus-events" subprotocol, any Origin), client/ip.go and internal/ips.go (which addresses may connect),
// sfu/janus/client.go, sfu/janus/janus.go and api/bandwidth.go (the bandwidth figures).
//
// How it receives: a WebSocket upgrade of GET /spreed (or /proxy) as gorilla/websocket checks it; the connection
// is Janus's only when the client offered "janus-events" (otherwise the server takes it for a signaling client:
// here a problem); a peer that is neither loopback nor private is closed with 1008. Each text message is one
// event object or, when it starts with '[', an array of them, decoded strictly as Go's encoding/json does
// (go-json.ts): a message that fails to decode ends the connection (the server stops reading and drops it), as
// does an empty one; binary messages are skipped. Each event's body is then decoded by type and subtype into its
// struct; one that fails is logged and skipped. What the server then does is done here too: handle statistics
// (per media byte, NACK, loss and retransmission counters, kept once a handle's "attached" event was seen, let go
// at "detached"), the Prometheus counters and observations, and the bandwidth: every media statistics event sets,
// for its handle and `media`, sent = bytes-sent-lastsec × 8 and received = bytes-received-lastsec × 8 bit/s; a
// handle's bandwidth is the sum over its media. (The server keeps figures only for the handles it attached
// itself; this one keeps them for every handle.) Every problem is recorded in `problems`, in Go's wording.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Go, decodeGo, parseGoJson, unmarshalGo, type GoDecoded, type GoType } from './go-json.js';

export const EVENTS_SUBPROTOCOL = 'janus-events';
/** The server's read deadline (renewed by every message and pong), and how often it pings. */
const PONG_WAIT_MS = 60_000;
const PING_PERIOD_MS = (PONG_WAIT_MS * 9) / 10;
const MAX_UINT64 = 2n ** 64n - 1n;

// ------------------------------------------------------------------------------------------------ the shapes

const { string: str, int, int32, uint32, uint64, bool, raw } = Go;

export const JANUS_EVENT: GoType = Go.struct('janusEvent', {
  emitter: str,
  type: int,
  subtype: int,
  timestamp: uint64,
  session_id: uint64,
  handle_id: uint64,
  // Janus sends the handle's opaque_id as a string; this consumer declares a number (its own handles have none).
  opaque_id: uint64,
  event: raw,
});

const candidate = Go.struct('janusEventCandidate', { address: str, port: int, type: str, transport: str, family: int });
const pluginInfo = Go.struct('janusEventPluginInfo', { name: str, author: str, description: str, version_string: str, version: int });

/** Each body struct by the name Decode() would give it. */
export const BODIES = {
  session: Go.struct('janusEventSession', { name: str, transport: Go.ptr(Go.struct('janusEventSessionTransport', { transport: str, id: str })) }),
  handle: Go.struct('janusEventHandle', { name: str, plugin: str, token: str, opaque_id: str }),
  external: Go.struct('janusEventExternal', { schema: str, data: raw }),
  jsep: Go.struct('janusEventJSEP', { owner: str, jsep: Go.struct('janusEventJSEP.Jsep', { type: str, sdp: str }) }),
  ice: Go.struct('janusEventWebRTCICE', { ice: str, stream_id: int, component_id: int }),
  localCandidate: Go.struct('janusEventWebRTCLocalCandidate', { 'local-candidate': str, stream_id: int, component_id: int }),
  remoteCandidate: Go.struct('janusEventWebRTCRemoteCandidate', { 'remote-candidate': str, stream_id: int, component_id: int }),
  selectedPair: Go.struct('janusEventWebRTCSelectedPair', {
    stream_id: int,
    component_id: int,
    'selected-pair': str,
    candidates: Go.struct('janusEventCandidates', { local: candidate, remote: candidate }),
  }),
  dtls: Go.struct('janusEventWebRTCDTLS', { dtls: str, stream_id: int, component_id: int, retransmissions: int }),
  peerConnection: Go.struct('janusEventWebRTCPeerConnection', { connection: str, reason: str }),
  mediaState: Go.struct('janusEventMediaState', { media: str, mid: str, substream: Go.ptr(int), receiving: bool, seconds: int }),
  slowLink: Go.struct('janusEventMediaSlowLink', { media: str, mid: str, slow_link: str, lost_lastsec: int }),
  mediaStats: Go.struct('janusEventMediaStats', {
    mid: str,
    mindex: int,
    media: str,
    codec: str,
    base: uint32,
    lost: int32,
    'lost-by-remote': int32,
    'jitter-local': uint32,
    'jitter-remote': uint32,
    'in-link-quality': uint32,
    'in-media-link-quality': uint32,
    'out-link-quality': uint32,
    'out-media-link-quality': uint32,
    'bytes-received-lastsec': uint32,
    'bytes-sent-lastsec': uint32,
    'nacks-received': uint32,
    'nacks-sent': uint32,
    'retransmissions-received': uint32,
    rtt: uint32,
    'rtt-values': Go.ptr(Go.struct('janusMediaStatsRTTValues', { ntp: uint32, lsr: uint32, dlsr: uint32 })),
    'packets-received': uint32,
    'packets-sent': uint32,
    'bytes-received': uint64,
    'bytes-sent': uint64,
    'remb-bitrate': uint32,
  }),
  plugin: Go.struct('janusEventPlugin', { plugin: str, data: raw }),
  transport: Go.struct('janusEventTransport', {
    transport: str,
    id: str,
    data: Go.struct('janusEventTransportWebsocket', { event: str, admin_api: bool, ip: str }),
  }),
  coreStartup: Go.struct('janusEventCoreStartup', { status: str, info: raw }),
  startupInfo: Go.struct('janusEventStatusStartupInfo', {
    janus: str,
    version: int,
    version_string: str,
    author: str,
    'commit-hash': str,
    'compile-time': str,
    'log-to-stdout': bool,
    'log-to-file': bool,
    'log-path': str,
    data_channels: bool,
    'accepting-new-sessions': bool,
    'session-timeout': int,
    'reclaim-session-timeout': int,
    'candidates-timeout': int,
    'server-name': str,
    'local-ip': str,
    'public-ip': str,
    'public-ips': Go.slice(str),
    ipv6: bool,
    'ipv6-link-local': bool,
    'ice-lite': bool,
    'ice-tcp': bool,
    'ice-nomination': str,
    'ice-consent-freshness': bool,
    'ice-keepalive-conncheck': bool,
    'hangup-on-failed': bool,
    'full-trickle': bool,
    'mdns-enabled': bool,
    'min-nack-queue': int,
    'nack-optimizations': bool,
    'twcc-period': int,
    dscp: int,
    'dtls-mcu': int,
    'stun-server': str,
    'turn-server': str,
    'allow-force-relay': bool,
    'static-event-loops': int,
    'loop-indication': bool,
    api_secret: bool,
    auth_token: bool,
    event_handlers: bool,
    opaqueid_in_api: bool,
    webrtc_encryption: bool,
    dependencies: Go.ptr(Go.struct('janusEventDependenciesInfo', { glib2: str, jansson: str, libnice: str, libsrtp: str, libcurl: str, crypto: str })),
    transports: Go.map(pluginInfo),
    events: Go.map(pluginInfo),
    loggers: Go.map(pluginInfo),
    plugins: Go.map(pluginInfo),
  }),
  updateInfo: Go.struct('janusEventStatusUpdateInfo', { sessions: int, handles: int, peerconnections: int, 'stats-period': int }),
  coreShutdown: Go.struct('janusEventCoreShutdown', { status: str, signum: int }),
} as const;
export type BodyKind = keyof typeof BODIES;

type Obj = { [k: string]: GoDecoded };

/** One event as the server holds it after decoding: the envelope, what Decode() made of the body, and why not. */
export interface ReceivedEvent {
  readonly envelope: Obj;
  readonly kind: BodyKind | undefined;
  readonly body: Obj | undefined;
  readonly error: string | undefined;
}

/** Decode(): the body struct for the event's type and subtype (for core start-up, of its `info`). */
export function decodeEventBody(envelope: Obj): { kind?: BodyKind; body?: Obj; error?: string } {
  const type = envelope.type as bigint;
  const subtype = envelope.subtype as bigint;
  const text = envelope.event as string | undefined;
  const as = (kind: BodyKind, from = text): { kind?: BodyKind; body?: Obj; error?: string } => {
    const { value, errors } = unmarshalGo(from, BODIES[kind]);
    return errors.length > 0 ? { kind, error: errors.join('; ') } : { kind, body: value as Obj };
  };
  const bySubtype: Record<string, Record<string, BodyKind>> = {
    '16': { '1': 'ice', '2': 'localCandidate', '3': 'remoteCandidate', '4': 'selectedPair', '5': 'dtls', '6': 'peerConnection' },
    '32': { '1': 'mediaState', '2': 'slowLink', '3': 'mediaStats' },
  };
  switch (type) {
    case 1n:
      return as('session');
    case 2n:
      return as('handle');
    case 4n:
      return as('external');
    case 8n:
      return as('jsep');
    case 16n:
    case 32n: {
      const kind = bySubtype[String(type)][String(subtype)];
      if (kind) return as(kind);
      break;
    }
    case 64n:
      return as('plugin');
    case 128n:
      return as('transport');
    case 256n:
      if (subtype === 1n) {
        const startup = as('coreStartup');
        if (startup.error || !startup.body) return startup;
        if (startup.body.status === 'started') return as('startupInfo', startup.body.info as string | undefined);
        if (startup.body.status === 'update') return as('updateInfo', startup.body.info as string | undefined);
        return startup;
      }
      if (subtype === 2n) return as('coreShutdown');
      break;
  }
  return { error: `unsupported event type ${type}` };
}

// ------------------------------------------------------------------------------------------------ what it keeps

/** A counter of an ever-growing value (bytes, NACKs) that yields the growth since the last value, with Go's wrap rule. */
class ValueCounter {
  readonly values = new Map<string, bigint>();
  update(key: string, value: bigint): bigint {
    const prev = this.values.get(key) ?? 0n;
    if (value === prev) return 0n;
    let delta: bigint;
    if (value < prev) {
      this.values.set(key, 0n);
      delta = MAX_UINT64 - prev + value;
    } else delta = value - prev;
    this.values.set(key, ((this.values.get(key) ?? 0n) + delta) & MAX_UINT64);
    return delta;
  }
}

export class HandleStats {
  readonly codecs = new Map<string, string>();
  readonly bytesReceived = new ValueCounter();
  readonly bytesSent = new ValueCounter();
  readonly nacksReceived = new ValueCounter();
  readonly nacksSent = new ValueCounter();
  readonly lostLocal = new ValueCounter();
  readonly lostRemote = new ValueCounter();
  readonly retransmissionsReceived = new ValueCounter();
}

/** The Prometheus series the events feed: label values joined by '|' → value (counters) or observations. */
export class ConsumerMetrics {
  readonly counters = new Map<string, bigint>();
  readonly observations = new Map<string, bigint[]>();
  add(series: string, labels: readonly (string | bigint)[], by: bigint = 1n): void {
    const key = [series, ...labels].join('|');
    this.counters.set(key, (this.counters.get(key) ?? 0n) + by);
  }
  observe(series: string, labels: readonly string[], value: bigint): void {
    const key = [series, ...labels].join('|');
    const list = this.observations.get(key) ?? [];
    list.push(value);
    this.observations.set(key, list);
  }
  counter(series: string, ...labels: string[]): bigint {
    return this.counters.get([series, ...labels].join('|')) ?? 0n;
  }
}

/** A handle's bandwidth for one media, bit/s. */
export interface Bandwidth {
  sent: bigint;
  received: bigint;
}

// ------------------------------------------------------------------------------------------------ the server

export interface ConnectionRecord {
  readonly remote: string;
  readonly protocol: string;
  readonly agent: string | undefined;
  readonly origin: string | undefined;
  /** Why the server ended it, if it did. */
  endedBy?: string;
}

export interface NextcloudReceiverOptions {
  /** The signaling server's endpoint (/spreed) or the proxy's (/proxy). */
  readonly path?: '/spreed' | '/proxy';
  readonly port?: number;
}

export class NextcloudEventsReceiver {
  readonly problems: string[] = [];
  readonly connections: ConnectionRecord[] = [];
  readonly events: ReceivedEvent[] = [];
  readonly metrics = new ConsumerMetrics();
  /** What the SFU was told: handle → media → bandwidth (UpdateBandwidth). */
  readonly bandwidths = new Map<bigint, Map<string, Bandwidth>>();
  /** The per-handle statistics of the connections (each connection has its own, as each handler does). */
  readonly handleStats = new Map<bigint, HandleStats>();
  private http: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => (offered.has(EVENTS_SUBPROTOCOL) ? EVENTS_SUBPROTOCOL : false) });
  private readonly sockets = new Set<WebSocket>();
  port = 0;

  private constructor(private readonly path: string) {
    this.wss.on('headers', (headers) => headers.push('Server: nextcloud-spreed-signaling/portunus-test'));
  }

  static async start(options: NextcloudReceiverOptions = {}): Promise<NextcloudEventsReceiver> {
    const r = new NextcloudEventsReceiver(options.path ?? '/spreed');
    const http = createServer((req, res) => {
      // A plain request: the router's 404 for another path, the upgrader's refusal on the endpoint.
      const onPath = new URL(req.url ?? '/', 'http://x').pathname === r.path;
      res.writeHead(onPath ? 400 : 404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(onPath ? 'Bad Request\n' : '404 page not found\n');
    });
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => r.upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    r.http = http;
    r.port = (http.address() as AddressInfo).port;
    return r;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${this.path}`;
  }

  /** Every event that decoded, of a kind. */
  decoded(kind: BodyKind): Obj[] {
    return this.events.filter((e) => e.kind === kind && e.body).map((e) => e.body as Obj);
  }

  /** A handle's bandwidth as the SFU sums it over its media (Bandwidth()), undefined before any statistics. */
  bandwidth(handle: number | bigint): Bandwidth | undefined {
    const byMedia = this.bandwidths.get(BigInt(handle));
    if (!byMedia) return undefined;
    const sum: Bandwidth = { sent: 0n, received: 0n };
    for (const b of byMedia.values()) {
      sum.sent += b.sent;
      sum.received += b.received;
    }
    return sum;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    const http = this.http;
    this.http = undefined;
    if (!http) return;
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }

  /** gorilla/websocket's Upgrade checks on the endpoint, then the connection as serveWs and RunEventsHandler take it. */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      this.problems.push(`upgrade refused: ${status} ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}\n`);
    };
    if (new URL(req.url ?? '/', 'http://x').pathname !== this.path) return refuse(404, 'Not Found');
    const tokens = (h: string | undefined): string[] => (h ?? '').split(',').map((t) => t.trim().toLowerCase());
    if (!tokens(req.headers.connection).includes('upgrade')) return refuse(400, "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header");
    if (!tokens(req.headers.upgrade).includes('websocket')) return refuse(400, "websocket: the client is not using the websocket protocol: 'websocket' token not found in 'Upgrade' header");
    if (req.method !== 'GET') return refuse(405, 'websocket: the client is not using the websocket protocol: request method is not GET');
    if (req.headers['sec-websocket-version'] !== '13') return refuse(400, "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header");
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16)
      return refuse(400, "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header must be Base64 encoded value of 16-byte in length");
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const record: ConnectionRecord = { remote: realUserIp(req), protocol: ws.protocol, agent: req.headers['user-agent'], origin: req.headers.origin };
    this.connections.push(record);
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    const closeWith = (code: number, reason: string): void => {
      record.endedBy = `${code} ${reason}`;
      this.problems.push(`connection from ${record.remote} closed: ${reason}`);
      ws.close(code, reason);
    };
    if (ws.protocol !== EVENTS_SUBPROTOCOL) {
      // The hub would treat it as a signaling client that never says hello: Janus's events would go nowhere.
      return closeWith(1002, `no "${EVENTS_SUBPROTOCOL}" subprotocol: taken for a signaling client`);
    }
    if (!isLoopbackOrPrivate(record.remote)) return closeWith(1008, 'only loopback and private connections allowed');
    new EventsConnection(this, ws, record);
  }

  /** UpdateBandwidth: the latest figures of a handle's media. */
  updateBandwidth(handle: bigint, media: string, sent: bigint, received: bigint): void {
    let byMedia = this.bandwidths.get(handle);
    if (!byMedia) this.bandwidths.set(handle, (byMedia = new Map<string, Bandwidth>()));
    byMedia.set(media, { sent, received });
  }
}

/** One Janus connected: its message loop (readPump), keep-alive (writePump) and its events (processEvent). */
class EventsConnection {
  private supportsHandles = false;
  private readonly stats = new Map<bigint, HandleStats>();
  private deadline: NodeJS.Timeout | undefined;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly receiver: NextcloudEventsReceiver,
    private readonly ws: WebSocket,
    private readonly record: ConnectionRecord,
  ) {
    this.renewDeadline();
    this.pinger = setInterval(() => ws.ping(String(BigInt(Date.now()) * 1_000_000n)), PING_PERIOD_MS).unref();
    ws.on('pong', () => this.renewDeadline());
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => {
      clearInterval(this.pinger);
      clearTimeout(this.deadline);
    });
  }

  private renewDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.drop(`read from ${this.record.remote}: i/o timeout`), PONG_WAIT_MS).unref();
  }

  /** The server stops reading and the connection goes (its context ends, the write side closes it). */
  private drop(why: string): void {
    this.record.endedBy = why;
    this.receiver.problems.push(why);
    this.ws.terminate();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.record.endedBy) return;
    this.renewDeadline();
    if (isBinary) {
      this.receiver.problems.push(`Unsupported message type 2 from ${this.record.remote}`);
      return;
    }
    if (data.length === 0) return this.drop(`Received empty message from ${this.record.remote}`);
    const text = data.toString('utf8');
    const list = text[0] === '[';
    let envelopes: Obj[];
    try {
      const { value, errors } = decodeGo(parseGoJson(text), list ? Go.slice(JANUS_EVENT) : JANUS_EVENT);
      if (errors.length > 0) throw new Error(errors.join('; '));
      envelopes = list ? ((value as Obj[] | undefined) ?? []) : [value as Obj];
    } catch (err) {
      return this.drop(`Error decoding message ${text.slice(0, 300)} from ${this.record.remote}: ${(err as Error).message}`);
    }
    for (const envelope of envelopes) this.processEvent(envelope);
  }

  private handleStats(handle: bigint): HandleStats | undefined {
    // Only once Janus reports handles: otherwise nothing would ever let them go.
    if (!this.supportsHandles || handle === 0n) return undefined;
    let s = this.stats.get(handle);
    if (!s) {
      this.stats.set(handle, (s = new HandleStats()));
      this.receiver.handleStats.set(handle, s);
    }
    return s;
  }

  private processEvent(envelope: Obj): void {
    const { kind, body, error } = decodeEventBody(envelope);
    this.receiver.events.push({ envelope, kind, body, error });
    if (error !== undefined || !body) {
      this.receiver.problems.push(`Error decoding event ${JSON.stringify(envelope, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)).slice(0, 300)} (${error})`);
      return;
    }
    const m = this.receiver.metrics;
    const handle = envelope.handle_id as bigint;
    const s = body as Record<string, string & bigint & Obj>;
    switch (kind) {
      case 'handle':
        if (s.name === 'attached') this.supportsHandles = true;
        else if (s.name === 'detached' && handle !== 0n) this.stats.delete(handle);
        break;
      case 'ice':
        m.add('janus_ice_state_total', [s.ice]);
        break;
      case 'dtls':
        m.add('janus_dtls_state_total', [s.dtls]);
        break;
      case 'peerConnection':
        m.add('janus_peerconnection_state_total', [s.connection, s.reason]);
        break;
      case 'selectedPair':
        for (const side of ['local', 'remote'] as const) {
          const c = s.candidates[side] as Obj;
          m.add('janus_selected_candidate_total', [side, c.type as string, c.transport as string, `ipv${c.family as bigint}`]);
        }
        break;
      case 'slowLink':
        // "uplink" is from Janus to the client, anything else towards Janus.
        m.add('janus_slowlink_total', [s.media, s.slow_link === 'uplink' ? 'outgoing' : 'incoming']);
        break;
      case 'mediaStats':
        this.mediaStats(handle, s);
        break;
      default:
        break;
    }
  }

  private mediaStats(handle: bigint, s: Record<string, string & bigint>): void {
    const m = this.receiver.metrics;
    const media = s.media;
    if (s.rtt > 0n) m.observe('janus_media_rtt', [media], s.rtt);
    if (s['jitter-local'] > 0n) m.observe('janus_media_jitter', [media, 'local'], s['jitter-local']);
    if (s['jitter-remote'] > 0n) m.observe('janus_media_jitter', [media, 'remote'], s['jitter-remote']);
    const stats = this.handleStats(handle);
    if (stats) {
      if (s.codec !== '' && stats.codecs.get(media) !== s.codec) {
        m.add('janus_media_codecs_total', [media, s.codec]);
        stats.codecs.set(media, s.codec);
      }
      m.add('janus_media_bytes_total', [media, 'incoming'], stats.bytesReceived.update(media, s['bytes-received']));
      m.add('janus_media_bytes_total', [media, 'outgoing'], stats.bytesSent.update(media, s['bytes-sent']));
      if (s['nacks-received'] > 0n) m.add('janus_media_nacks_total', [media, 'incoming'], stats.nacksReceived.update(media, s['nacks-received']));
      if (s['nacks-sent'] > 0n) m.add('janus_media_nacks_total', [media, 'outgoing'], stats.nacksSent.update(media, s['nacks-sent']));
      if (s['retransmissions-received'] > 0n) m.add('janus_media_retransmissions_total', [media], stats.retransmissionsReceived.update(media, s['retransmissions-received']));
      if (s.lost > 0n) m.add('janus_media_lost_total', [media, 'local'], stats.lostLocal.update(media, s.lost));
      if (s['lost-by-remote'] > 0n) m.add('janus_media_lost_total', [media, 'remote'], stats.lostRemote.update(media, s['lost-by-remote']));
    }
    this.receiver.updateBandwidth(handle, media, s['bytes-sent-lastsec'] * 8n, s['bytes-received-lastsec'] * 8n);
  }
}

// ------------------------------------------------------------------------------------------------ addresses

const TRUSTED_PROXIES: ReadonlyArray<readonly [string, number]> = [
  ['127.0.0.0', 8],
  ['::1', 128],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
];

function ipBits(ip: string): { v: 4 | 6; n: bigint } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1];
  if (isIP(ip) === 4) return { v: 4, n: ip.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n) };
  if (isIP(ip) !== 6) return undefined;
  const [head, tail] = ip.split('::');
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { v: 6, n: all.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function inNet(ip: string, net: string, bits: number): boolean {
  const a = ipBits(ip);
  const b = ipBits(net);
  if (!a || !b || a.v !== b.v) return false;
  const shift = BigInt((a.v === 4 ? 32 : 128) - bits);
  return a.n >> shift === b.n >> shift;
}

/** Go's IP.IsLoopback() || IP.IsPrivate(). */
function isLoopbackOrPrivate(ip: string): boolean {
  return TRUSTED_PROXIES.some(([net, bits]) => inNet(ip, net, bits)) || inNet(ip, 'fc00::', 7);
}

/** The client's address: the peer's, or from X-Real-IP / X-Forwarded-For when the peer is a trusted proxy. */
function realUserIp(req: IncomingMessage): string {
  let addr = req.socket.remoteAddress ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1];
  const trusted = (ip: string): boolean => TRUSTED_PROXIES.some(([net, bits]) => inNet(ip, net, bits));
  if (isIP(addr) === 0 || !trusted(addr)) return addr;
  const realIp = req.headers['x-real-ip'];
  if (typeof realIp === 'string' && isIP(realIp) !== 0) return realIp;
  const forwarded = req.headers['x-forwarded-for'];
  if (forwarded !== undefined) {
    let lastTrusted = '';
    for (let hop of (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').reverse()) {
      hop = hop
        .trim()
        .replace(/^\[([^\]]+)\](?::\d+)?$/, '$1')
        .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
      if (isIP(hop) === 0) continue;
      if (trusted(hop)) {
        lastTrusted = hop;
        continue;
      }
      return hop;
    }
    if (lastTrusted !== '') return lastTrusted;
  }
  return addr;
}

// Every setting Portunus knows: its built-in default (whose type is the setting's type), what it does, and whether
// it has an effect yet. --help is printed from this table; a unit test keeps `inert` true to what the code reads.
import { availableParallelism } from 'node:os';
import { EVENT_HANDLER_KINDS, handlerSettings } from '../events/catalog.js';
import { PLUGIN_CATALOG } from '../plugins/catalog.js';
import { inertSetting, setting, type Setting, type SettingGroup, type SettingValue } from './setting.js';

const on = setting;
const inert = inertSetting;

export const SETTINGS = {
  general: {
    server_name: on('Portunus', 'name reported by the info request'),
    session_timeout: on(60, 'seconds without a request or keep-alive before a session expires; 0 = never'),
    reclaim_session_timeout: on(0, 'seconds a session outlives its transport, waiting for a claim; 0 = destroyed at once'),
    candidates_timeout: on(45, 'seconds a trickled candidate waits for the PeerConnection it belongs to'),
    api_secret: on('', 'every Janus API request must carry this apisecret; empty = none'),
    admin_secret: on('', 'every Admin API request must carry this admin_secret; empty = none'),
    token_auth: on(false, 'requests must carry a token added through the Admin API (add_token)'),
    token_auth_secret: on('', 'with token_auth: accept HMAC-signed tokens made with this secret instead of stored ones'),
    accept_new_sessions: on(true, 'false refuses new sessions (Admin accept_new_sessions changes it live)'),
    opaqueid_in_api: on(false, "add each handle's opaque_id to its events"),
    hide_dependencies: on(false, 'leave the library versions out of the info reply'),
    log_level: on(4, "0 (nothing) to 7 (everything), as Janus's debug_level"),
    log_format: on('text', 'text or json (one JSON object a line)'),
    log_timestamps: on(true, 'start each log line with the time'),
    state_dir: on('', 'folder where plugins save what is created with "permanent": true (one .jcfg per plugin); empty = not saved'),
    recordings_dir: on('recordings', 'the one folder where files that clients name are written and read (recordings, rec_dir, file mountpoints made over the API)'),
    event_loop_lag_warn: on(250, 'event-loop lag (ms) above which a warning is logged, at most once a minute; 0 = never'),
  },
  media: {
    ipv6: on(false, 'gather IPv6 candidates too (ignored where the host has no IPv6)'),
    rtp_port_range: on('10000-60000', 'min-max UDP ports of PeerConnections (with single_port = 0) and of TURN links'),
    single_port: on(10000, 'one UDP port per local address that every PeerConnection shares (demultiplexed by ICE credentials); 0 = a port per PeerConnection'),
    send_threads: on(
      Math.max(0, Math.min(4, availableParallelism() - 1)),
      "native sender threads for the shared port's large batches (a fan-out of 64 datagrams or more in one turn); default: the CPUs this process may use minus one, at most 4; 0 = send on the main thread",
    ),
    dtls_timeout: inert(500, 'DTLS retransmission start (ms) in Janus; the DTLS stack keeps its own timers'),
    no_media_timer: on(1, 'seconds without media before a "media" event with receiving: false'),
    slowlink_threshold: on(0, 'lost packets a second that trigger a "slowlink" event; 0 = never'),
    min_nack_queue: inert(200, 'NACK history length (ms) in Janus; shown and set by the Admin API, the history is 128 packets'),
    nack_optimizations: inert(false, "Janus's NACK optimisations; shown and set by the Admin API"),
    twcc_period: inert(200, 'transport-wide CC feedback period (ms) in Janus; reported in info'),
    dtls_mtu: inert(1200, 'DTLS MTU in Janus; reported in info'),
  },
  nat: {
    ice_lite: on(true, 'answer as ICE-lite (controlled, no checks of our own); false runs a full ICE agent'),
    ice_tcp: on(false, "also offer ICE over TCP (RFC 6544 passive candidates, RFC 4571 framing) on the TCP port of media.single_port's number, for clients whose UDP is blocked; needs single_port"),
    full_trickle: inert(false, 'trickle our own candidates in Janus; reported in info, Portunus always trickles them'),
    stun_server: on('', 'STUN server asked for a server-reflexive candidate of each ICE socket; empty = host candidates only'),
    stun_port: on(3478, 'port of stun_server'),
    nat_1_1_mapping: on('', 'comma-separated public addresses advertised instead of the local ones'),
    keep_private_host: inert(false, 'with nat_1_1_mapping, keep the private candidates too (in Janus)'),
    ice_enforce_list: on('', 'comma-separated interfaces or addresses candidates may come from (e.g. "lo"); empty = all'),
    ice_ignore_list: on('vmnet', 'comma-separated interfaces or addresses candidates never come from'),
    turn_server: on('', 'TURN server where each PeerConnection allocates a relayed candidate; empty = no relay'),
    turn_port: on(3478, 'port of turn_server'),
    turn_type: on('udp', 'how to reach turn_server: udp, tcp or tls'),
    turn_user: on('', 'TURN long-term credential: user name'),
    turn_pwd: on('', 'TURN long-term credential: password'),
  },
  certificates: {
    cert_pem: on('', 'PEM certificate of the https and wss listeners (DTLS uses a certificate made at start)'),
    cert_key: on('', 'PEM private key of cert_pem'),
    cert_pwd: on('', 'passphrase of cert_key, if any'),
  },
  plugins: {
    disable: on('', 'comma-separated package names of plugins not to load'),
  },
  events: {
    broadcast: on(false, 'run the event handlers whose section enables them ([sampleevh], [wsevh]); false = none'),
    disable: on('', 'comma-separated event handlers not to start: package names (janus.eventhandler.sampleevh) or Janus file names (libjanus_sampleevh.so)'),
    stats_period: on(1, 'seconds between media statistics events of each PeerConnection; 0 = none'),
    combine_media_stats: on(false, "one statistics event per PeerConnection, every stream's in an array, rather than one per stream"),
  },
  http: {
    http: on(true, 'serve the Janus API over plain HTTP'),
    port: on(8088, 'port of the plain HTTP listener'),
    ip: on('', 'address to bind (IPv4, IPv6, 0.0.0.0, ::); empty = all, dual-stack where the host has IPv6'),
    interface: on('', 'interface to bind when ip is empty'),
    base_path: on('/janus', 'path of the Janus API'),
    https: on(false, 'serve the Janus API over HTTPS (certificates.*)'),
    secure_port: on(8089, 'port of the HTTPS listener'),
    secure_ip: on('', 'address of the HTTPS listener'),
    secure_interface: on('', 'interface of the HTTPS listener'),
    admin_http: on(false, 'serve the Admin API over plain HTTP'),
    admin_port: on(7088, 'port of the Admin HTTP listener'),
    admin_ip: on('', 'address of the Admin HTTP listener'),
    admin_interface: on('', 'interface of the Admin HTTP listener'),
    admin_base_path: on('/admin', 'path of the Admin API'),
    admin_https: on(false, 'serve the Admin API over HTTPS'),
    admin_secure_port: on(7889, 'port of the Admin HTTPS listener'),
    admin_secure_ip: on('', 'address of the Admin HTTPS listener'),
    admin_secure_interface: on('', 'interface of the Admin HTTPS listener'),
    allow_origin: on('', "Access-Control-Allow-Origin to send; empty = the request's origin"),
    enforce_cors: on(false, 'refuse requests from origins other than allow_origin'),
    acl: on('', 'comma-separated address prefixes allowed on the REST listeners (e.g. "127.,192.168.0."); empty = anyone'),
    acl_forwarded: on(false, 'check the X-Forwarded-For address against acl too'),
    admin_acl: on('', 'comma-separated address prefixes allowed on the Admin REST listeners; empty = anyone'),
    admin_acl_forwarded: on(false, 'check the X-Forwarded-For address against admin_acl too'),
    max_body_size: on(1048576, 'largest request body in bytes'),
    json: on('compact', 'reply layout: indented, plain or compact'),
    max_queued_events: on(1000, 'events kept for a session between long polls; beyond it the oldest are dropped (counted, logged)'),
    headers_timeout: on(10, "seconds a client gets to send a request's headers (every HTTP listener, WebSocket handshakes included)"),
    request_timeout: on(30, 'seconds a client gets to send a whole request'),
    whip: on(true, 'serve WHIP (RFC 9725) and WHEP on the REST listeners, under whip_base_path and whep_base_path (docs/whip-whep.md)'),
    whip_base_path: on('/whip', 'path of the WHIP endpoints (VideoRoom publishers) and their sessions'),
    whep_base_path: on('/whep', 'path of the WHEP endpoints (Streaming mountpoints, VideoRoom publishers) and their sessions'),
    demos: on(true, 'serve the demo pages (EchoTest, Streaming, VideoRoom) at / of the REST listeners, or of a listener of their own with demos_port'),
    demos_port: on(0, 'port of a plain HTTP listener of the demo pages alone; 0 = on the REST listeners'),
    demos_ip: on('', "address of the demo pages' own listener (with demos_port); empty = all, dual-stack where the host has IPv6"),
    demos_interface: on('', "interface of the demo pages' own listener when demos_ip is empty"),
  },
  websockets: {
    ws: on(true, 'serve the Janus API over WebSocket'),
    ws_port: on(8188, 'port of the WebSocket listener'),
    ws_ip: on('', 'address of the WebSocket listener; empty = all'),
    ws_interface: on('', 'interface of the WebSocket listener'),
    ws_acl: on('', 'comma-separated address prefixes allowed on the WebSocket listeners; empty = anyone'),
    ws_acl_forwarded: on(false, 'check the X-Forwarded-For address against ws_acl too'),
    admin_ws_acl: on('', 'comma-separated address prefixes allowed on the Admin WebSocket listeners; empty = anyone'),
    admin_ws_acl_forwarded: on(false, 'check the X-Forwarded-For address against admin_ws_acl too'),
    wss: on(false, 'serve the Janus API over secure WebSocket (certificates.*)'),
    wss_port: on(8989, 'port of the secure WebSocket listener'),
    wss_ip: on('', 'address of the secure WebSocket listener'),
    wss_interface: on('', 'interface of the secure WebSocket listener'),
    admin_ws: on(false, 'serve the Admin API over WebSocket'),
    admin_ws_port: on(7188, 'port of the Admin WebSocket listener'),
    admin_ws_ip: on('', 'address of the Admin WebSocket listener'),
    admin_ws_interface: on('', 'interface of the Admin WebSocket listener'),
    admin_wss: on(false, 'serve the Admin API over secure WebSocket'),
    admin_wss_port: on(7989, 'port of the Admin secure WebSocket listener'),
    admin_wss_ip: on('', 'address of the Admin secure WebSocket listener'),
    admin_wss_interface: on('', 'interface of the Admin secure WebSocket listener'),
    max_message_size: on(1048576, 'largest message in bytes'),
    pingpong_trigger: on(30, 'seconds without anything from the client before a PING; 0 = no pings'),
    pingpong_timeout: on(10, 'seconds to wait for the PONG before closing; 0 = no pings'),
    json: on('compact', 'message layout: indented, plain or compact'),
    max_unsent_bytes: on(4194304, 'bytes a connection may leave unread; beyond it the connection is closed (its sessions can be claimed)'),
    events: on(true, 'tell event handlers when a connection opens and closes (transport events)'),
  },
  pfunix: {
    enabled: on(false, 'serve the Janus API on a Unix socket (needs path and the native addon)'),
    path: on('', 'path of the Janus API socket; a stale socket file there (nothing serves on it) is removed first, as Janus does'),
    type: on('SOCK_SEQPACKET', 'SOCK_SEQPACKET (a connection per client) or SOCK_DGRAM (answers go to the path the client bound)'),
    admin_enabled: on(false, 'serve the Admin API on a Unix socket'),
    admin_path: on('', 'path of the Admin API socket'),
    admin_type: on('SOCK_SEQPACKET', 'SOCK_SEQPACKET or SOCK_DGRAM, for the Admin API socket'),
    json: on('compact', 'message layout: indented, plain or compact'),
    events: on(true, 'tell event handlers when a client comes and goes (transport events)'),
    max_message_size: on(262144, 'largest request in bytes (Janus reads 8192); a longer one is answered with error 450'),
    max_unsent_bytes: on(4194304, 'bytes a client may leave unread; beyond it the client is dropped (its sessions can be claimed)'),
  },
  mqtt: {
    enabled: on(false, 'serve the Janus API over an MQTT broker (janus.transport.mqtt)'),
    events: on(true, 'tell event handlers when the broker connection comes and goes (transport events)'),
    json: on('compact', 'message layout: indented, plain or compact'),
    url: on('tcp://localhost:1883', 'broker address: tcp:// or mqtt:// (1883), ssl://, mqtts:// or tls:// (8883); user:password@ allowed'),
    mqtt_version: on('3.1.1', "protocol version: 3.1, 3.1.1 or 5 (5: replies go to a request's response topic with its correlation data)"),
    client_id: on('guest', 'MQTT client identifier'),
    username: on('', 'user name (or in url)'),
    password: on('', 'password for username'),
    keep_alive_interval: on(20, 'seconds between keep-alive pings'),
    cleansession: on(false, 'start a clean session on every connection'),
    max_inflight: inert('', 'accepted for Janus configurations; the client library bounds messages in flight itself'),
    max_buffered: inert('', 'accepted for Janus configurations; nothing is buffered while the broker is away'),
    disconnect_timeout: on(100, 'ms given to a graceful disconnect'),
    subscribe_topic: on('to-janus', 'topic the Janus API requests arrive on'),
    subscribe_qos: on(1, 'QoS of that subscription: 0, 1 or 2'),
    publish_topic: on('from-janus', 'topic replies and events are published on'),
    publish_qos: on(1, 'QoS of replies and events: 0, 1 or 2'),
    ssl_enabled: on(false, "Janus's switch for TLS; here the url's scheme decides (ssl://, mqtts://)"),
    cacertfile: on('', 'CA certificate file (PEM) the broker is checked against'),
    certfile: on('', 'client certificate file (PEM), when the broker asks for one'),
    keyfile: on('', "the client certificate's key file (PEM)"),
    verify_peer: on(false, "check the broker's certificate (and that it names the host)"),
    vacuum_interval: inert('', 'accepted for Janus configurations; no per-transaction state is kept here (what a request carried goes with its reply)'),
    proxy_transaction_user_properties: on('', "MQTT 5: names of a request's user properties copied to its replies (comma-separated; a Janus array)"),
    add_transaction_user_properties: on('', 'MQTT 5: user properties added to every reply: [["key", "value"], ...] (a Janus list of pairs) or key=value,...'),
    admin_enabled: on(false, 'serve the Admin API over the broker too (janus.jcfg admin section)'),
    admin_subscribe_topic: on('to-janus-admin', 'topic Admin API requests arrive on (Janus: admin.subscribe_topic)'),
    admin_subscribe_qos: on(1, 'QoS of that subscription (Janus: admin.subscribe_qos)'),
    admin_publish_topic: on('from-janus-admin', 'topic Admin API replies are published on (Janus: admin.publish_topic)'),
    admin_publish_qos: on(1, 'QoS of Admin API replies (Janus: admin.publish_qos)'),
    status_enabled: on(false, 'publish status messages (Janus: status.enabled)'),
    status_connect_message: on('', 'published on status_topic once connected; empty = none (Janus: status.connect_message)'),
    status_disconnect_message: on('', 'published on status_topic when closing, and left as the will; empty = none'),
    status_topic: on('status', 'topic of the status messages (Janus: status.topic)'),
    status_qos: on(1, 'QoS of the status messages (Janus: status.qos)'),
    status_retain: on(false, 'publish the status messages retained (Janus: status.retain)'),
  },
  rabbitmq: {
    enabled: on(false, 'serve the Janus API over a RabbitMQ broker (janus.transport.rabbitmq)'),
    events: on(true, 'tell event handlers when the broker connection comes and goes (transport events)'),
    json: on('compact', 'message layout: indented, plain or compact'),
    host: on('localhost', 'broker host'),
    port: on(5672, 'broker port'),
    username: on('guest', 'user name'),
    password: on('guest', 'password'),
    vhost: on('/', 'virtual host'),
    janus_exchange: on('', 'exchange replies and events are published to; empty = the default exchange'),
    janus_exchange_type: on('fanout', 'type of janus_exchange: fanout, direct, topic or headers'),
    queue_name: on('', 'incoming queue; with a topic or direct janus_exchange it is bound with routing key to_janus. Empty: to_janus is the queue'),
    to_janus: on('to-janus', 'queue the Janus API requests arrive on (or the routing key queue_name is bound with)'),
    from_janus: on('from-janus', 'routing key of replies and events (and the outgoing queue declared)'),
    declare_outgoing_queue: on(true, 'declare a queue named from_janus'),
    queue_durable: on(false, 'the incoming queue survives a broker restart'),
    queue_autodelete: on(false, 'the incoming queue is deleted when Portunus disconnects'),
    queue_exclusive: on(false, 'the incoming queue is exclusive to this connection'),
    heartbeat: on(0, 'AMQP heartbeat in seconds; 0 = none'),
    ssl_enabled: on(false, 'connect with TLS (amqps)'),
    ssl_cacert: on('', 'CA certificate file (PEM) the broker is checked against'),
    ssl_cert: on('', 'client certificate file (PEM)'),
    ssl_key: on('', "the client certificate's key file (PEM)"),
    ssl_verify_peer: on(false, "check the broker's certificate"),
    ssl_verify_hostname: on(false, "check the broker's certificate names its host"),
    admin_enabled: on(false, 'serve the Admin API over the broker too'),
    queue_name_admin: on('', 'incoming Admin API queue, bound with to_janus_admin as queue_name is'),
    to_janus_admin: on('to-janus-admin', 'queue Admin API requests arrive on (or the routing key of queue_name_admin)'),
    from_janus_admin: on('from-janus-admin', 'routing key of Admin API replies (and the outgoing queue declared)'),
    declare_outgoing_queue_admin: on(true, 'declare a queue named from_janus_admin'),
    queue_durable_admin: on(false, 'the incoming Admin API queue survives a broker restart'),
    queue_autodelete_admin: on(false, 'the incoming Admin API queue is deleted when Portunus disconnects'),
    queue_exclusive_admin: on(false, 'the incoming Admin API queue is exclusive to this connection'),
  },
  nats: {
    enabled: on(false, "serve the Janus API over a NATS server (Portunus's janus.transport.nats)"),
    events: on(true, 'tell event handlers when the server connection comes and goes (transport events)'),
    json: on('compact', 'message layout: indented, plain or compact'),
    url: on('nats://localhost:4222', 'server addresses, comma-separated: nats:// or tls:// (4222); user:password@ or token@ allowed'),
    user: on('', 'user name (or in url)'),
    password: on('', 'password for user'),
    token: on('', 'authentication token, instead of user and password'),
    client_name: on('portunus', 'connection name the server shows'),
    tls_enable: on(false, 'connect with TLS (also when a url is tls://)'),
    tls_cacert: on('', 'CA certificate file (PEM) the server is checked against'),
    tls_client_cert: on('', 'client certificate file (PEM), when the server asks for one'),
    tls_client_key: on('', "the client certificate's key file (PEM)"),
    tls_verify_peer: on(true, "check the server's certificate"),
    tls_verify_hostname: on(true, "check the server's certificate names its host"),
    to_janus: on('to-janus', 'subject the Janus API requests arrive on; a request with a reply subject is answered there'),
    from_janus: on('from-janus', 'subject replies (without a reply subject) and events are published on'),
    queue_group: on('', 'subscribe in this queue group (several servers share the requests); empty = none'),
    admin_enabled: on(false, 'serve the Admin API over NATS too'),
    to_janus_admin: on('to-janus-admin', 'subject Admin API requests arrive on'),
    from_janus_admin: on('from-janus-admin', 'subject Admin API replies (without a reply subject) are published on'),
  },
  metrics: {
    enabled: on(false, 'serve Prometheus metrics (text format) over plain HTTP on a listener of their own'),
    port: on(9464, 'port of the metrics listener'),
    ip: on('', 'address of the metrics listener (IPv4, IPv6, 0.0.0.0, ::); empty = all, dual-stack where the host has IPv6'),
    interface: on('', 'interface of the metrics listener when ip is empty'),
    path: on('/metrics', 'path the metrics are served at'),
    secret: on('', 'scrapes must carry it as "Authorization: Bearer <secret>" or as the password of basic auth; empty = none'),
    process_metrics: on(true, "include the process's and Node.js's own metrics (CPU, memory, file descriptors, GC, event-loop lag, heap)"),
  },
} as const;

type Table = typeof SETTINGS;
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : never;

export type CoreSettings = {
  readonly [S in keyof Table]: { readonly [K in keyof Table[S]]: Widen<Table[S][K] extends Setting<infer V> ? V : never> };
};

/** The built-in value of every setting, section by section. */
export const DEFAULTS: CoreSettings = Object.fromEntries(
  Object.entries(SETTINGS).map(([section, keys]) => [section, Object.fromEntries(Object.entries(keys).map(([k, s]) => [k, (s as Setting<SettingValue>).value]))]),
) as unknown as CoreSettings;

/** Sections that belong to plugins (section → package), from the catalog of the plugins Portunus ships. */
export const PLUGIN_SECTIONS: Readonly<Record<string, string>> = Object.fromEntries(PLUGIN_CATALOG.map((p) => [p.section, p.package]));

/** The `general` settings each plugin declares, by package name. */
export const PLUGIN_SETTINGS: Readonly<Record<string, SettingGroup>> = Object.fromEntries(PLUGIN_CATALOG.map((p) => [p.package, p.settings]));

export const SECTION_HELP: Readonly<Record<keyof Table, string>> = {
  general: 'sessions, secrets, logging, folders',
  media: 'RTP/RTCP and DTLS behaviour',
  nat: 'ICE: candidates, STUN/TURN, interface filters',
  certificates: 'certificate and key (PEM) of the https/wss listeners',
  plugins: 'which plugins load',
  events: 'event handlers: whether they run, media statistics (docs/events.md)',
  http: 'REST transport, REST Admin API and the demo pages (docs/demos.md)',
  websockets: 'WebSocket transport and WebSocket Admin API',
  pfunix: 'Unix socket transport and its Admin API (docs/transports.md)',
  mqtt: 'MQTT transport and its Admin API (docs/transports.md)',
  rabbitmq: 'RabbitMQ transport and its Admin API (docs/transports.md)',
  nats: 'NATS transport and its Admin API (docs/transports.md)',
  metrics: 'Prometheus metrics endpoint (docs/metrics.md)',
};

/** Sections that configure an event handler kind (section → package), from the events catalog. */
export const EVENT_HANDLER_SECTIONS: Readonly<Record<string, string>> = Object.fromEntries(EVENT_HANDLER_KINDS.map((k) => [k.section, k.package]));

/** Every setting of each event handler kind (the shared ones and its own), by package name. */
export const EVENT_HANDLER_SETTINGS: Readonly<Record<string, SettingGroup>> = Object.fromEntries(EVENT_HANDLER_KINDS.map((k) => [k.package, handlerSettings(k)]));

/** `section.key` of every setting that has no effect yet (a plugin's as `<section>.<key>` too). */
export function inertSettings(): string[] {
  const out: string[] = [];
  for (const [section, keys] of Object.entries(SETTINGS)) {
    for (const [key, s] of Object.entries(keys)) if ((s as Setting<SettingValue>).inert) out.push(`${section}.${key}`);
  }
  for (const p of PLUGIN_CATALOG) for (const [key, s] of Object.entries(p.settings)) if (s.inert) out.push(`${p.section}.${key}`);
  for (const k of EVENT_HANDLER_KINDS) for (const [key, s] of Object.entries(handlerSettings(k))) if (s.inert) out.push(`${k.section}.${key}`);
  return out;
}

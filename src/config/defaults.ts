// Every setting Portunus knows, with its built-in default; the type of a default is the type of the setting.
import { PLUGIN_CATALOG } from '../plugins/catalog.js';

export const DEFAULTS = {
  general: {
    server_name: 'Portunus',
    session_timeout: 60,
    reclaim_session_timeout: 0,
    candidates_timeout: 45,
    api_secret: '',
    admin_secret: '',
    token_auth: false,
    token_auth_secret: '',
    accept_new_sessions: true,
    opaqueid_in_api: false,
    hide_dependencies: false,
    log_level: 4,
    log_format: 'text',
    log_timestamps: true,
    /** A folder where plugins save what is created with "permanent": true (one .jcfg file per plugin); empty = not saved. */
    state_dir: '',
    /** The one folder where files that clients name are written and read (recordings, rec_dir, file mountpoints made over the API); relative names are taken from the working folder. */
    recordings_dir: 'recordings',
    /** Event-loop lag (ms) above which a warning is logged (at most once a minute); 0 = never warn. Admin get_status reports the lag either way. */
    event_loop_lag_warn: 250,
  },
  media: {
    ipv6: false,
    rtp_port_range: '10000-60000',
    dtls_timeout: 500,
    no_media_timer: 1,
    slowlink_threshold: 0,
    min_nack_queue: 200,
    nack_optimizations: false,
    twcc_period: 200,
    dtls_mtu: 1200,
  },
  nat: {
    ice_lite: true,
    ice_tcp: false,
    full_trickle: false,
    stun_server: '',
    stun_port: 3478,
    nat_1_1_mapping: '',
    keep_private_host: false,
    ice_enforce_list: '',
    ice_ignore_list: 'vmnet',
    turn_server: '',
    turn_port: 3478,
    turn_type: 'udp',
    turn_user: '',
    turn_pwd: '',
  },
  certificates: {
    cert_pem: '',
    cert_key: '',
    cert_pwd: '',
  },
  plugins: {
    /** Comma-separated package names of plugins not to load. */
    disable: '',
  },
  http: {
    http: true,
    port: 8088,
    ip: '',
    interface: '',
    base_path: '/janus',
    https: false,
    secure_port: 8089,
    secure_ip: '',
    secure_interface: '',
    admin_http: false,
    admin_port: 7088,
    admin_ip: '',
    admin_interface: '',
    admin_base_path: '/admin',
    admin_https: false,
    admin_secure_port: 7889,
    admin_secure_ip: '',
    admin_secure_interface: '',
    allow_origin: '',
    enforce_cors: false,
    max_body_size: 1048576,
    json: 'compact',
    /** Events kept for a session between long polls; beyond it the oldest are dropped (counted, logged). */
    max_queued_events: 1000,
    /** Seconds a client gets to send a request's headers, and its whole request (headers and body); for every HTTP listener, WebSocket handshakes included. */
    headers_timeout: 10,
    request_timeout: 30,
  },
  websockets: {
    ws: true,
    ws_port: 8188,
    ws_ip: '',
    ws_interface: '',
    wss: false,
    wss_port: 8989,
    wss_ip: '',
    wss_interface: '',
    admin_ws: false,
    admin_ws_port: 7188,
    admin_ws_ip: '',
    admin_ws_interface: '',
    admin_wss: false,
    admin_wss_port: 7989,
    admin_wss_ip: '',
    admin_wss_interface: '',
    max_message_size: 1048576,
    /** Seconds without anything from the client before a PING, and seconds to wait for its PONG before closing; 0 in either = no pings. */
    pingpong_trigger: 30,
    pingpong_timeout: 10,
    json: 'compact',
    /** Bytes of replies and events a connection may leave unread; beyond it the connection is closed (its sessions can be claimed). */
    max_unsent_bytes: 4194304,
  },
} as const;

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : never;

export type CoreSettings = {
  -readonly [S in keyof typeof DEFAULTS]: { -readonly [K in keyof (typeof DEFAULTS)[S]]: Widen<(typeof DEFAULTS)[S][K]> };
};

/** Sections that belong to plugins (section → package): free-form, passed to the plugin whole. */
export const PLUGIN_SECTIONS: Readonly<Record<string, string>> = Object.fromEntries(PLUGIN_CATALOG.map((p) => [p.section, p.package]));

export const SECTION_HELP: Readonly<Record<keyof typeof DEFAULTS, string>> = {
  general: 'sessions, secrets, logging',
  media: 'RTP/RTCP and DTLS behaviour',
  nat: 'ICE: candidates, STUN/TURN, interface filters',
  certificates: 'DTLS/TLS certificate and key (PEM); generated when absent',
  plugins: 'which plugins load',
  http: 'REST transport and REST Admin API',
  websockets: 'WebSocket transport and WebSocket Admin API',
};

/** Settings read for compatibility with Janus configurations but without effect yet; --help says so. */
export const NOT_YET_USED: ReadonlySet<string> = new Set([
  'media.dtls_timeout',
  'media.twcc_period',
  'media.dtls_mtu',
  'media.min_nack_queue',
  'media.nack_optimizations',
  'nat.ice_lite',
  'nat.ice_tcp',
  'nat.full_trickle',
  'nat.keep_private_host',
  'nat.turn_server',
  'nat.turn_port',
  'nat.turn_type',
  'nat.turn_user',
  'nat.turn_pwd',
]);

// The broker event handlers as kinds of the catalog: Janus's mqttevh and rabbitmqevh, and Portunus's natsevh.
// Their settings keep Janus's names. Each backend file reads and checks them (events/backends/) when the handler
// starts, and a value that cannot work stops that handler with a log line naming it; the tables here declare
// them for the config, the environment and --help. A setting with an older Janus spelling (tls_* and ssl_*) is
// declared empty in both, so that whichever spelling a file uses is the one read.
import { inertSetting, setting, type SettingGroup } from '../config/setting.js';
import type { Logger } from '../logging/logger.js';
import type { BackendSettings } from '../brokers/broker-settings.js';
import type { EventBackend, EventHandlerKind } from './event-backend.js';

/** What each backend module offers (events/backends/*-backend.ts). */
interface BackendModule {
  fromSettings(settings: BackendSettings, log: Logger): EventBackend;
}

/** Text settings left empty mean "not set": the backend's own default applies. */
function unset(help: string): ReturnType<typeof setting<string>> {
  return setting('', help);
}

const TLS_FILES: SettingGroup = {
  tls_cacert: unset('CA certificate file (PEM) the broker is checked against'),
  tls_client_cert: unset('client certificate file (PEM), when the broker asks for one'),
  tls_client_key: unset("the client certificate's key file (PEM)"),
};

/** The parts of a kind every broker shares: Janus's names and what the Admin API reports. */
function kind(pkg: string, name: string, description: string, settings: SettingGroup, load: () => Promise<BackendModule>): EventHandlerKind {
  return {
    package: pkg,
    section: pkg.slice('janus.eventhandler.'.length),
    name,
    description,
    version: 1,
    versionString: '0.0.1',
    settings: {
      ...settings,
      send_timeout: setting(10_000, 'ms a publish may take before it counts as failed (and is retried)'),
    },
    // Checked by the backend as it starts (its client library is loaded only for a handler that is on).
    problem: () => undefined,
    // The client library is imported here, so a kind that is not used loads nothing.
    create: async (context) => (await load()).fromSettings(context.settings, context.log),
  };
}

export const MQTTEVH: EventHandlerKind = kind(
  'janus.eventhandler.mqttevh',
  'JANUS MqttEventHandler plugin',
  'This is an event handler plugin for Janus, which relays events via MQTT.',
  {
    url: setting('tcp://localhost:1883', 'broker address: tcp:// or mqtt:// (1883), ssl://, mqtts:// or tls:// (8883); user:password@ allowed'),
    client_id: setting('guest', 'MQTT client identifier'),
    mqtt_version: setting('3.1.1', 'protocol version: 3.1, 3.1.1 or 5'),
    keep_alive_interval: setting(30, 'seconds between keep-alive pings'),
    cleansession: setting(false, 'start a clean session on every connection'),
    disconnect_timeout: setting(100, 'ms given to a graceful disconnect'),
    username: unset('user name (or in url)'),
    password: unset('password for username'),
    topic: setting('/janus/events', 'base topic: events go to topic/<type> (sessions, handles, webrtc, media …), status to topic/status'),
    addevent: setting(true, 'publish each event on topic/<type>; off: all on topic'),
    qos: setting(1, 'QoS of event messages: 0, 1 or 2'),
    retain: setting(false, 'publish events retained'),
    connect_status: unset('message published on topic/status once connected (default names the handler)'),
    disconnect_status: unset('message published on topic/status at close and as the will (default {"event": "disconnected"})'),
    will_enabled: setting(false, "leave disconnect_status as the connection's will"),
    will_retain: setting(true, 'the will and the status messages are retained'),
    will_qos: setting(0, 'QoS of the will'),
    tls_enable: unset("Janus's switch for TLS; here the url's scheme decides (ssl://, mqtts://)"),
    ssl_enable: unset('older name of tls_enable'),
    ...TLS_FILES,
    ssl_cacert: unset('older name of tls_cacert'),
    ssl_client_cert: unset('older name of tls_client_cert'),
    ssl_client_key: unset('older name of tls_client_key'),
    tls_verify_peer: unset("check the broker's certificate (default false, as Janus)"),
    ssl_verify_peer: unset('older name of tls_verify_peer'),
    tls_verify_hostname: unset("check the broker's certificate names its host (default false, as Janus)"),
    ssl_verify_hostname: unset('older name of tls_verify_hostname'),
    max_inflight: inertSetting('', 'accepted for Janus configurations; the client library bounds messages in flight itself'),
    max_buffered: inertSetting('', "accepted for Janus configurations; events wait in the handler's queue (max_queued_events)"),
  },
  () => import('./backends/mqtt-backend.js'),
);

export const RABBITMQEVH: EventHandlerKind = kind(
  'janus.eventhandler.rabbitmqevh',
  'JANUS RabbitMqEventHandler plugin',
  'This is an event handler plugin for Janus, which relays events via RabbitMQ.',
  {
    host: setting('localhost', 'broker host'),
    port: setting(5672, 'broker port'),
    username: setting('guest', 'user name'),
    password: setting('guest', 'password'),
    vhost: setting('/', 'virtual host'),
    exchange: unset('exchange to publish to; empty: the default exchange'),
    exchange_type: setting('fanout', 'type of a named exchange: fanout, direct, topic, headers'),
    route_key: unset("routing key (required; Janus's sample uses janus-events)"),
    heartbeat: setting(0, 'AMQP heartbeat in seconds; 0 = none'),
    declare_outgoing_queue: setting(true, 'declare the route_key queue (non-durable, as Janus)'),
    ssl_enable: setting(false, 'connect with TLS (amqps)'),
    ssl_cacert: unset('CA certificate file (PEM) the broker is checked against'),
    ssl_cert: unset('client certificate file (PEM)'),
    ssl_key: unset("the client certificate's key file (PEM)"),
    ssl_verify_peer: setting(false, "check the broker's certificate"),
    ssl_verify_hostname: setting(false, "check the broker's certificate names its host"),
  },
  () => import('./backends/rabbitmq-backend.js'),
);

export const NATSEVH: EventHandlerKind = kind(
  'janus.eventhandler.natsevh',
  'Portunus NatsEventHandler plugin',
  'An event handler that publishes Janus events on NATS subjects.',
  {
    url: setting('nats://localhost:4222', 'server addresses, comma-separated: nats:// or tls:// (4222); user:password@ or token@ allowed'),
    user: unset('user name (or in url)'),
    password: unset('password for user'),
    token: unset('authentication token, instead of user and password'),
    client_name: setting('portunus', 'connection name the server shows'),
    subject: setting('janus.events', 'subject to publish on; with addevent, subject.<type>'),
    addevent: setting(false, 'publish each event on subject.<type> (sessions, handles, webrtc, media …)'),
    tls_enable: setting(false, 'connect with TLS (also when a url is tls://)'),
    ...TLS_FILES,
    tls_verify_peer: setting(true, "check the server's certificate"),
    tls_verify_hostname: setting(true, "check the server's certificate names its host"),
  },
  () => import('./backends/nats-backend.js'),
);

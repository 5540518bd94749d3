// Janus's janus.transport.mqtt: requests arrive on subscribe_topic (Admin API: admin_subscribe_topic), replies
// and every session's events are published on publish_topic (admin_publish_topic). With MQTT 5, a request's
// response topic and correlation data are honoured for its reply, and user properties are copied or added
// (mqtt-user-properties.ts), as Janus does. The optional status messages
// (status_* settings, Janus's `status` group) announce the connection, and the disconnect message is also the
// connection's will. The connection itself is the MQTT event handler's (connectMqtt), kept up by BrokerLink.
import type { IClientOptions, IClientPublishOptions, MqttClient } from 'mqtt';
import { parseBrokerUrl, hostPort, readTls, SettingsReader, type BackendSettings, type BrokerTls } from '../brokers/broker-settings.js';
import { applyMqttTls, connectMqtt, endClient } from '../brokers/mqtt-client.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { BrokerApi, BrokerWire } from './broker-transport.js';
import { readUserPropertyRules, replyUserProperties, type UserProperties } from './mqtt-user-properties.js';

export const MQTT_TRANSPORT_PACKAGE = 'janus.transport.mqtt';
const LABEL = 'MQTT transport';
const PORTS: Readonly<Record<string, number>> = { tcp: 1883, mqtt: 1883, ssl: 8883, mqtts: 8883, tls: 8883 };
const TLS_SCHEMES = ['ssl', 'mqtts', 'tls'];
const VERSIONS: Readonly<Record<string, 3 | 4 | 5>> = { '3.1': 3, '3.1.1': 4, '5': 5 };
type QoS = 0 | 1 | 2;

interface Route {
  readonly subscribe: string;
  readonly subscribeQos: QoS;
  readonly publish: string;
  readonly publishQos: QoS;
}

/** What a v5 request carried for its reply. */
interface ReplyTo {
  readonly topic?: string;
  readonly correlationData?: Buffer;
  readonly userProperties?: UserProperties;
}

/** Topics here are exact: a wildcard in subscribe_topic would take messages Janus would not. */
function topic(r: SettingsReader, key: string, value: string): string {
  if (value === '' || /[+#\0]/.test(value) || Buffer.byteLength(value) > 65535) r.fail(key, `is not a topic without wildcards: ${JSON.stringify(value)}`);
  return value;
}

/** The MQTT transport's wire from the `mqtt` section (Janus's janus.transport.mqtt.jcfg names). */
export function mqttWire(section: BackendSettings, log: Logger, baseDir?: string): BrokerWire<MqttClient, ReplyTo> {
  const r = new SettingsReader(section, LABEL);
  const url = parseBrokerUrl(r, 'url', r.string('url', 'tcp://localhost:1883'), PORTS);
  const secure = TLS_SCHEMES.includes(url.scheme);
  if (r.bool('ssl_enabled', false) && !secure) log.warn(`${LABEL}: ssl_enabled is set but url is ${url.scheme}://, so the connection is not encrypted (use ssl:// or mqtts://)`);
  let tls: BrokerTls | undefined;
  if (secure) {
    const keys = { ca: ['cacertfile'], cert: ['certfile'], key: ['keyfile'], verifyPeer: ['verify_peer'], verifyHostname: ['verify_peer'] };
    tls = readTls(r, keys, false, baseDir, (m) => log.warn(`${LABEL}: ${m}`));
  }
  const version = VERSIONS[r.string('mqtt_version', '3.1.1').trim()];
  if (version === undefined) r.fail('mqtt_version', 'must be 3.1, 3.1.1 or 5');
  const qos = (key: string): QoS => r.int(key, 1, 0, 2) as QoS;
  const userProperties = readUserPropertyRules(r);
  if (version !== 5 && (userProperties.proxied.length > 0 || userProperties.added.length > 0)) {
    log.warn(`${LABEL}: proxy_transaction_user_properties and add_transaction_user_properties work with mqtt_version 5 only: ignored`);
  }
  const routes: Record<BrokerApi, Route> = {
    janus: {
      subscribe: topic(r, 'subscribe_topic', r.string('subscribe_topic', 'to-janus')),
      subscribeQos: qos('subscribe_qos'),
      publish: topic(r, 'publish_topic', r.string('publish_topic', 'from-janus')),
      publishQos: qos('publish_qos'),
    },
    admin: {
      subscribe: topic(r, 'admin_subscribe_topic', r.string('admin_subscribe_topic', 'to-janus-admin')),
      subscribeQos: qos('admin_subscribe_qos'),
      publish: topic(r, 'admin_publish_topic', r.string('admin_publish_topic', 'from-janus-admin')),
      publishQos: qos('admin_publish_qos'),
    },
  };
  const apis: BrokerApi[] = [];
  if (r.bool('enabled', false)) apis.push('janus');
  if (r.bool('admin_enabled', false)) apis.push('admin');
  if (apis.length === 2 && routes.janus.subscribe === routes.admin.subscribe) r.fail('admin_subscribe_topic', 'must differ from subscribe_topic: the Janus API and the Admin API cannot share a topic');
  const username = r.string('username') ?? url.username;
  const password = r.string('password') ?? url.password;
  if (password !== undefined && username === undefined) r.fail('password', 'needs a username');
  const status = r.bool('status_enabled', false)
    ? {
        topic: topic(r, 'status_topic', r.string('status_topic', 'status')),
        qos: qos('status_qos'),
        retain: r.bool('status_retain', false),
        connect: r.string('status_connect_message'),
        disconnect: r.string('status_disconnect_message'),
      }
    : undefined;
  const disconnectTimeoutMs = r.int('disconnect_timeout', 100, 0, 600_000);
  const options: IClientOptions = {
    host: url.host,
    port: url.port,
    protocol: tls ? 'mqtts' : 'mqtt',
    protocolVersion: version,
    protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
    clientId: r.string('client_id', 'guest'),
    keepalive: r.int('keep_alive_interval', 20, 0, 65535),
    clean: r.bool('cleansession', false),
    username,
    password,
    // BrokerLink reconnects, with back-off; the library must not on its own.
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    will: status?.disconnect !== undefined ? { topic: status.topic, payload: Buffer.from(status.disconnect), qos: status.qos, retain: status.retain } : undefined,
  };
  const v5 = version === 5;
  return {
    package: MQTT_TRANSPORT_PACKAGE,
    label: LABEL,
    name: 'JANUS MQTT transport plugin',
    description: 'The Janus API (and Admin API) over an MQTT broker',
    target: `${url.scheme}://${hostPort(url.host, url.port)}`,
    apis,
    routes: apis.map((api) => `${api === 'admin' ? 'Admin API' : 'Janus API'}: ${routes[api].subscribe} → ${routes[api].publish}`).join(', '),
    hooks: {
      open: async (signal) => {
        const o = { ...options };
        if (tls) await applyMqttTls(o, tls);
        return connectMqtt(o, LABEL, signal);
      },
      watch: (client, lost) => {
        let problem = 'connection closed';
        client.on('error', (err) => (problem = errorText(err)));
        client.on('close', () => lost(problem));
      },
      ready: (client) => {
        if (status?.connect !== undefined) client.publish(status.topic, status.connect, { qos: status.qos, retain: status.retain });
      },
      close: async (client, graceful) => {
        if (graceful && client.connected && status?.disconnect !== undefined) client.publish(status.topic, status.disconnect, { qos: status.qos, retain: status.retain });
        await endClient(client, graceful, disconnectTimeoutMs);
      },
    },
    listen: async (client, incoming) => {
      const byTopic = new Map(apis.map((api) => [routes[api].subscribe, api]));
      client.on('message', (t, payload, packet) => {
        const api = byTopic.get(t);
        if (api === undefined) return;
        const props = packet.properties;
        // As Janus: what a v5 request carries shapes the replies to it on the Janus API (not the Admin API).
        const reply = v5 && api === 'janus' ? { topic: props?.responseTopic, correlationData: props?.correlationData, userProperties: props?.userProperties } : undefined;
        incoming(api, payload, reply);
      });
      const granted = await client.subscribeAsync(Object.fromEntries(apis.map((api) => [routes[api].subscribe, { qos: routes[api].subscribeQos }])));
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`);
    },
    publish: async (client, api, text, reply) => {
      const route = routes[api];
      const opts: IClientPublishOptions = { qos: route.publishQos };
      if (reply) {
        const user = replyUserProperties(reply.userProperties, userProperties);
        if (reply.correlationData !== undefined || user) opts.properties = { correlationData: reply.correlationData, userProperties: user };
      }
      await client.publishAsync(reply?.topic ?? route.publish, text, opts);
    },
  };
}

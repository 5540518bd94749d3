// Janus's MQTT event handler (janus.eventhandler.mqttevh): every event is published as its own message on
// `topic/<type label>` (or on `topic` with addevent off), with Janus's `eventtype` name added; `topic/status`
// carries connect_status when a connection is made, disconnect_status when the handler closes and, as the will,
// when the connection dies. The mqtt package opens the TCP or TLS socket (docs/events-brokers.md).
import type { IClientOptions, MqttClient } from 'mqtt';
import { applyMqttTls, connectMqtt, endClient } from '../../brokers/mqtt-client.js';
import type { JsonObject } from '../../core/validate.js';
import { errorText } from '../../logging/error-text.js';
import type { Logger } from '../../logging/logger.js';
import type { EventBackend } from '../event-backend.js';
import type { Backoff, LinkHooks } from '../../brokers/broker-link.js';
import { brokerBackend } from './broker-backend.js';
import { hostPort, parseBrokerUrl, readTls, SettingsReader, type BackendSettings, type BrokerTls } from '../../brokers/broker-settings.js';
import { eventTypeLabel, eventTypeName } from './event-labels.js';
import { formatJson, parseJsonFormat, type JsonFormat } from './json-format.js';

export const MQTT_PACKAGE = 'janus.eventhandler.mqttevh';
const LABEL = 'MQTT event handler';

const PORTS: Readonly<Record<string, number>> = { tcp: 1883, mqtt: 1883, ssl: 8883, mqtts: 8883, tls: 8883 };
const TLS_SCHEMES = ['ssl', 'mqtts', 'tls'];
const VERSIONS = { '3.1': 3, '3.1.1': 4, '5': 5 } as const;
const VERSION_NAMES: readonly (keyof typeof VERSIONS)[] = ['3.1', '3.1.1', '5']; // in this order (object keys put '5' first)
type QoS = 0 | 1 | 2;

export interface MqttSettings {
  /** The URL as logged: scheme://host:port, without credentials. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: BrokerTls;
  readonly protocolVersion: 3 | 4 | 5;
  readonly clientId: string;
  readonly keepAliveSeconds: number;
  readonly cleanSession: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly topic: string;
  readonly addEvent: boolean;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly connectStatus: string;
  readonly disconnectStatus: string;
  readonly will?: { readonly qos: QoS; readonly retain: boolean };
  readonly statusRetain: boolean;
  readonly disconnectTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly json: JsonFormat;
}

/** A topic we may publish on: not empty, no wildcard, no NUL, at most 65535 bytes of UTF-8. */
function checkTopic(reader: SettingsReader, key: string, topic: string): string {
  if (topic === '' || /[+#\0]/.test(topic) || Buffer.byteLength(topic) > 65535 - 16) reader.fail(key, `is not a topic one can publish on (no +, # or NUL; not empty): ${JSON.stringify(topic)}`);
  return topic;
}

/**
 * Reads Janus's mqttevh settings (janus.eventhandler.mqttevh.jcfg). `baseDir` is where relative certificate
 * paths start (Janus: the configuration folder). Throws BackendSettingsError on a value that cannot work.
 */
export function parseMqttSettings(settings: BackendSettings, log: Logger, baseDir?: string): MqttSettings {
  const r: SettingsReader = new SettingsReader(settings, LABEL);
  const url = parseBrokerUrl(r, 'url', r.string('url', 'tcp://localhost:1883'), PORTS);
  const secure = TLS_SCHEMES.includes(url.scheme);
  const tlsEnable = r.bool(r.pick('tls_enable', 'ssl_enable') ?? 'tls_enable', false);
  if (tlsEnable && !secure) log.warn(`${LABEL}: tls_enable is set but url is ${url.scheme}://, so the connection is not encrypted (use ssl:// or mqtts://)`);
  let tls: BrokerTls | undefined;
  if (secure) {
    const keys = {
      ca: ['tls_cacert', 'ssl_cacert'],
      cert: ['tls_client_cert', 'ssl_client_cert'],
      key: ['tls_client_key', 'ssl_client_key'],
      verifyPeer: ['tls_verify_peer', 'ssl_verify_peer'],
      verifyHostname: ['tls_verify_hostname', 'ssl_verify_hostname'],
    };
    tls = readTls(r, keys, false, baseDir, (m) => log.warn(`${LABEL}: ${m}`));
  }
  const version = r.oneOf('mqtt_version', VERSION_NAMES, '3.1.1');
  const clientId = r.string('client_id', 'guest');
  if (Buffer.byteLength(clientId) > 65535) r.fail('client_id', 'is longer than 65535 bytes');
  const username = r.string('username') ?? url.username;
  const password = r.string('password') ?? url.password;
  if (password !== undefined && username === undefined) r.fail('password', 'needs a username');
  const topic = checkTopic(r, 'topic', r.string('topic', '/janus/events'));
  const willEnabled = r.bool('will_enabled', false);
  const willRetain = r.bool('will_retain', true);
  return {
    target: `${url.scheme}://${hostPort(url.host, url.port)}`,
    host: url.host,
    port: url.port,
    tls,
    protocolVersion: VERSIONS[version],
    clientId,
    keepAliveSeconds: r.int('keep_alive_interval', 30, 0, 65535),
    cleanSession: r.bool('cleansession', false),
    username,
    password,
    topic,
    addEvent: r.bool('addevent', true),
    qos: r.int('qos', 1, 0, 2) as QoS,
    retain: r.bool('retain', false),
    connectStatus: r.string('connect_status', `{"event": "connected", "eventhandler": "${MQTT_PACKAGE}"}`),
    disconnectStatus: r.string('disconnect_status', '{"event": "disconnected"}'),
    will: willEnabled ? { qos: r.int('will_qos', 0, 0, 2) as QoS, retain: willRetain } : undefined,
    statusRetain: willRetain,
    disconnectTimeoutMs: r.int('disconnect_timeout', 100, 0, 600_000),
    sendTimeoutMs: r.int('send_timeout', 10_000, 1, 600_000),
    json: parseJsonFormat(settings.json, LABEL, log),
  };
}

/** What one event becomes: its topic and its text (the event with Janus's `eventtype` name added). */
export function mqttMessage(event: JsonObject, s: Pick<MqttSettings, 'topic' | 'addEvent' | 'json'>): { topic: string; payload: string } {
  const label = eventTypeLabel(event.type);
  const name = eventTypeName(event.type);
  const topic = s.addEvent && label !== undefined ? `${s.topic}/${label}` : s.topic;
  return { topic, payload: formatJson(name === undefined ? event : { ...event, eventtype: name }, s.json) };
}

/** One connection and the publishes waiting on it, failed together when it goes. */
interface Conn {
  readonly client: MqttClient;
  readonly waiting: Set<(err: Error) => void>;
}

async function clientOptions(s: MqttSettings): Promise<IClientOptions> {
  const options: IClientOptions = {
    host: s.host,
    port: s.port,
    protocol: s.tls ? 'mqtts' : 'mqtt',
    protocolVersion: s.protocolVersion,
    protocolId: s.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    clientId: s.clientId,
    keepalive: s.keepAliveSeconds,
    clean: s.cleanSession,
    username: s.username,
    password: s.password,
    // The link reconnects, with back-off; the library must not on its own.
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    will: s.will ? { topic: `${s.topic}/status`, payload: Buffer.from(s.disconnectStatus), qos: s.will.qos, retain: s.will.retain } : undefined,
  };
  if (s.tls) await applyMqttTls(options, s.tls);
  return options;
}

function publish(conn: Conn, topic: string, payload: string, qos: QoS, retain: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => reject(err);
    conn.waiting.add(fail);
    conn.client.publish(topic, payload, { qos, retain }, (err) => {
      conn.waiting.delete(fail);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** One connection attempt: resolves on CONNACK, rejects (and ends the client) on an error, a close or abort. */
async function open(s: MqttSettings, signal: AbortSignal): Promise<Conn> {
  const client = await connectMqtt(await clientOptions(s), LABEL, signal);
  return { client, waiting: new Set() };
}

function hooks(s: MqttSettings, log: Logger): LinkHooks<Conn> {
  return {
    open: (signal) => open(s, signal),
    watch: (conn, lost) => {
      let problem = 'connection closed';
      conn.client.on('error', (err) => (problem = errorText(err)));
      conn.client.on('close', () => {
        for (const fail of conn.waiting) fail(new Error(`${LABEL}: connection to ${s.target} lost before the broker took the message`));
        conn.waiting.clear();
        lost(problem);
      });
    },
    ready: (conn) => {
      // As Janus: announce on topic/status, with the will's retain so that a retained will is overwritten.
      publish(conn, `${s.topic}/status`, s.connectStatus, s.qos, s.statusRetain).catch((err) => log.verbose(`${LABEL}: connect_status not published: ${errorText(err)}`));
    },
    close: async (conn, graceful) => {
      if (graceful && conn.client.connected) {
        // As Janus: disconnect_status on topic/status, retained, before the DISCONNECT.
        conn.client.publish(`${s.topic}/status`, s.disconnectStatus, { qos: s.qos, retain: true });
      }
      await endClient(conn.client, graceful, s.disconnectTimeoutMs);
    },
  };
}

/** The MQTT event handler from its settings (Janus's names, docs/events-brokers.md); starts connecting at once. */
export function fromSettings(settings: BackendSettings, log: Logger, options: { baseDir?: string; backoff?: Backoff } = {}): EventBackend {
  const s = parseMqttSettings(settings, log, options.baseDir);
  return brokerBackend<Conn>(
    {
      name: MQTT_PACKAGE,
      label: LABEL,
      target: s.target,
      sendTimeoutMs: s.sendTimeoutMs,
      hooks: hooks(s, log),
      publish: async (conn, batch) => {
        await Promise.all(
          batch.map((event) => {
            const m = mqttMessage(event, s);
            return publish(conn, m.topic, m.payload, s.qos, s.retain);
          }),
        );
      },
    },
    log,
    options.backoff,
  );
}

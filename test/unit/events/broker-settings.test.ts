// The broker event handlers' settings (Janus's names and defaults, clear refusals) and the messages they make.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import fc from 'fast-check';
import { BackendSettingsError, type BackendSettings } from '../../../src/brokers/broker-settings.js';
import { formatJson } from '../../../src/events/backends/json-format.js';
import { mqttMessage, parseMqttSettings } from '../../../src/events/backends/mqtt-backend.js';
import { natsMessages, parseNatsSettings } from '../../../src/events/backends/nats-backend.js';
import { ipIdentity } from '../../../src/brokers/nats-client.js';
import { parseRabbitSettings, rabbitBody } from '../../../src/events/backends/rabbitmq-backend.js';
import { Logger, LogLevel } from '../../../src/logging/logger.js';

function logger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: Logger.create({ level: LogLevel.DEBUG, timestamps: false, sink: { write: (l) => lines.push(l) } }), lines };
}
const quiet = Logger.create({ level: LogLevel.NONE });
const THIS_FILE = fileURLToPath(import.meta.url);

function refused(parse: () => unknown, pattern: RegExp): void {
  assert.throws(parse, (err: unknown) => err instanceof BackendSettingsError && pattern.test(err.message));
}

test('MQTT: Janus defaults', () => {
  const s = parseMqttSettings({}, quiet);
  assert.equal(s.target, 'tcp://localhost:1883');
  assert.equal(s.host, 'localhost');
  assert.equal(s.clientId, 'guest');
  assert.equal(s.topic, '/janus/events');
  assert.equal(s.addEvent, true);
  assert.equal(s.qos, 1, 'Janus publishes with QoS 1 unless told');
  assert.equal(s.retain, false);
  assert.equal(s.keepAliveSeconds, 30);
  assert.equal(s.cleanSession, false);
  assert.equal(s.protocolVersion, 4);
  assert.equal(s.disconnectTimeoutMs, 100);
  assert.equal(s.statusRetain, true);
  assert.equal(s.will, undefined);
  assert.equal(s.tls, undefined);
  assert.equal(s.json, 'compact');
  assert.equal(s.connectStatus, '{"event": "connected", "eventhandler": "janus.eventhandler.mqttevh"}');
  assert.equal(s.disconnectStatus, '{"event": "disconnected"}');
});

test('MQTT: URLs, credentials, TLS, will, versions', () => {
  const v6 = parseMqttSettings({ url: 'mqtt://[::1]:1884' }, quiet);
  assert.equal(v6.host, '::1');
  assert.equal(v6.target, 'mqtt://[::1]:1884');
  const creds = parseMqttSettings({ url: 'tcp://ev%40nt:p%3Ass@broker.example:1' }, quiet);
  assert.equal(creds.username, 'ev@nt');
  assert.equal(creds.password, 'p:ss');
  assert.equal(creds.target, 'tcp://broker.example:1', 'no credentials in what is logged');
  assert.equal(parseMqttSettings({ url: 'tcp://u:a@h', username: 'other', password: 'b' }, quiet).username, 'other');
  const { log, lines } = logger();
  const tls = parseMqttSettings({ url: 'ssl://broker.example', ssl_cacert: THIS_FILE, tls_verify_peer: 'yes' }, log);
  assert.equal(tls.port, 8883);
  assert.deepEqual(tls.tls, { caFile: THIS_FILE, certFile: undefined, keyFile: undefined, verifyPeer: true, verifyHostname: false });
  assert.equal(lines.length, 0);
  parseMqttSettings({ url: 'mqtts://h' }, log);
  assert.match(lines.join('\n'), /certificate is not verified/);
  parseMqttSettings({ url: 'tcp://h', tls_enable: true }, log);
  assert.match(lines.join('\n'), /tls_enable is set but url is tcp:\/\//);
  const will = parseMqttSettings({ will_enabled: 'yes', will_qos: '1', will_retain: 'no' }, quiet);
  assert.deepEqual(will.will, { qos: 1, retain: false });
  assert.equal(will.statusRetain, false);
  assert.equal(parseMqttSettings({ mqtt_version: '3.1' }, quiet).protocolVersion, 3);
  assert.equal(parseMqttSettings({ mqtt_version: '5' }, quiet).protocolVersion, 5);
  assert.equal(parseMqttSettings({ qos: 0, retain: 'true', cleansession: 1, keep_alive_interval: '0' }, quiet).qos, 0);
});

test('MQTT: clear refusals', () => {
  refused(() => parseMqttSettings({ url: 'http://h:80' }, quiet), /^MQTT event handler: url has an unknown scheme "http:\/\/"/);
  refused(() => parseMqttSettings({ url: 'localhost:1883' }, quiet), /url is not a URL of the form scheme:\/\/host:port/);
  for (const port of ['0', '65536', 'abc', '-1']) refused(() => parseMqttSettings({ url: `tcp://h:${port}` }, quiet), /url has a port that is not a number from 1 to 65535/);
  refused(() => parseMqttSettings({ url: 'tcp://h:1883/path' }, quiet), /url is not a URL/);
  refused(() => parseMqttSettings({ url: 'tcp://::1:1883' }, quiet), /url/);
  refused(() => parseMqttSettings({ qos: 3 }, quiet), /qos must be a whole number from 0 to 2, not 3/);
  refused(() => parseMqttSettings({ qos: '1.5' }, quiet), /qos must be a whole number/);
  refused(() => parseMqttSettings({ mqtt_version: '4' }, quiet), /mqtt_version must be one of 3\.1, 3\.1\.1, 5/);
  refused(() => parseMqttSettings({ topic: '/janus/#' }, quiet), /topic is not a topic one can publish on/);
  refused(() => parseMqttSettings({ keep_alive_interval: -1 }, quiet), /keep_alive_interval must be a whole number from 0 to 65535/);
  refused(() => parseMqttSettings({ cleansession: 'maybe' }, quiet), /cleansession must be true or false, not "maybe"/);
  refused(() => parseMqttSettings({ url: 'ssl://h', tls_cacert: '/no/such/ca.pem' }, quiet), /tls_cacert names a file that does not exist: \/no\/such\/ca\.pem/);
  refused(() => parseMqttSettings({ url: 'ssl://h', tls_client_cert: THIS_FILE }, quiet), /tls_client_key is needed too/);
  refused(() => parseMqttSettings({ password: 'x' }, quiet), /password needs a username/);
  refused(() => parseMqttSettings({ client_id: 'a\nb' }, quiet), /client_id must not hold NUL or line breaks/);
});

test('MQTT: relative certificate paths start at the configuration folder; json as Janus', () => {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const s = parseMqttSettings({ url: 'ssl://h', tls_cacert: THIS_FILE.slice(dir.length) }, quiet, dir);
  assert.equal(s.tls?.caFile, THIS_FILE);
  const { log, lines } = logger();
  assert.equal(parseMqttSettings({ json: 'pretty' }, log).json, 'compact');
  assert.match(lines.join('\n'), /unsupported json format "pretty", using compact/);
  assert.equal(parseMqttSettings({ json: 'INDENTED' }, quiet).json, 'indented');
});

test('MQTT: a message per event on topic/<label>, with Janus eventtype', () => {
  const s = { topic: '/janus/events', addEvent: true, json: 'compact' as const };
  assert.deepEqual(mqttMessage({ type: 16, event: { ice: 'connected' } }, s), { topic: '/janus/events/webrtc', payload: '{"type":16,"event":{"ice":"connected"},"eventtype":"WebRTC"}' });
  assert.deepEqual(mqttMessage({ type: 64 }, s).topic, '/janus/events/plugins');
  assert.deepEqual(mqttMessage({ type: 3 }, s), { topic: '/janus/events', payload: '{"type":3}' }, 'an unknown type: base topic, no eventtype');
  assert.equal(mqttMessage({ type: 1 }, { ...s, addEvent: false }).topic, '/janus/events');
});

test('RabbitMQ: Janus defaults and refusals', () => {
  const s = parseRabbitSettings({ route_key: 'janus-events' }, quiet);
  assert.equal(s.target, 'amqp://localhost:5672/');
  assert.equal(s.username, 'guest');
  assert.equal(s.password, 'guest');
  assert.equal(s.vhost, '/');
  assert.equal(s.exchange, '', 'no exchange: the default exchange, as Janus');
  assert.equal(s.exchangeType, 'fanout');
  assert.equal(s.heartbeatSeconds, 0);
  assert.equal(s.declareOutgoingQueue, true);
  assert.equal(s.grouping, true);
  assert.equal(s.tls, undefined);
  const v6 = parseRabbitSettings({ route_key: 'k', host: '[::1]', port: '5673', vhost: 'prod' }, quiet);
  assert.equal(v6.host, '::1');
  assert.equal(v6.target, 'amqp://[::1]:5673/prod');
  assert.equal(parseRabbitSettings({ route_key: 'k', exchange: 'ex', exchange_type: 'x-consistent-hash' }, quiet).exchangeType, 'x-consistent-hash');
  const tls = parseRabbitSettings({ route_key: 'k', ssl_enable: 'yes', ssl_cacert: THIS_FILE, ssl_verify_peer: true, ssl_verify_hostname: true }, quiet);
  assert.equal(tls.target, 'amqps://localhost:5672/');
  assert.deepEqual(tls.tls, { caFile: THIS_FILE, certFile: undefined, keyFile: undefined, verifyPeer: true, verifyHostname: true });
  refused(() => parseRabbitSettings({}, quiet), /^RabbitMQ event handler: route_key is missing/);
  refused(() => parseRabbitSettings({ route_key: 'k', port: 'amqp' }, quiet), /port must be a whole number from 1 to 65535, not "amqp"/);
  refused(() => parseRabbitSettings({ route_key: 'k', port: 70000 }, quiet), /port must be a whole number from 1 to 65535/);
  refused(() => parseRabbitSettings({ route_key: 'k', exchange_type: 'broadcast' }, quiet), /exchange_type must be fanout, direct, topic, headers/);
  refused(() => parseRabbitSettings({ route_key: 'k', host: 'amqp://h' }, quiet), /host is not a host name or address/);
  refused(() => parseRabbitSettings({ route_key: 'k', host: '[' }, quiet), /host is not a host name or address/); // a lone bracket, found by the fuzz test
  refused(() => parseRabbitSettings({ route_key: 'k', heartbeat: 65536 }, quiet), /heartbeat must be a whole number from 0 to 65535/);
  refused(() => parseRabbitSettings({ route_key: 'x'.repeat(256) }, quiet), /route_key is longer than 255 bytes/);
  refused(() => parseRabbitSettings({ route_key: 'k', ssl_enable: true, ssl_key: THIS_FILE }, quiet), /ssl_cert is needed too/);
});

test('RabbitMQ: a JSON array per batch when grouping, else one message per event', () => {
  const batch = [{ type: 1 }, { type: 2 }];
  assert.deepEqual(rabbitBody(batch, { grouping: true, json: 'compact' }), ['[{"type":1},{"type":2}]']);
  assert.deepEqual(rabbitBody([batch[0]], { grouping: true, json: 'compact' }), ['[{"type":1}]'], 'an array even of one, as Janus');
  assert.deepEqual(rabbitBody(batch, { grouping: false, json: 'compact' }), ['{"type":1}', '{"type":2}']);
});

test('NATS: defaults, servers, credentials, TLS, refusals', () => {
  const s = parseNatsSettings({}, quiet);
  assert.equal(s.target, 'nats://localhost:4222');
  assert.deepEqual(s.servers, ['localhost:4222']);
  assert.equal(s.subject, 'janus.events');
  assert.equal(s.addEvent, false);
  assert.equal(s.grouping, true);
  assert.equal(s.name, 'portunus');
  const many = parseNatsSettings({ url: 'nats://a:1, nats://[::1]:2' }, quiet);
  assert.deepEqual(many.servers, ['a:1', '[::1]:2']);
  assert.equal(many.target, 'nats://a:1,nats://[::1]:2');
  const token = parseNatsSettings({ url: 'nats://t0ken@h' }, quiet);
  assert.equal(token.token, 't0ken');
  assert.equal(token.user, undefined);
  const user = parseNatsSettings({ url: 'nats://u:p@h' }, quiet);
  assert.deepEqual([user.user, user.password, user.target], ['u', 'p', 'nats://h:4222']);
  assert.equal(parseNatsSettings({ user: 'u' }, quiet).password, '');
  const tls = parseNatsSettings({ url: 'tls://h', tls_cacert: THIS_FILE }, quiet);
  assert.deepEqual(tls.tls, { caFile: THIS_FILE, certFile: undefined, keyFile: undefined, verifyPeer: true, verifyHostname: true });
  assert.equal(tls.target, 'tls://h:4222');
  refused(() => parseNatsSettings({ url: 'mqtt://h' }, quiet), /^NATS event handler: url has an unknown scheme/);
  refused(() => parseNatsSettings({ url: ' , ' }, quiet), /url names no server/);
  refused(() => parseNatsSettings({ subject: 'a..b' }, quiet), /subject is not a subject one can publish on/);
  refused(() => parseNatsSettings({ subject: 'janus.*' }, quiet), /subject is not a subject/);
  refused(() => parseNatsSettings({ subject: 'janus events' }, quiet), /subject is not a subject/);
  refused(() => parseNatsSettings({ token: 't', user: 'u' }, quiet), /token cannot be used together with user\/password/);
  refused(() => parseNatsSettings({ password: 'p' }, quiet), /password needs a user/);
});

test('NATS: grouped per subject, in the order of the batch', () => {
  const batch = [
    { type: 32, n: 1 },
    { type: 1, n: 2 },
    { type: 32, n: 3 },
    { type: 999, n: 4 },
  ];
  assert.deepEqual(natsMessages(batch, { subject: 'j', addEvent: true, grouping: true, json: 'compact' }), [
    ['j.media', '[{"type":32,"n":1},{"type":32,"n":3}]'],
    ['j.sessions', '[{"type":1,"n":2}]'],
    ['j', '[{"type":999,"n":4}]'],
  ]);
  assert.deepEqual(
    natsMessages(batch, { subject: 'j', addEvent: false, grouping: false, json: 'compact' }).map(([subject]) => subject),
    ['j', 'j', 'j', 'j'],
  );
  assert.equal(natsMessages(batch, { subject: 'j', addEvent: false, grouping: true, json: 'compact' }).length, 1);
});

test('NATS over TLS to an address: the certificate must name it in an IP subjectAltName', () => {
  assert.equal(ipIdentity(['127.0.0.1'], { subjectaltname: 'DNS:x.test, IP Address:127.0.0.1' }), undefined);
  assert.equal(ipIdentity(['::1'], { subjectaltname: 'IP Address:0:0:0:0:0:0:0:1' }), undefined);
  assert.match(String(ipIdentity(['127.0.0.1'], { subjectaltname: 'IP Address:127.0.0.2, DNS:127.0.0.1' })), /names none of 127\.0\.0\.1 \(its IP names: 127\.0\.0\.2\)/);
  assert.ok(ipIdentity(['10.0.0.1'], {}) instanceof Error);
});

test("JSON layouts as jansson's compact, JSON_INDENT(0) and JSON_INDENT(3)", () => {
  const v = { a: 1, b: [1, 'x', { c: null }], d: {}, e: [] };
  assert.equal(formatJson(v, 'compact'), '{"a":1,"b":[1,"x",{"c":null}],"d":{},"e":[]}');
  assert.equal(formatJson(v, 'plain'), '{"a": 1, "b": [1, "x", {"c": null}], "d": {}, "e": []}');
  assert.equal(formatJson({ a: [1] }, 'indented'), '{\n   "a": [\n      1\n   ]\n}');
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      for (const format of ['compact', 'plain', 'indented'] as const) assert.deepEqual(JSON.parse(formatJson(value, format)), JSON.parse(JSON.stringify(value)));
    }),
    { numRuns: Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 500) },
  );
});

const KEYS = [
  'url',
  'host',
  'port',
  'topic',
  'subject',
  'qos',
  'retain',
  'addevent',
  'mqtt_version',
  'keep_alive_interval',
  'cleansession',
  'client_id',
  'username',
  'password',
  'user',
  'token',
  'route_key',
  'exchange',
  'exchange_type',
  'heartbeat',
  'vhost',
  'grouping',
  'json',
  'will_enabled',
  'will_qos',
  'disconnect_timeout',
  'send_timeout',
  'tls_enable',
];
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -100_000, max: 100_000 }),
  fc.boolean(),
  fc.constantFrom('tcp://127.0.0.1:1883', 'ssl://[::1]:8883', 'nats://u:p@h:4222', 'mqtt://h:0', 'tcp://h:99999', '1', 'yes', 'off', '3.1.1', 'janus.events', '/janus/#', '[::1]', 'x-custom'),
);

test('fuzz: any settings either parse into values in range or are refused with a BackendSettingsError', () => {
  const settings = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }) as fc.Arbitrary<BackendSettings>;
  const parsers = [
    (s: BackendSettings) => {
      const m = parseMqttSettings(s, quiet);
      assert.ok(m.port >= 1 && m.port <= 65535 && [0, 1, 2].includes(m.qos) && !/[+#]/.test(m.topic) && !m.target.includes('@'));
    },
    (s: BackendSettings) => {
      const r = parseRabbitSettings(s, quiet);
      assert.ok(r.port >= 1 && r.port <= 65535 && r.routeKey !== '' && !r.host.startsWith('['));
    },
    (s: BackendSettings) => {
      const n = parseNatsSettings(s, quiet);
      assert.ok(n.servers.length > 0 && !/[\s*>]/.test(n.subject) && !n.target.includes('@'));
    },
  ];
  fc.assert(
    fc.property(settings, (s) => {
      for (const parse of parsers) {
        try {
          parse(s);
        } catch (err) {
          if (!(err instanceof BackendSettingsError)) throw err;
        }
      }
    }),
    { numRuns: Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 2000) },
  );
});

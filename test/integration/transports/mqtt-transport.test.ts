// Janus's MQTT transport over Debian's mosquitto: to-janus/from-janus and the admin topics, an MQTT client as the
// application; the no-IPv6 run reads its settings from a Janus folder's janus.transport.mqtt.jcfg.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { waitFor } from '../../../support/wait.js';
import { closeEchoSession, mqttClient, openEchoSession } from '../../helpers/broker-api-client.js';
import { brokerTransportSuite } from '../../helpers/broker-transport-suite.js';
import { makeCertificate, missing, MOSQUITTO, startMosquitto } from '../../helpers/brokers.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';

const folder = mkdtempSync(join(tmpdir(), 'portunus-mqtt-janus-cfg-'));
after(() => rmSync(folder, { recursive: true, force: true }));

brokerTransportSuite({
  name: 'MQTT',
  transport: 'janus.transport.mqtt',
  skip: missing(MOSQUITTO),
  startBroker: () => startMosquitto(),
  overrides: (port) => [
    ['mqtt.enabled', 'true'],
    ['mqtt.admin_enabled', 'true'],
    ['mqtt.url', `tcp://127.0.0.1:${port}`],
    ['mqtt.client_id', 'portunus-test'],
    // MQTT 5 here (response topics); the no-IPv6 run below keeps Janus's default 3.1.1.
    ['mqtt.mqtt_version', '5'],
    ['mqtt.status_enabled', 'true'],
    ['mqtt.status_connect_message', '{"online": true}'],
    ['mqtt.proxy_transaction_user_properties', 'x-request-id'],
    ['mqtt.add_transaction_user_properties', '[["server", "portunus"]]'],
  ],
  client: (port) => mqttClient(port),
  extra: async (_client, _server, port) => {
    // As Janus with MQTT 5: a request's response topic gets its reply, with its correlation data, the user
    // properties it names copied and the configured ones added.
    const app = connect({ host: '127.0.0.1', port, protocolVersion: 5, reconnectPeriod: 0, clientId: `v5-${process.pid}` });
    try {
      await new Promise<void>((resolve, reject) => {
        app.once('connect', () => resolve());
        app.once('error', reject);
      });
      const got: Array<{ topic: string; body: Record<string, unknown>; correlation?: string; user?: Record<string, unknown> }> = [];
      app.on('message', (topic, payload, packet) =>
        got.push({
          topic,
          body: JSON.parse(payload.toString()) as Record<string, unknown>,
          correlation: packet.properties?.correlationData?.toString(),
          user: { ...packet.properties?.userProperties },
        }),
      );
      await app.subscribeAsync('app/replies/1', { qos: 1 });
      await app.publishAsync('to-janus', JSON.stringify({ janus: 'info', transaction: 'v5-info' }), {
        qos: 1,
        properties: { responseTopic: 'app/replies/1', correlationData: Buffer.from('corr-42'), userProperties: { 'x-request-id': 'req-7', other: 'not copied' } },
      });
      await waitFor(() => got.length > 0, { timeout: 10_000, what: 'the reply on the response topic' });
      assert.equal(got[0].topic, 'app/replies/1');
      assert.equal(got[0].body.janus, 'server_info');
      assert.equal(got[0].correlation, 'corr-42');
      assert.deepEqual(got[0].user, { 'x-request-id': 'req-7', server: 'portunus' });
      // Without a response topic the reply goes to publish_topic, with the properties all the same.
      await app.subscribeAsync('from-janus', { qos: 1 });
      await app.publishAsync('to-janus', JSON.stringify({ janus: 'ping', transaction: 'v5-ping' }), { qos: 1, properties: { userProperties: { 'x-request-id': 'req-8' } } });
      await waitFor(() => got.some((m) => m.body.transaction === 'v5-ping'), { timeout: 10_000, what: 'the pong on from-janus' });
      const pong = got.find((m) => m.body.transaction === 'v5-ping')!;
      assert.equal(pong.topic, 'from-janus');
      assert.deepEqual(pong.user, { 'x-request-id': 'req-8', server: 'portunus' });
    } finally {
      await app.endAsync();
    }
  },
  childConfig: (port) => {
    writeFileSync(join(folder, 'janus.jcfg'), 'general: { debug_level = 4 }\nnat: { ice_enforce_list = "lo" }\n');
    writeFileSync(
      join(folder, 'janus.transport.mqtt.jcfg'),
      `general: {\n  enabled = true\n  json = "compact"\n  url = "tcp://127.0.0.1:${port}"\n  client_id = "portunus-child"\n  subscribe_topic = "to-janus"\n  publish_topic = "from-janus"\n}\nadmin: {\n  admin_enabled = true\n  subscribe_topic = "to-janus-admin"\n  publish_topic = "from-janus-admin"\n}\nstatus: {\n  enabled = false\n}\n`,
    );
    return { args: ['--janus-config', folder], env: {} };
  },
});

test('over TLS (mqtts://) with the broker certificate checked: the session flow works', { skip: missing(MOSQUITTO), timeout: 60_000 }, async () => {
  const cert = makeCertificate();
  const broker = await startMosquitto({ tls: cert });
  let server: StartedServer | undefined;
  try {
    server = await startInProcess([
      ['mqtt.enabled', 'true'],
      ['mqtt.url', `mqtts://127.0.0.1:${broker.tlsPort}`],
      ['mqtt.cacertfile', cert.cert],
      ['mqtt.verify_peer', 'true'],
    ]);
    const s = server;
    await waitFor(() => s.logs.some((l) => l.includes('MQTT transport: taking requests')), { timeout: 20_000, what: 'the MQTT transport taking requests over TLS' });
    assert.ok(s.logs.some((l) => l.includes(`connected to mqtts://127.0.0.1:${broker.tlsPort}`)));
    // The application stays on the plain listener: one broker, both listeners.
    const client = await mqttClient(broker.port);
    try {
      await closeEchoSession(client, await openEchoSession(client));
    } finally {
      await client.close();
    }
  } finally {
    await server?.stop();
    await broker.stop();
    cert.remove();
  }
});

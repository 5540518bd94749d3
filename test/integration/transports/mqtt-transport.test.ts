// Janus's MQTT transport over Debian's mosquitto: to-janus/from-janus and the admin topics, an MQTT client as the
// application; the no-IPv6 run reads its settings from a Janus folder's janus.transport.mqtt.jcfg.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { mqttClient } from '../../helpers/broker-api-client.js';
import { brokerTransportSuite } from '../../helpers/broker-transport-suite.js';
import { missing, MOSQUITTO, startMosquitto } from '../../helpers/brokers.js';

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
    ['mqtt.status_enabled', 'true'],
    ['mqtt.status_connect_message', '{"online": true}'],
  ],
  client: (port) => mqttClient(port),
  childConfig: (port) => {
    writeFileSync(join(folder, 'janus.jcfg'), 'general: { debug_level = 4 }\nnat: { ice_enforce_list = "lo" }\n');
    writeFileSync(
      join(folder, 'janus.transport.mqtt.jcfg'),
      `general: {\n  enabled = true\n  json = "compact"\n  url = "tcp://127.0.0.1:${port}"\n  client_id = "portunus-child"\n  subscribe_topic = "to-janus"\n  publish_topic = "from-janus"\n}\nadmin: {\n  admin_enabled = true\n  subscribe_topic = "to-janus-admin"\n  publish_topic = "from-janus-admin"\n}\nstatus: {\n  enabled = false\n}\n`,
    );
    return { args: ['--janus-config', folder], env: {} };
  },
});

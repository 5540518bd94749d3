// MQTT 5 user properties of the MQTT transport's replies: the settings as a Janus folder, a file or a flag gives
// them, and what a reply carries.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BackendSettingsError, SettingsReader } from '../../../src/brokers/broker-settings.js';
import { importJanusConfig } from '../../../src/config/janus-import.js';
import { loadConfig } from '../../../src/config/load.js';
import { readUserPropertyRules, replyUserProperties } from '../../../src/transports/mqtt-user-properties.js';

const rules = (settings: Record<string, string>) => readUserPropertyRules(new SettingsReader(settings, 'MQTT transport'));

test("a Janus folder's array and list of pairs reach the transport's settings", () => {
  const folder = mkdtempSync(join(tmpdir(), 'portunus-mqtt-props-'));
  try {
    writeFileSync(join(folder, 'janus.jcfg'), 'general: { debug_level = 4 }\n');
    writeFileSync(
      join(folder, 'janus.transport.mqtt.jcfg'),
      'general: {\n  enabled = true\n  mqtt_version = "5"\n  proxy_transaction_user_properties = ["x-request-id", "tenant"]\n  add_transaction_user_properties = (["server", "portunus"], ["region", "eu"])\n}\n',
    );
    const imported = importJanusConfig(folder);
    assert.deepEqual(imported.ignored, []);
    const mqtt = loadConfig({ file: { path: 'janus', content: imported.content } }).core.mqtt;
    assert.deepEqual(rules(mqtt as unknown as Record<string, string>), {
      proxied: ['x-request-id', 'tenant'],
      added: [
        ['server', 'portunus'],
        ['region', 'eu'],
      ],
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a flag gives key=value pairs; bad pairs are refused with the setting named', () => {
  assert.deepEqual(rules({ add_transaction_user_properties: 'a=1, b=x=y' }).added, [
    ['a', '1'],
    ['b', 'x=y'],
  ]);
  assert.deepEqual(rules({}), { proxied: [], added: [] });
  for (const bad of ['novalue', '=v', '[["only-one"]]', '[1, 2]', '[not json']) {
    assert.throws(
      () => rules({ add_transaction_user_properties: bad }),
      (e: unknown) => e instanceof BackendSettingsError && e.message.includes('add_transaction_user_properties'),
      bad,
    );
  }
});

test("a reply carries the request's proxied properties (exact names, every value in order), then the added ones", () => {
  const r = rules({ proxy_transaction_user_properties: 'x-request-id,tenant,absent', add_transaction_user_properties: '[["server","portunus"],["tenant","added"]]' });
  assert.deepEqual(replyUserProperties({ 'x-request-id': 'r1', tenant: ['t1', 't2'], 'x-request-id-2': 'no', other: 'no' }, r), {
    'x-request-id': 'r1',
    tenant: ['t1', 't2', 'added'],
    server: 'portunus',
  });
  assert.deepEqual(replyUserProperties(undefined, r), { server: 'portunus', tenant: 'added' });
  assert.equal(replyUserProperties({ a: 'b' }, rules({})), undefined);
});

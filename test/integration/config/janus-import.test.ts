import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importJanusConfig } from '../../../src/config/janus-import.js';
import { loadConfig } from '../../../src/config/load.js';
import { startChildServer } from '../../helpers/child-server.js';

function janusFolder(httpPort = 8088): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-janus-cfg-'));
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {\n  configs_folder = "/etc/janus"\n  debug_level = 5\n  admin_secret = "janusoverlord"\n  session_timeout = 33\n}\nmedia: { rtp_port_range = "20000-20100" }\nnat: { ice_enforce_list = "lo", nice_debug = false }\nplugins: { disable = "libjanus_voicemail.so,libjanus_echotest.so" }\ntransports: {}\n`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: { http = true, port = ${httpPort}, ip = "127.0.0.1", base_path = "/janus" }\nadmin: { admin_http = false, admin_port = 7088 }\ncors: { allow_origin = "http://example.test" }\n`,
  );
  writeFileSync(join(dir, 'janus.transport.websockets.jcfg'), 'general: { ws = false, ws_port = 8188 }\nadmin: { admin_ws = false }\n');
  writeFileSync(join(dir, 'janus.plugin.streaming.jcfg'), 'general: { rtp_port_range = "30000-30100" }\n');
  return dir;
}

test('a Janus configuration folder maps onto Portunus sections; what is not used is listed', () => {
  const imported = importJanusConfig(janusFolder());
  const config = loadConfig({ file: { path: 'janus', content: imported.content } });
  assert.equal(config.core.general.log_level, 5);
  assert.equal(config.core.general.session_timeout, 33);
  assert.equal(config.core.general.admin_secret, 'janusoverlord');
  assert.equal(config.core.media.rtp_port_range, '20000-20100');
  assert.equal(config.core.nat.ice_enforce_list, 'lo');
  assert.equal(config.core.plugins.disable, 'janus.plugin.voicemail,janus.plugin.echotest');
  assert.equal(config.core.http.ip, '127.0.0.1');
  assert.equal(config.core.http.allow_origin, 'http://example.test');
  assert.equal(config.core.websockets.ws, false);
  assert.deepEqual(config.plugins['janus.plugin.streaming'], { general: { rtp_port_range: '30000-30100' } });
  assert.ok(imported.ignored.includes('janus.jcfg: general.configs_folder'));
  assert.ok(imported.ignored.includes('janus.jcfg: nat.nice_debug'));
  assert.ok(imported.ignored.includes('janus.jcfg: transports'));
  assert.throws(() => importJanusConfig(tmpdir()), /no janus\.jcfg/);
});

test('the server starts from a Janus folder and honours it', { timeout: 20_000 }, async () => {
  const srv = await startChildServer(['--janus-config', janusFolder()]);
  try {
    const info = (await (await fetch(`${srv.restUrl}/info`)).json()) as Record<string, unknown>;
    assert.equal(info['session-timeout'], 33);
    assert.equal((info.plugins as Record<string, unknown>)['janus.plugin.echotest'], undefined, 'disabled by the Janus plugins list');
    assert.match(srv.log(), /Janus setting not used by Portunus: janus\.jcfg: general\.configs_folder/);
  } finally {
    await srv.stop();
  }
});

test("Janus's janus.transport.pfunix.jcfg becomes the [pfunix] section: its general and admin groups", () => {
  const dir = janusFolder();
  writeFileSync(
    join(dir, 'janus.transport.pfunix.jcfg'),
    'general: {\n  enabled = true\n  json = "indented"\n  path = "/run/janus/ux-janusapi"\n  type = "SOCK_DGRAM"\n}\nadmin: {\n  admin_enabled = true\n  admin_path = "/run/janus/ux-janusadmin"\n  admin_type = "SOCK_SEQPACKET"\n}\n',
  );
  const imported = importJanusConfig(dir);
  const { pfunix } = loadConfig({ file: { path: 'janus', content: imported.content } }).core;
  assert.deepEqual(
    { ...pfunix },
    { ...pfunix, enabled: true, json: 'indented', path: '/run/janus/ux-janusapi', type: 'SOCK_DGRAM', admin_enabled: true, admin_path: '/run/janus/ux-janusadmin', admin_type: 'SOCK_SEQPACKET' },
  );
  assert.ok(imported.files.some((f) => f.endsWith('janus.transport.pfunix.jcfg')));
  assert.ok(!imported.ignored.some((i) => i.includes('pfunix')), imported.ignored.join(', '));
});

test("Janus's MQTT and RabbitMQ transport files (and the NATS one) become [mqtt], [rabbitmq], [nats]: admin and status groups included", () => {
  const dir = janusFolder();
  writeFileSync(
    join(dir, 'janus.transport.mqtt.jcfg'),
    'general: {\n  enabled = true\n  url = "tcp://127.0.0.1:1999"\n  subscribe_topic = "in"\n  publish_topic = "out"\n  proxy_transaction_user_properties = ["id", "trace"]\n}\nadmin: {\n  admin_enabled = true\n  subscribe_topic = "admin-in"\n  publish_qos = 0\n}\nstatus: {\n  enabled = true\n  connect_message = "up"\n  retain = true\n}\n',
  );
  writeFileSync(
    join(dir, 'janus.transport.rabbitmq.jcfg'),
    'general: {\n  enabled = true\n  host = "127.0.0.1"\n  janus_exchange = "janus-exchange"\n  to_janus = "in"\n}\nadmin: {\n  admin_enabled = true\n  to_janus_admin = "admin-in"\n}\n',
  );
  writeFileSync(join(dir, 'janus.transport.nats.jcfg'), 'general: {\n  enabled = true\n  url = "nats://127.0.0.1:4999"\n}\nadmin: {\n  admin_enabled = true\n  to_janus_admin = "admin-in"\n}\n');
  const imported = importJanusConfig(dir);
  const { mqtt, rabbitmq, nats } = loadConfig({ file: { path: 'janus', content: imported.content } }).core;
  assert.equal(mqtt.enabled, true);
  assert.equal(mqtt.url, 'tcp://127.0.0.1:1999');
  assert.equal(mqtt.subscribe_topic, 'in');
  assert.equal(mqtt.publish_topic, 'out');
  assert.equal(mqtt.admin_enabled, true);
  assert.equal(mqtt.admin_subscribe_topic, 'admin-in');
  assert.equal(mqtt.admin_publish_qos, 0);
  assert.equal(mqtt.status_enabled, true);
  assert.equal(mqtt.status_connect_message, 'up');
  assert.equal(mqtt.status_retain, true);
  // MQTT 5 user properties are read (they were ignored before the transport had them).
  assert.ok(!imported.ignored.some((k) => k.includes('proxy_transaction_user_properties')));
  assert.equal(mqtt.proxy_transaction_user_properties, 'id,trace');
  assert.equal(rabbitmq.enabled, true);
  assert.equal(rabbitmq.janus_exchange, 'janus-exchange');
  assert.equal(rabbitmq.to_janus, 'in');
  assert.equal(rabbitmq.to_janus_admin, 'admin-in');
  assert.equal(nats.url, 'nats://127.0.0.1:4999');
  assert.equal(nats.admin_enabled, true);
  assert.equal(nats.to_janus_admin, 'admin-in');
});

// The MQTT event handler against a real mosquitto: per-type topics with Janus's eventtype, the status topic,
// the broker killed and started again on the same port, TLS with a verified certificate, and a host without IPv6.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type MqttClient } from 'mqtt';
import { fromSettings } from '../../../src/events/backends/mqtt-backend.js';
import { Cleanup, makeCertificate, memoryLogger, missing, MOSQUITTO, sampleBatch, startMosquitto, type Broker, type Certificate } from '../../helpers/brokers.js';
import { runBrokerChild } from '../../helpers/broker-child.js';
import { repoRoot } from '../../helpers/no-ipv6.js';
import { waitFor } from '../../../support/wait.js';

const FAST = { initialMs: 100, maxMs: 800 };

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

async function subscriber(port: number, topic: string, tls?: { ca: string }): Promise<{ client: MqttClient; got: Received[] }> {
  const got: Received[] = [];
  const client = connect({ host: '127.0.0.1', port, protocol: tls ? 'mqtts' : 'mqtt', ca: tls?.ca, reconnectPeriod: 0, clientId: `sub-${Math.random().toString(36).slice(2)}` });
  client.on('message', (t, payload, packet) => got.push({ topic: t, payload: payload.toString(), retain: packet.retain }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, got };
}

describe('MQTT event handler with mosquitto', { skip: missing(MOSQUITTO), timeout: 60_000 }, () => {
  let broker: (Broker & { tlsPort: number }) | undefined;
  let certs: Certificate | undefined;

  before(async () => {
    certs = makeCertificate();
    broker = await startMosquitto({ tls: certs });
  });
  after(async () => {
    await broker?.stop();
    certs?.remove();
  });

  test('one message per event on topic/<type>, status announced, the broker killed and back', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const sub = await subscriber(b.port, '/janus/events/#');
    const backend = fromSettings({ url: `tcp://127.0.0.1:${b.port}`, client_id: 'portunus-test', qos: 1 }, log, { backoff: FAST });
    let sub2: Awaited<ReturnType<typeof subscriber>> | undefined;
    try {
      await waitFor(() => lines.some((l) => l.includes('MQTT event handler: connected to tcp://127.0.0.1:')), { timeout: 10_000, what: 'the backend connected' });
      await backend.send(sampleBatch('first'));
      await waitFor(() => sub.got.filter((m) => !m.topic.endsWith('/status')).length >= 2, { timeout: 5000, what: 'two events' });
      const status = sub.got.find((m) => m.topic === '/janus/events/status');
      assert.deepEqual(JSON.parse(status?.payload ?? '{}'), { event: 'connected', eventhandler: 'janus.eventhandler.mqttevh' });
      const events = sub.got.filter((m) => !m.topic.endsWith('/status'));
      assert.deepEqual(
        events.map((m) => m.topic),
        ['/janus/events/sessions', '/janus/events/media'],
      );
      const [session, media] = events.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
      assert.deepEqual(session, { ...sampleBatch('first')[0], eventtype: 'Sessions' });
      assert.deepEqual(media, { ...sampleBatch('first')[1], eventtype: 'Media' });
      assert.doesNotMatch(events[0].payload, /\s/, 'compact JSON, as Janus by default');

      // The broker dies: sends fail at once, the backend keeps trying in the background.
      await b.kill();
      await waitFor(() => lines.some((l) => /MQTT event handler: connection to tcp:\/\/127\.0\.0\.1:\d+ lost: .*; reconnecting in \d+ ms/.test(l)), { timeout: 5000, what: 'the loss logged' });
      await assert.rejects(backend.send(sampleBatch('while-down')), /MQTT event handler: not connected to tcp:\/\/127\.0\.0\.1:\d+/);
      sub.client.end(true);

      await b.start();
      sub2 = await subscriber(b.port, '/janus/events/#');
      await waitFor(() => lines.some((l) => l.includes('MQTT event handler: connection to tcp://127.0.0.1:') && l.includes('restored')), { timeout: 10_000, what: 'the backend reconnected' });
      await backend.send(sampleBatch('after'));
      await waitFor(() => sub2!.got.filter((m) => m.payload.includes('"after"')).length === 2, { timeout: 5000, what: 'the events sent after the restart' });
      assert.ok(!sub2.got.some((m) => m.payload.includes('while-down')), 'what was refused while the broker was down is not sent later');
      assert.ok(
        sub2.got.some((m) => m.topic === '/janus/events/status' && m.payload.includes('"connected"')),
        'connect_status again after the reconnection',
      );

      // close() says goodbye on the status topic (retained), as Janus.
      await backend.close();
      await waitFor(() => sub2!.got.some((m) => m.topic === '/janus/events/status' && m.payload === '{"event": "disconnected"}'), { timeout: 5000, what: 'disconnect_status' });
      await assert.rejects(backend.send(sampleBatch('closed')), /MQTT event handler: closed/);
      const late = await subscriber(b.port, '/janus/events/status');
      await waitFor(() => late.got.length > 0, { timeout: 5000, what: 'the retained status' });
      assert.deepEqual(late.got[0], { topic: '/janus/events/status', payload: '{"event": "disconnected"}', retain: true });
      await late.client.endAsync();
    } finally {
      await backend.close();
      sub.client.end(true);
      await sub2?.client.endAsync();
    }
  });

  test('addevent off, a custom topic, indented JSON, MQTT 5', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const sub = await subscriber(b.port, 'portunus/#');
    const backend = fromSettings({ url: `mqtt://127.0.0.1:${b.port}`, topic: 'portunus/ev', addevent: 'no', json: 'indented', mqtt_version: '5', qos: 0, connect_status: 'up' }, log, {
      backoff: FAST,
    });
    try {
      await waitFor(() => lines.some((l) => l.includes('connected to mqtt://')), { timeout: 10_000, what: 'the backend connected' });
      await backend.send(sampleBatch('flat'));
      await waitFor(() => sub.got.filter((m) => m.topic === 'portunus/ev').length === 2, { timeout: 5000, what: 'two events on the one topic' });
      const first = sub.got.find((m) => m.topic === 'portunus/ev')!;
      assert.match(first.payload, /^\{\n {3}"emitter": "portunus-test",\n/);
      assert.ok(sub.got.some((m) => m.topic === 'portunus/ev/status' && m.payload === 'up'));
    } finally {
      await backend.close();
      await sub.client.endAsync();
    }
  });

  test('mqtts:// with the broker certificate verified; a wrong CA is refused', async () => {
    const b = broker!;
    const cleanup = new Cleanup();
    try {
      const sub = cleanup.add(await subscriber(b.port, '/janus/events/#'), (s) => s.client.endAsync());
      const { log, lines } = memoryLogger();
      const good = cleanup.add(
        fromSettings({ url: `ssl://127.0.0.1:${b.tlsPort}`, tls_enable: true, tls_cacert: certs!.cert, tls_verify_peer: true, tls_verify_hostname: true }, log, { backoff: FAST }),
        (g) => g.close(),
      );
      const other = cleanup.add(makeCertificate(), (c) => c.remove());
      const { log: badLog, lines: badLines } = memoryLogger();
      const bad = cleanup.add(fromSettings({ url: `mqtts://127.0.0.1:${b.tlsPort}`, tls_cacert: other.cert, tls_verify_peer: 'yes' }, badLog, { backoff: FAST }), (x) => x.close());
      await waitFor(() => lines.some((l) => l.includes('connected to ssl://127.0.0.1:')), { timeout: 10_000, what: 'the TLS backend connected' });
      await good.send(sampleBatch('tls'));
      await waitFor(() => sub.got.filter((m) => m.payload.includes('"tls"')).length === 2, { timeout: 5000, what: 'the events sent over TLS' });
      await waitFor(() => badLines.some((l) => l.includes('cannot connect to mqtts://127.0.0.1:') && l.includes('self-signed certificate')), { timeout: 10_000, what: 'the refusal logged' });
      await assert.rejects(bad.send(sampleBatch('bad')), /not connected/);
    } finally {
      await cleanup.run();
    }
  });

  test('the will: when the handler dies without a goodbye, the broker announces disconnect_status', async () => {
    const b = broker!;
    const sub = await subscriber(b.port, '/janus/will/#');
    const settings = { url: `tcp://127.0.0.1:${b.port}`, client_id: 'portunus-will', topic: '/janus/will', will_enabled: true, will_qos: 1, disconnect_status: '{"event":"gone"}' };
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'test', 'fixtures', 'broker-send-child.js'), 'mqtt', JSON.stringify(settings), 'will', 'hang'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('sent'), { timeout: 15_000, what: `the child sent (${out})` });
      assert.ok(sub.got.some((m) => m.topic === '/janus/will/status' && m.payload.includes('"connected"')));
      assert.ok(!sub.got.some((m) => m.payload === '{"event":"gone"}'));
      child.kill('SIGKILL');
      await exited;
      await waitFor(() => sub.got.some((m) => m.topic === '/janus/will/status' && m.payload === '{"event":"gone"}'), { timeout: 5000, what: 'the will' });
    } finally {
      child.kill('SIGKILL');
      await exited;
      await sub.client.endAsync();
    }
  });

  test('a host without IPv6 (EAFNOSUPPORT on every AF_INET6 socket)', async () => {
    const b = broker!;
    const sub = await subscriber(b.port, '/janus/events/#');
    try {
      const result = await runBrokerChild('mqtt', { url: `tcp://127.0.0.1:${b.port}`, client_id: 'portunus-no-ipv6' }, 'no-ipv6');
      assert.equal(result.code, 0, result.output);
      await waitFor(() => sub.got.filter((m) => m.payload.includes('"no-ipv6"')).length === 2, { timeout: 5000, what: 'the events of the child' });
    } finally {
      await sub.client.endAsync();
    }
  });
});

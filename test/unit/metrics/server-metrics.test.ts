// The metrics families as the scrape fills them from the gateway: live and closed PeerConnections add up and never
// go down, hangup reasons become ICE/DTLS failures, plugins' own figures are checked against Prometheus's rules
// (what breaks them is left out and logged once), forwarding CPU per packet, and the scrape's credentials.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { helpText } from '../../../src/cli.js';
import { loadConfig } from '../../../src/config/load.js';
import { emptyMediaCounters, type MediaCounters } from '../../../src/core/media-counters.js';
import type { HandleMedia } from '../../../src/core/media-port.js';
import { Logger } from '../../../src/logging/logger.js';
import { CpuPerPacket } from '../../../src/metrics/cpu-per-packet.js';
import { carriesSecret } from '../../../src/metrics/metrics-http.js';
import { ServerMetrics } from '../../../src/metrics/server-metrics.js';
import { EchoTestPlugin } from '../../../src/plugins/echotest/echotest.js';
import type { Plugin, PluginMetric } from '../../../src/plugins/plugin.js';
import { parseExposition, samplesOf, valueOf, type Exposition } from '../../helpers/prometheus-text.js';
import { attach, createSession, makeGateway } from '../core/fixtures.js';

const ECHO = 'janus.plugin.echotest';

/** A PeerConnection that reports what the test sets. */
function fakeMedia(state: string, counters: MediaCounters): HandleMedia {
  return { state, counters: () => counters, close: () => {}, info: () => ({}) } as unknown as HandleMedia;
}

function reporting(pkg: string, metrics: () => readonly PluginMetric[]): Plugin {
  return {
    descriptor: { package: pkg, name: pkg, author: 't', description: 't', version: 1, versionString: '1' },
    createSession() {},
    handleMessage: () => ({ kind: 'ok', data: {} }),
    destroySession() {},
    metrics,
  };
}

function setup(plugins: Plugin[] = [new EchoTestPlugin()]): { metrics: ServerMetrics; scrape: () => Promise<Exposition>; warnings: string[]; t: ReturnType<typeof makeGateway> } {
  const t = makeGateway({}, plugins);
  const warnings: string[] = [];
  const log = Logger.create({ level: 3, sink: { write: (l) => warnings.push(l) }, timestamps: false });
  const lag = { status: () => ({ mean_ms: 1.5, p99_ms: 4, max_ms: 12, worst_ms: 300, threshold_ms: 250, windows_over_threshold: 2 }) };
  const metrics = new ServerMetrics({ gateway: t.gateway, plugins: t.gateway.plugins, loopLag: lag, log, processMetrics: false });
  return { metrics, scrape: async () => parseExposition(await metrics.scrape()), warnings, t };
}

test('sessions, handles and PeerConnections by state; media counters of live and closed PeerConnections add up', async () => {
  const { scrape, t } = setup();
  let m = await scrape();
  assert.equal(valueOf(m, 'portunus_sessions'), 0);
  assert.equal(valueOf(m, 'portunus_handles', { plugin: ECHO }), 0);
  // A plugin that never had a PeerConnection shows no media rows.
  assert.deepEqual(samplesOf(m, 'portunus_media_sent_packets_total'), []);

  const session = await createSession(t);
  const handles = [await attach(t, session), await attach(t, session)];
  const [a, b] = handles.map((id) => t.gateway.sessions.get(session)!.handles.get(id)!);
  const ca = emptyMediaCounters();
  ca.audio.packetsSent = 100;
  ca.video.lost = 5;
  ca.data.messagesReceived = 2;
  a.media = fakeMedia('up', ca);
  const cb = emptyMediaCounters();
  cb.audio.packetsSent = 50;
  b.media = fakeMedia('connecting', cb);
  m = await scrape();
  assert.equal(valueOf(m, 'portunus_sessions'), 1);
  assert.equal(valueOf(m, 'portunus_handles', { plugin: ECHO }), 2);
  assert.equal(valueOf(m, 'portunus_peerconnections', { plugin: ECHO, state: 'up' }), 1);
  assert.equal(valueOf(m, 'portunus_peerconnections', { plugin: ECHO, state: 'connecting' }), 1);
  assert.equal(valueOf(m, 'portunus_media_sent_packets_total', { plugin: ECHO, kind: 'audio' }), 150);
  assert.equal(valueOf(m, 'portunus_media_received_packets_total', { plugin: ECHO, kind: 'data' }), 2);
  assert.equal(valueOf(m, 'portunus_rtp_lost_packets_total', { plugin: ECHO, kind: 'video' }), 5);
  // Loss as counted goes down when late packets arrive; the metric does not.
  ca.video.lost = 3;
  assert.equal(valueOf(await scrape(), 'portunus_rtp_lost_packets_total', { plugin: ECHO, kind: 'video' }), 5);

  // Closing keeps what they counted; the reasons say which failed.
  ca.audio.packetsSent = 120;
  a.hangup('ICE failed');
  b.hangup('DTLS timeout');
  m = await scrape();
  assert.deepEqual(samplesOf(m, 'portunus_peerconnections'), []);
  assert.equal(valueOf(m, 'portunus_media_sent_packets_total', { plugin: ECHO, kind: 'audio' }), 170);
  assert.equal(valueOf(m, 'portunus_ice_failures_total'), 1);
  assert.equal(valueOf(m, 'portunus_dtls_failures_total'), 1);
  assert.equal(valueOf(m, 'portunus_peerconnection_hangups_total', { reason: 'ICE failed' }), 1);
  assert.equal(m.types.get('portunus_media_sent_packets_total'), 'counter');
  t.gateway.stop();
});

test('event-loop lag in seconds, and the gateway counters', async () => {
  const { scrape, t } = setup();
  t.gateway.stats.internalFaults = 3;
  const m = await scrape();
  assert.equal(valueOf(m, 'portunus_event_loop_lag_seconds', { stat: 'max' }), 0.012);
  assert.equal(valueOf(m, 'portunus_event_loop_lag_worst_seconds'), 0.3);
  assert.equal(valueOf(m, 'portunus_event_loop_lag_windows_over_threshold_total'), 2);
  assert.equal(valueOf(m, 'portunus_internal_faults_total'), 3);
  assert.equal(valueOf(m, 'portunus_events_dropped_total'), 0);
  t.gateway.stop();
});

test("plugins' figures: labelled by plugin; a metric that breaks the rules is left out and logged once, the rest served", async () => {
  let fail = false;
  const good: PluginMetric[] = [
    { name: 'rooms', help: 'Rooms.', type: 'gauge', samples: [{ value: 2 }] },
    { name: 'level', help: 'Level.', type: 'gauge', samples: [{ value: 1 }] },
    {
      name: 'things_total',
      help: 'Things.',
      type: 'counter',
      labels: ['room'],
      samples: [
        { labels: { room: 'a "quoted"\nroom' }, value: 7 },
        { labels: {}, value: 1 },
        { labels: { room: 'b' }, value: -1 },
      ],
    },
    { name: 'bad_counter', help: 'x', type: 'counter', samples: [{ value: 1 }] },
    { name: 'Bad-Name', help: 'x', type: 'gauge', samples: [{ value: 1 }] },
    { name: 'labelled', help: 'x', type: 'gauge', labels: ['plugin'], samples: [{ value: 1 }] },
  ];
  const one = reporting('janus.plugin.one', () => good);
  const two = reporting('janus.plugin.two', () => {
    if (fail) throw new Error('boom');
    return [
      { name: 'rooms', help: 'Rooms.', type: 'gauge', samples: [{ value: 5 }] },
      { name: 'level', help: 'Level.', type: 'gauge', labels: ['x'], samples: [{ labels: { x: 'y' }, value: 1 }] },
    ];
  });
  const { scrape, warnings, t } = setup([one, two]);
  let m = await scrape();
  assert.equal(valueOf(m, 'portunus_plugin_rooms', { plugin: 'janus.plugin.one' }), 2);
  assert.equal(valueOf(m, 'portunus_plugin_rooms', { plugin: 'janus.plugin.two' }), 5);
  assert.deepEqual(samplesOf(m, 'portunus_plugin_things_total'), [{ name: 'portunus_plugin_things_total', labels: { plugin: 'janus.plugin.one', room: 'a "quoted"\nroom' }, value: 7 }]);
  assert.equal(m.types.get('portunus_plugin_things_total'), 'counter');
  for (const name of ['portunus_plugin_bad_counter', 'portunus_plugin_Bad-Name', 'portunus_plugin_labelled']) assert.deepEqual(samplesOf(m, name), [], name);
  await scrape();
  const said = warnings.join('\n');
  assert.match(said, /'bad_counter' left out: a counter's name ends in _total/);
  assert.match(said, /'Bad-Name' left out/);
  assert.match(said, /bad label name 'plugin'/);
  assert.match(said, /janus\.plugin\.two: metric 'level' left out: another plugin reports it as a gauge with labels \[\]/);
  assert.deepEqual(samplesOf(m, 'portunus_plugin_level'), [{ name: 'portunus_plugin_level', labels: { plugin: 'janus.plugin.one' }, value: 1 }]);
  assert.match(said, /'things_total' has samples with a bad value or other labels/);
  assert.equal(warnings.length, 5, 'each problem once, however many scrapes');
  // A plugin whose metrics() throws loses its own figures only.
  fail = true;
  m = await scrape();
  assert.deepEqual(samplesOf(m, 'portunus_plugin_rooms', { plugin: 'janus.plugin.two' }), []);
  assert.equal(valueOf(m, 'portunus_plugin_rooms', { plugin: 'janus.plugin.one' }), 2);
  assert.match(warnings.at(-1) ?? '', /janus\.plugin\.two: metrics\(\) failed/);
  t.gateway.stop();
});

test('forwarding CPU per packet: CPU time over packets sent, over windows of at least a second', () => {
  let now = 0;
  let cpu = { user: 0, system: 0 };
  const c = new CpuPerPacket(
    0,
    () => cpu,
    () => now,
  );
  now = 500;
  cpu = { user: 100_000, system: 0 };
  assert.equal(c.read(1000), undefined, 'too early for a figure');
  now = 1000;
  cpu = { user: 150_000, system: 50_000 };
  assert.equal(c.read(2000), 0.2 / 2000);
  now = 1200;
  assert.equal(c.read(2500), 0.2 / 2000, 'the last figure until the next window');
  now = 2500;
  cpu = { user: 250_000, system: 50_000 };
  assert.equal(c.read(2000), undefined, 'no packet sent in the window');
});

test('a scrape carries the secret as a bearer token or as the password of basic auth', () => {
  const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.ok(carriesSecret('Bearer s3cret', 's3cret'));
  assert.ok(carriesSecret('bearer  s3cret ', 's3cret'));
  assert.ok(carriesSecret(basic('prometheus:s3cret'), 's3cret'));
  assert.ok(carriesSecret(basic(':s3cret'), 's3cret'));
  assert.ok(carriesSecret(basic('user:pa:ss'), 'pa:ss'));
  for (const bad of [undefined, '', 's3cret', 'Bearer', 'Bearer s3cre', 'Bearer s3cret x', 'Token s3cret', basic('s3cret'), basic('u:wrong'), 'Basic !!!!'])
    assert.equal(carriesSecret(bad, 's3cret'), false, String(bad));
});

test('the metrics section: off by default, every key from the environment and the command line, --help tells it', () => {
  const d = loadConfig({}).core.metrics;
  assert.deepEqual(d, { enabled: false, port: 9464, ip: '', interface: '', path: '/metrics', secret: '', process_metrics: true });
  const env = loadConfig({ env: { PORTUNUS_METRICS_ENABLED: 'true', PORTUNUS_METRICS_PORT: '9100', PORTUNUS_METRICS_SECRET: 'x', PORTUNUS_METRICS_PROCESS_METRICS: 'false' } }).core.metrics;
  assert.deepEqual([env.enabled, env.port, env.secret, env.process_metrics], [true, 9100, 'x', false]);
  const flags = loadConfig({
    overrides: [
      ['metrics.ip', '::1'],
      ['metrics.interface', 'lo'],
      ['metrics.path', '/m'],
    ],
  }).core.metrics;
  assert.deepEqual([flags.ip, flags.interface, flags.path], ['::1', 'lo', '/m']);
  assert.throws(() => loadConfig({ overrides: [['metrics.path', 'metrics']] }), /metrics\.path must start with '\/'/);
  assert.throws(() => loadConfig({ overrides: [['metrics.port', '70000']] }), /metrics\.port must be a port number/);
  const help = helpText();
  assert.match(help, /\[metrics\] Prometheus metrics endpoint/);
  for (const key of ['enabled = false', 'port = 9464', 'ip = ""', 'interface = ""', 'path = "/metrics"', 'secret = ""', 'process_metrics = true']) assert.ok(help.includes(`metrics.${key}`), key);
});

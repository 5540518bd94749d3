// The observability-cost workload's pure parts (bench/observability.ts): the A/B order and medians, the event
// receiver's counting (a POST to it on loopback), the scrape reader, and the OBSERVE setting. No timings.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { abOrder, median, summariseAb } from '../../../bench/ab-runs.js';
import { countEvents, startEventReceiver } from '../../../bench/event-receiver.js';
import { readScrape } from '../../../bench/metrics-scraper.js';
import { observedFlags, parseObserve } from '../../../bench/observability.js';

test('abOrder alternates which side goes first, round by round', () => {
  assert.deepEqual(abOrder(0), []);
  assert.deepEqual(abOrder(1), ['a', 'b']);
  assert.deepEqual(abOrder(3), ['a', 'b', 'b', 'a', 'a', 'b']);
});

test('median: odd and even counts, non-numbers left out', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([NaN, 5, Infinity, 1]), 3);
  assert.ok(Number.isNaN(median([])));
});

test('summariseAb: medians of each side, per-pair costs, the verdict on their median', () => {
  const s = summariseAb([10, 10, 10, 20], [10.2, 10.3, 10.4, 30], 0.05);
  assert.equal(s.medianA, 10);
  assert.ok(Math.abs(s.medianB - 10.35) < 1e-12);
  assert.ok(Math.abs(s.cost - 0.035) < 1e-12);
  assert.deepEqual(
    s.pairCosts.map((c) => Math.round(c * 1000) / 1000),
    [0.02, 0.03, 0.04, 0.5],
  );
  assert.ok(Math.abs(s.medianPairCost - 0.035) < 1e-12);
  assert.equal(s.pass, true);
  // A pair missing a side is left out; a cost at the bound fails.
  const t = summariseAb([10, NaN, 10], [10.5, 11, 10.5], 0.05);
  assert.equal(t.pairCosts.length, 2);
  assert.equal(t.pass, false);
  assert.equal(summariseAb([], [], 0.05).pass, false);
});

test('countEvents: a batch, one event, media statistics apart, and what is not events', () => {
  const stats = { type: 32, subtype: 3, event: { media: 'audio' } };
  assert.deepEqual(countEvents(JSON.stringify([stats, { type: 1, event: { name: 'created' } }, stats])), { events: 3, mediaStats: 2, malformed: false });
  assert.deepEqual(countEvents(JSON.stringify({ type: 32, subtype: 1, event: {} })), { events: 1, mediaStats: 0, malformed: false });
  for (const bad of ['', 'not json', '[]', '[1,2]', '{"no":"type"}', '[[{"type":1}]]', 'null']) assert.deepEqual(countEvents(bad), { events: 0, mediaStats: 0, malformed: true }, bad);
});

test('the event receiver answers 200 and counts what is POSTed to it', async () => {
  const receiver = await startEventReceiver('127.0.0.1');
  try {
    const post = (body: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    assert.equal(await post(JSON.stringify([{ type: 32, subtype: 3 }, { type: 2 }])), 200);
    assert.equal(await post('garbage'), 200);
    assert.deepEqual(receiver.counts(), { posts: 2, events: 2, mediaStats: 1, malformed: 1 });
  } finally {
    await receiver.close();
  }
});

test('readScrape: counts samples and sums the media packets sent, data channels apart; refuses what is not the format', () => {
  const text = [
    '# HELP portunus_media_sent_packets_total RTP packets sent.',
    '# TYPE portunus_media_sent_packets_total counter',
    'portunus_media_sent_packets_total{plugin="janus.plugin.streaming",kind="audio"} 100',
    'portunus_media_sent_packets_total{plugin="janus.plugin.streaming",kind="video"} 200',
    'portunus_media_sent_packets_total{plugin="janus.plugin.streaming",kind="data"} 7',
    'portunus_peerconnection_hangups_total{reason="a \\"quoted\\" } reason"} 1',
    'nodejs_eventloop_lag_seconds 0.001 1700000000000',
    'some_gauge +Inf',
    '',
  ].join('\n');
  assert.deepEqual(readScrape(text), { samples: 6, sentPackets: 300 });
  assert.throws(() => readScrape('three plain words\n'), /not a sample line/);
  assert.throws(() => readScrape('a_metric one\n'), /not a number/);
  assert.throws(() => readScrape('# only comments\n'), /no samples/);
});

test('parseObserve and the observed flags', () => {
  assert.deepEqual(parseObserve('metrics,events'), { metrics: true, events: true });
  assert.deepEqual(parseObserve(' events '), { metrics: false, events: true });
  assert.deepEqual(parseObserve('none'), { metrics: false, events: false });
  const flags = observedFlags('198.18.231.2', 'http://198.18.231.1:4000/events', 9464, { metrics: true, events: true });
  for (const f of [
    '--metrics.enabled=true',
    '--metrics.ip=198.18.231.2',
    '--metrics.port=9464',
    '--events.broadcast=true',
    '--events.stats_period=1',
    '--sampleevh.enabled=true',
    '--sampleevh.events=all',
    '--sampleevh.backend=http://198.18.231.1:4000/events',
  ])
    assert.ok(flags.includes(f), f);
  assert.deepEqual(observedFlags('a', 'b', 1, { metrics: false, events: false }), []);
});

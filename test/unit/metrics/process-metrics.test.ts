// The process's and Node.js's own families, written without a library: the names, types, help texts and labels
// prom-client's default metrics had (dashboards know them), values read from the process, a GC histogram whose
// buckets add up, and the text format's escaping and values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHelp, escapeLabelValue, Family, formatValue, TextWriter } from '../../../src/metrics/exposition.js';
import { ProcessMetrics } from '../../../src/metrics/process-metrics.js';
import { parseExposition, samplesOf, valueOf, type Exposition } from '../../helpers/prometheus-text.js';

/** Every family with its type, as prom-client 15 wrote them on Linux (help texts checked for a few below). */
const FAMILIES: Record<string, string> = {
  process_cpu_user_seconds_total: 'counter',
  process_cpu_system_seconds_total: 'counter',
  process_cpu_seconds_total: 'counter',
  process_start_time_seconds: 'gauge',
  process_resident_memory_bytes: 'gauge',
  process_virtual_memory_bytes: 'gauge',
  process_heap_bytes: 'gauge',
  process_open_fds: 'gauge',
  process_max_fds: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_eventloop_lag_min_seconds: 'gauge',
  nodejs_eventloop_lag_max_seconds: 'gauge',
  nodejs_eventloop_lag_mean_seconds: 'gauge',
  nodejs_eventloop_lag_stddev_seconds: 'gauge',
  nodejs_eventloop_lag_p50_seconds: 'gauge',
  nodejs_eventloop_lag_p90_seconds: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
  nodejs_active_resources: 'gauge',
  nodejs_active_resources_total: 'gauge',
  nodejs_active_handles: 'gauge',
  nodejs_active_handles_total: 'gauge',
  nodejs_active_requests: 'gauge',
  nodejs_active_requests_total: 'gauge',
  nodejs_heap_size_total_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_external_memory_bytes: 'gauge',
  nodejs_heap_space_size_total_bytes: 'gauge',
  nodejs_heap_space_size_used_bytes: 'gauge',
  nodejs_heap_space_size_available_bytes: 'gauge',
  nodejs_version_info: 'gauge',
  nodejs_gc_duration_seconds: 'histogram',
};

function scrape(p: ProcessMetrics): Exposition {
  const w = new TextWriter();
  p.write(w);
  return parseExposition(w.done());
}

test("the process and Node.js families: prom-client's names, types, help and labels, with the process's values", async () => {
  const p = new ProcessMetrics();
  try {
    let m = scrape(p);
    assert.deepEqual(Object.fromEntries(m.types), FAMILIES);
    assert.equal(m.help.get('process_cpu_seconds_total'), 'Total user and system CPU time spent in seconds.');
    assert.equal(m.help.get('nodejs_active_handles'), 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.');
    assert.equal(m.help.get('nodejs_gc_duration_seconds'), 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.');
    assert.equal(m.help.get('nodejs_eventloop_lag_stddev_seconds'), 'The standard deviation of the recorded event loop delays.');

    const cpu = process.cpuUsage();
    assert.ok(valueOf(m, 'process_cpu_seconds_total') <= (cpu.user + cpu.system) / 1e6);
    assert.ok(valueOf(m, 'process_cpu_seconds_total') > 0);
    assert.ok(Math.abs(valueOf(m, 'process_start_time_seconds') - (Date.now() / 1000 - process.uptime())) < 2);
    const rss = valueOf(m, 'process_resident_memory_bytes');
    assert.ok(Math.abs(rss - process.memoryUsage.rss()) < 64 * 1024 * 1024, `resident ${rss}`);
    assert.ok(valueOf(m, 'process_virtual_memory_bytes') > rss);
    assert.ok(valueOf(m, 'process_heap_bytes') > 0);
    assert.ok(valueOf(m, 'process_open_fds') >= 3);
    assert.ok(valueOf(m, 'process_max_fds') >= valueOf(m, 'process_open_fds'));
    assert.equal(valueOf(m, 'nodejs_version_info', { version: process.version }), 1);
    assert.ok(samplesOf(m, 'nodejs_heap_space_size_used_bytes', { space: 'old' }).length === 1);
    assert.equal(
      valueOf(m, 'nodejs_active_resources_total'),
      samplesOf(m, 'nodejs_active_resources').reduce((a, s) => a + s.value, 0),
    );

    // The event-loop figures cover the time since the last scrape: a second scrape after a blocked loop shows it.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 40;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 30));
    m = scrape(p);
    assert.ok(valueOf(m, 'nodejs_eventloop_lag_max_seconds') >= 0.04, String(valueOf(m, 'nodejs_eventloop_lag_max_seconds')));
    assert.ok(valueOf(m, 'nodejs_eventloop_lag_stddev_seconds') > 0);
    assert.ok(valueOf(m, 'nodejs_eventloop_lag_seconds') >= 0);

    // Garbage until a collection is reported: each kind's buckets are cumulative and end at its count.
    const deadline = performance.now() + 5000;
    let junk: unknown[] = [];
    while (samplesOf(m, 'nodejs_gc_duration_seconds_count').length === 0 && performance.now() < deadline) {
      for (let i = 0; i < 2000; i++) junk.push({ i, s: `x${i}` });
      junk = junk.length > 200_000 ? [] : junk;
      await new Promise((resolve) => setImmediate(resolve));
      m = scrape(p);
    }
    const counts = samplesOf(m, 'nodejs_gc_duration_seconds_count');
    assert.ok(counts.length > 0, 'a collection was reported');
    for (const c of counts) {
      const buckets = samplesOf(m, 'nodejs_gc_duration_seconds_bucket', { kind: c.labels.kind }).map((s) => [s.labels.le, s.value] as const);
      assert.deepEqual(
        buckets.map(([le]) => le),
        ['0.001', '0.01', '0.1', '1', '2', '5', '+Inf'],
      );
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1]);
      assert.equal(buckets.at(-1)?.[1], c.value);
      assert.ok(valueOf(m, 'nodejs_gc_duration_seconds_sum', { kind: c.labels.kind }) > 0);
    }
  } finally {
    p.close();
  }
});

test('the text format: escaping, values, a blank line between families', () => {
  assert.equal(escapeHelp('a\\b\nc "d"'), 'a\\\\b\\nc "d"');
  assert.equal(escapeLabelValue('a\\b\nc "d"'), 'a\\\\b\\nc \\"d\\"');
  assert.equal(escapeLabelValue('plain'), 'plain');
  assert.deepEqual([NaN, Infinity, -Infinity, 0.5, 1e21, -3].map(formatValue), ['NaN', '+Inf', '-Inf', '0.5', '1e+21', '-3']);
  const w = new TextWriter();
  w.single(new Family('a_total', 'A\nline.', 'counter'), 2);
  w.family(new Family('b', 'B.', 'gauge'));
  w.sample('b{x="1"}', NaN);
  assert.equal(w.done(), '# HELP a_total A\\nline.\n# TYPE a_total counter\na_total 2\n\n# HELP b B.\n# TYPE b gauge\nb{x="1"} NaN\n');
  const m = parseExposition(w.done());
  assert.equal(m.help.get('a_total'), 'A\\nline.');
  assert.ok(Number.isNaN(valueOf(m, 'b', { x: '1' })));
});

// The event-loop watch: a blocked loop is measured, warned about (rate-limited) and reported by Admin get_status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminApi } from '../../../src/core/admin.js';
import { FakeClock } from '../../../src/core/clock.js';
import { LogThrottle } from '../../../src/core/log-throttle.js';
import { LoopLagMonitor } from '../../../src/core/loop-lag.js';
import { Logger } from '../../../src/logging/logger.js';
import { makeGateway, quietLogger } from './fixtures.js';
import { sleep } from '../../../support/wait.js';

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy on purpose: this is the stall being measured
  }
}

test('a blocked event loop is measured, warned about once per minute, and shown by Admin get_status', async () => {
  const lines: string[] = [];
  const clock = new FakeClock();
  const monitor = new LoopLagMonitor({ warnMs: 100, windowMs: 1_000_000 }, Logger.create({ level: 4, sink: { write: (l) => lines.push(l) } }), clock);
  monitor.start();
  try {
    await sleep(30);
    block(300);
    await sleep(30);
    monitor.sample();
    const s = monitor.status();
    assert.ok((s.max_ms as number) >= 250, `max ${String(s.max_ms)} ms`);
    assert.equal(s.windows_over_threshold, 1);
    assert.equal(lines.filter((l) => l.includes('event loop lagged')).length, 1);
    await sleep(30);
    block(300);
    await sleep(30);
    monitor.sample();
    assert.equal(lines.filter((l) => l.includes('event loop lagged')).length, 1, 'a second stall within the minute is counted, not logged');
    assert.equal(monitor.status().windows_over_threshold, 2);
    clock.advance(61_000);
    await sleep(30);
    block(300);
    await sleep(30);
    monitor.sample();
    const warnings = lines.filter((l) => l.includes('event loop lagged'));
    assert.equal(warnings.length, 2);
    assert.match(warnings[1], /1 more such windows/);

    const t = makeGateway();
    const admin = new AdminApi(t.gateway, { adminSecret: '', noMediaTimer: 1, slowlinkThreshold: 0, minNackQueue: 200, nackOptimizations: false }, quietLogger(), monitor);
    const status = (await admin.handle({ janus: 'get_status', transaction: 's' })).status as Record<string, unknown>;
    const lag = status.event_loop_lag as Record<string, unknown>;
    assert.ok((lag.worst_ms as number) >= 250);
    assert.equal(lag.threshold_ms, 100);
    assert.equal(status.events_dropped, 0);
    assert.equal(status.slow_connections_closed, 0);
  } finally {
    monitor.stop();
  }
});

test('LogThrottle: up to `burst` lines per interval, then counted and reported with the next one', () => {
  const clock = new FakeClock();
  const throttle = new LogThrottle(1000, clock, 2);
  const out: number[] = [];
  for (let i = 0; i < 5; i++) throttle.run((held) => out.push(held));
  assert.deepEqual(out, [0, 0]);
  clock.advance(1000);
  throttle.run((held) => out.push(held));
  assert.deepEqual(out, [0, 0, 3]);
});

// The background connection of the broker backends: back-off after failures, one warning per outage, reconnection
// after a loss, sends refused while down, close() during an attempt releasing what the attempt made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerLink, withTimeout, type LinkHooks } from '../../../src/brokers/broker-link.js';
import { Logger, LogLevel } from '../../../src/logging/logger.js';
import { waitFor } from '../../../support/wait.js';

interface FakeConn {
  id: number;
  lose?: (reason: string) => void;
  closed?: boolean;
  graceful?: boolean;
}

function fake(failFirst: number): { hooks: LinkHooks<FakeConn>; conns: FakeConn[]; attempts: number[]; ready: number[] } {
  const conns: FakeConn[] = [];
  const attempts: number[] = [];
  const ready: number[] = [];
  let n = 0;
  const hooks: LinkHooks<FakeConn> = {
    open: async () => {
      attempts.push(Date.now());
      n++;
      if (n <= failFirst) throw new Error(`refused #${n}`);
      const c: FakeConn = { id: n };
      conns.push(c);
      return c;
    },
    watch: (c, lost) => (c.lose = lost),
    ready: (c) => ready.push(c.id),
    close: async (c, graceful) => {
      c.closed = true;
      c.graceful = graceful;
    },
  };
  return { hooks, conns, attempts, ready };
}

function logger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: Logger.create({ level: LogLevel.VERB, timestamps: false, sink: { write: (l) => lines.push(l) } }), lines };
}

test('failures back off, doubling to the bound; one warning, then verbose lines; the connection then serves', async () => {
  const { log, lines } = logger();
  const f = fake(4);
  const link = new BrokerLink('Test handler', 'x://h:1', f.hooks, log, { initialMs: 5, maxMs: 20 });
  assert.throws(() => link.connection(), /Test handler: not connected to x:\/\/h:1 \(not connected yet\)/);
  link.start();
  await waitFor(() => link.connected, { timeout: 2000, what: 'connected' });
  assert.equal(f.attempts.length, 5);
  const gaps = f.attempts.slice(1).map((t, i) => t - f.attempts[i]);
  assert.ok(gaps[0] >= 4 && gaps[3] >= 17, `pauses grow: ${gaps.join(', ')}`);
  assert.equal(lines.filter((l) => l.startsWith('WARN')).length, 1);
  assert.match(lines[0], /^WARN {2}Test handler: cannot connect to x:\/\/h:1: refused #1; trying again in \d+ ms$/);
  assert.match(lines.at(-1)!, /^INFO {2}Test handler: connected to x:\/\/h:1$/);
  assert.deepEqual(f.ready, [5]);
  assert.equal(link.connection().id, 5);
  await link.close();
  assert.deepEqual([f.conns[0].closed, f.conns[0].graceful], [true, true]);
  assert.throws(() => link.connection(), /Test handler: closed/);
});

test('a lost connection is let go and replaced; the failure reason is what sends are refused with', async () => {
  const { log, lines } = logger();
  const f = fake(0);
  const link = new BrokerLink('Test handler', 'x://h:1', f.hooks, log, { initialMs: 5, maxMs: 20 });
  link.start();
  await waitFor(() => link.connected, { timeout: 2000, what: 'connected' });
  f.conns[0].lose!('socket reset');
  f.conns[0].lose!('socket reset again');
  assert.equal(link.connected, false);
  assert.throws(() => link.connection(), /not connected to x:\/\/h:1 \(connection lost: socket reset\)/);
  assert.deepEqual([f.conns[0].closed, f.conns[0].graceful], [true, false]);
  await waitFor(() => link.connected, { timeout: 2000, what: 'reconnected' });
  assert.equal(link.connection().id, 2);
  assert.equal(lines.filter((l) => l.includes('lost: socket reset; reconnecting in')).length, 1, 'one loss logged once');
  assert.ok(lines.some((l) => l.includes('connection to x://h:1 restored')));
  await link.close();
});

test('close() while an attempt is under way aborts it and closes what it returns', async () => {
  const { log } = logger();
  let release: ((c: FakeConn) => void) | undefined;
  let aborted = false;
  const made: FakeConn = { id: 1 };
  const link = new BrokerLink<FakeConn>(
    'Test handler',
    'x://h:1',
    {
      open: (signal) =>
        new Promise<FakeConn>((resolve) => {
          signal.addEventListener('abort', () => (aborted = true));
          release = resolve;
        }),
      watch: () => undefined,
      close: async (c) => {
        c.closed = true;
      },
    },
    log,
  );
  link.start();
  await waitFor(() => release !== undefined, { timeout: 1000, what: 'an attempt' });
  const closing = link.close();
  assert.equal(aborted, true);
  release!(made);
  await closing;
  assert.equal(made.closed, true);
  assert.equal(link.connected, false);
});

test('withTimeout: the promise or an error naming what timed out', async () => {
  assert.equal(await withTimeout(Promise.resolve(3), 100, 'x'), 3);
  await assert.rejects(withTimeout(new Promise(() => undefined), 10, 'publishing'), /publishing timed out after 10 ms/);
});

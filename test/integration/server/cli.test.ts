import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const main = 'dist/src/main.js';

test('--help tells how to configure and exits 0', () => {
  const r = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: portunus/);
  assert.match(r.stdout, /http\.port = 8088/);
  assert.match(r.stdout, /websockets\.ws_port = 8188/);
});

test('--help lists the protective limits with their defaults (pings on)', () => {
  const r = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
  for (const line of [
    'websockets.pingpong_trigger = 30',
    'websockets.pingpong_timeout = 10',
    'websockets.max_unsent_bytes = 4194304',
    'http.max_queued_events = 1000',
    'http.headers_timeout = 10',
    'http.request_timeout = 30',
    'general.event_loop_lag_warn = 250',
  ])
    assert.ok(r.stdout.includes(line), line);
});

test('bad arguments and bad config exit 2 with one clear line', () => {
  const bad = spawnSync(process.execPath, [main, '--nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument '--nope'/);
  const missing = spawnSync(process.execPath, [main, '--config', '/nonexistent/portunus.jcfg'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read config file/);
  const env = spawnSync(process.execPath, [main], { encoding: 'utf8', env: { ...process.env, PORTUNUS_HTTP_PORT: 'x' } });
  assert.equal(env.status, 2);
  assert.match(env.stderr, /PORTUNUS_HTTP_PORT: expected a number/);
});

test('a port that is taken stops start-up with a message naming it', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const r = spawnSync(process.execPath, [main, `--http.ip=127.0.0.1`, `--http.port=${port}`, '--websockets.ws=false'], { encoding: 'utf8', timeout: 10_000 });
  blocker.close();
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`REST API \\(http\\): cannot bind 127\\.0\\.0\\.1:${port} \\(IPv4\\): the port is already in use`));
});

// The Streaming hardening tests (guarded requests, bounds, files inside the recordings folder, destroy) run again,
// whole, in a process that cannot create IPv6 sockets (as on a host booted with ipv6.disable=1).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';

test('Streaming guards, bounds and destroy hold where IPv6 sockets cannot be created', { timeout: 120_000 }, async () => {
  const files = ['streaming-guards.test.js', 'streaming-destroy.test.js'].map((f) => join(repoRoot, 'dist', 'test', 'integration', 'plugins', f));
  const env: NodeJS.ProcessEnv = { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' };
  delete env.NODE_TEST_CONTEXT; // a nested test run, not a child of this one
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
  assert.match(out, /# pass (\d+)/);
});

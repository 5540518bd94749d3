// The transport and client test files run again, whole, in a process that cannot create IPv6 sockets.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../helpers/no-ipv6.js';

test('transport and janode tests pass where IPv6 sockets cannot be created', { timeout: 120_000 }, async () => {
  const dirs = ['unit/transports', 'integration/transports'].map((d) => join(repoRoot, 'dist', 'test', d));
  const files = dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => join(d, f)),
  );
  files.push(join(repoRoot, 'dist', 'test', 'e2e', 'janode-client.test.js'));
  assert.ok(files.length >= 3);
  const env: NodeJS.ProcessEnv = { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' };
  delete env.NODE_TEST_CONTEXT; // a nested test run, not a child of this one
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
});

// The transport and client test files (and ICE-TCP's) run again, whole, in a process that cannot create IPv6 sockets.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../helpers/no-ipv6.js';
import { runNestedTests } from '../helpers/nested-test-run.js';

test('transport, janode and ICE-TCP tests pass where IPv6 sockets cannot be created', { timeout: 300_000 }, async () => {
  const dirs = ['unit/transports', 'integration/transports'].map((d) => join(repoRoot, 'dist', 'test', d));
  const files = dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => join(d, f)),
  );
  files.push(join(repoRoot, 'dist', 'test', 'e2e', 'janode-client.test.js'));
  // ICE-TCP's listener and connections, and a browser on it.
  files.push(join(repoRoot, 'dist', 'test', 'integration', 'media', 'ice-tcp-port.test.js'), join(repoRoot, 'dist', 'test', 'e2e', 'ice-tcp.test.js'));
  assert.ok(files.length >= 3);
  const { code, out } = await runNestedTests(files, { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' }, { oneAtATime: true });
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
});

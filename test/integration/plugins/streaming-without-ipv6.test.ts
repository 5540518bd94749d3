// The Streaming hardening tests (guarded requests, bounds, files inside the recordings folder, destroy) run again,
// whole, in a process that cannot create IPv6 sockets (as on a host booted with ipv6.disable=1).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';
import { runNestedTests } from '../../helpers/nested-test-run.js';

test('Streaming guards, bounds and destroy hold where IPv6 sockets cannot be created', { timeout: 120_000 }, async () => {
  const files = ['streaming-guards.test.js', 'streaming-destroy.test.js'].map((f) => join(repoRoot, 'dist', 'test', 'integration', 'plugins', f));
  const { code, out } = await runNestedTests(files, { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' }, { oneAtATime: true });
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
  assert.match(out, /# pass (\d+)/);
});

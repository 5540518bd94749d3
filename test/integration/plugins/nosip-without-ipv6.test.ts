// The NoSIP integration tests (two werift peers through two handles, SRTP, bad input, garbage datagrams) run
// again, whole, in a process that cannot create IPv6 sockets (as on a host booted with ipv6.disable=1): the plain
// legs, opened without a local_ip, fall back to IPv4.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';
import { runNestedTests } from '../../helpers/nested-test-run.js';

test('NoSIP calls, SRTP and bad input hold where IPv6 sockets cannot be created', { timeout: 180_000 }, async () => {
  const files = [join(repoRoot, 'dist', 'test', 'integration', 'plugins', 'nosip.test.js')];
  const { code, out } = await runNestedTests(files, { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' }, { oneAtATime: true });
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
  assert.match(out, /# pass 4/);
});

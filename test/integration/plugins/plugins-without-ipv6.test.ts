// The integration tests of the plugins that open plain RTP sockets themselves run again, whole, in a process that
// cannot create IPv6 sockets (as on a host booted with ipv6.disable=1): NoSIP's plain legs, the AudioBridge's
// plain-RTP participants and mix forwarders, opened without a local address, fall back to IPv4.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';
import { runNestedTests } from '../../helpers/nested-test-run.js';

for (const [plugin, file, tests] of [
  ['NoSIP calls, SRTP and bad input', 'nosip.test.js', 4],
  ['AudioBridge mixing, plain RTP, forwarders and announcements', 'audiobridge.test.js', 5],
] as const) {
  test(`${plugin} hold where IPv6 sockets cannot be created`, { timeout: 180_000 }, async () => {
    const files = [join(repoRoot, 'dist', 'test', 'integration', 'plugins', file)];
    const { code, out } = await runNestedTests(files, { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' }, { oneAtATime: true });
    assert.equal(code, 0, out.slice(-4000));
    assert.match(out, /# fail 0/);
    assert.match(out, new RegExp(`# pass ${tests}`));
  });
}

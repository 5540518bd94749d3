// The peer on a host where every AF_INET6 socket fails with EAFNOSUPPORT (LD_PRELOAD shim in a child process).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';

test('loopback echo works without IPv6 (EAFNOSUPPORT on every AF_INET6 socket)', { timeout: 90_000 }, async () => {
  const env = await noIpv6Env();
  const script = join(repoRoot, 'dist', 'test', 'fixtures', 'no-ipv6-echo.js');
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    execFile(process.execPath, [script], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ stdout, stderr, code });
    });
  });
  assert.equal(code, 0, `child failed (code ${code}):\n${stderr}\n${stdout}`);
  const line = stdout.trim().split('\n').pop() ?? '';
  const r = JSON.parse(line) as {
    udp6Fails: boolean;
    ipv6Available: boolean;
    ipv6Reason?: string;
    loEcho: boolean;
    defaultEcho: boolean;
    loCandidates: { candidate?: string }[];
    defaultCandidates: { candidate?: string }[];
  };
  assert.equal(r.udp6Fails, true, 'the shim makes udp6 fail');
  assert.equal(r.ipv6Available, false, 'discoverNetworkHost sees no IPv6');
  assert.equal(r.ipv6Reason, 'EAFNOSUPPORT');
  assert.ok(r.loEcho, 'echo with iceEnforceList lo');
  assert.ok(r.defaultEcho, 'echo with default interface selection');
  for (const c of [...r.loCandidates, ...r.defaultCandidates]) {
    if (c.candidate) assert.doesNotMatch(c.candidate, / [0-9a-f]*:[0-9a-f:]* \d+ typ /i, `no IPv6 candidate: ${c.candidate}`);
  }
});

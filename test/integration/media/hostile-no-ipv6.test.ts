// The hostile-datagram guard on a host where every AF_INET6 socket fails (LD_PRELOAD shim in a child process).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';

test("without IPv6: the 27-byte packet and a stranger's check and alert leave the echo going", { timeout: 90_000 }, async () => {
  const env = await noIpv6Env();
  const script = join(repoRoot, 'dist', 'test', 'fixtures', 'hostile-no-ipv6-child.js');
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    execFile(process.execPath, [script], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : null) : 0 });
    });
  });
  assert.equal(code, 0, `child failed (code ${code}):\n${stderr}\n${stdout}`);
  const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    udp6Fails: boolean;
    ipv6Available: boolean;
    echoMs: number;
    hangups: string[];
    strangerGot: number[];
    dropped: { malformed: number; unauthenticated: number; unselected_source: number } | null;
  };
  assert.equal(r.udp6Fails, true, 'the shim makes udp6 fail');
  assert.equal(r.ipv6Available, false);
  assert.deepEqual(r.hangups, []);
  assert.ok(r.echoMs < 5000, `echo within moments, took ${r.echoMs} ms`);
  assert.deepEqual(r.strangerGot, [0x0111], 'the stranger got one Binding error response and nothing else');
  assert.ok(r.dropped && r.dropped.malformed >= 3 && r.dropped.unauthenticated === 1 && r.dropped.unselected_source >= 2, JSON.stringify(r.dropped));
});

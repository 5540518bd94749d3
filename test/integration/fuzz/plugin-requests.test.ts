// The short API fuzz run of `npm test`: random and mutated request bodies for every request name of EchoTest,
// Streaming and VideoRoom, through the gateway in process (api-fuzz.ts); `npm run fuzz` runs the same for longer.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { StartedServer } from '../../helpers/in-process-server.js';
import { API_TARGETS, enterFuzzFolder, fuzzPluginApi, startFuzzServer } from '../../fuzz/api-fuzz.js';

const RUNS = Number(process.env.PORTUNUS_FUZZ_API_RUNS ?? 1500);
let srv: StartedServer;
let dir: string;
const home = process.cwd();

before(async () => {
  dir = enterFuzzFolder();
  srv = await startFuzzServer();
});
after(async () => {
  await srv?.stop();
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

for (const t of API_TARGETS) {
  test(`fuzz ${t.plugin} requests (${t.requests.filter(Boolean).length || 'settings'}): ${RUNS} bodies, Janus answers only, no exception text, still serving`, { timeout: 120_000 }, async () => {
    const r = await fuzzPluginApi(srv, t, RUNS);
    assert.equal(r.failure, undefined, r.failure);
    // The bodies reach the plugin's checks, not just the gateway's: plugin errors of several kinds come back.
    assert.ok(Object.keys(r.answers).filter((k) => k.includes('plugin error')).length >= 2, JSON.stringify(r.answers));
  });
}

// The same bodies where IPv6 sockets cannot be created (Streaming and VideoRoom open sockets for some of them).
test('the same, fewer bodies, on a host without IPv6', { timeout: 120_000, skip: process.env.PORTUNUS_EXPECT_NO_IPV6 === '1' && 'this is that run' }, async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { noIpv6Env } = await import('../../helpers/no-ipv6.js');
  const env: NodeJS.ProcessEnv = { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1', PORTUNUS_FUZZ_API_RUNS: '300' };
  delete env.NODE_TEST_CONTEXT; // a nested test run, not a child of this one
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', fileURLToPath(import.meta.url)], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, new RegExp(`# pass ${API_TARGETS.length}\\b`));
  assert.match(out, /# fail 0/);
});

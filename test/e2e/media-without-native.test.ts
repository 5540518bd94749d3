// The media tests run again, whole, on the TypeScript path (PORTUNUS_NATIVE=0: SRTP in TypeScript, one dgram send
// per datagram), so that the fallback a machine without a compiler gets stays tested next to the native path.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/no-ipv6.js';

const FILES = [
  'integration/media/single-port.test.js',
  'integration/media/loopback.test.js',
  'integration/media/hostile-datagrams.test.js',
  'integration/plugins/videoroom.test.js',
  'e2e/echotest-werift.test.js',
  'e2e/streaming-viewers.test.js',
];

test('media tests pass on the TypeScript path too (PORTUNUS_NATIVE=0)', { timeout: 240_000 }, async () => {
  const files = FILES.map((f) => join(repoRoot, 'dist', 'test', f));
  const env: NodeJS.ProcessEnv = { ...process.env, PORTUNUS_NATIVE: '0' };
  delete env.NODE_TEST_CONTEXT; // a nested test run, not a child of this one
  const leakCheck = join(repoRoot, 'dist', 'test', 'helpers', 'leak-check.js');
  const child = spawn(process.execPath, ['--import', leakCheck, '--test', '--test-concurrency=1', '--test-reporter=tap', ...files], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
});

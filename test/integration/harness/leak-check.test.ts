// The leak check the runner preloads fails a file that leaves something open, and says what it is.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

test('a file that leaves a server listening fails, naming the server; the run still ends', { timeout: 30_000 }, async () => {
  const leakCheck = new URL('../../helpers/leak-check.js', import.meta.url).href;
  const fixture = fileURLToPath(new URL('../../fixtures/leaves-server-open.js', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, PORTUNUS_LEAK_GRACE_MS: '500' };
  delete env.NODE_TEST_CONTEXT; // a nested test run, not a child of this one
  const child = spawn(process.execPath, ['--import', leakCheck, '--test', '--test-reporter=tap', fixture], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.notEqual(code, 0, out);
  assert.match(out, /leak check: .*left open/);
  assert.match(out, /Server \{"address":"127\.0\.0\.1"/);
});

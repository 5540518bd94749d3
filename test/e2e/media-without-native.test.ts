// The media tests run again, whole, on the TypeScript path (PORTUNUS_NATIVE=0: SRTP in TypeScript, one dgram send
// per datagram), so that the fallback a machine without a compiler gets stays tested next to the native path.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/no-ipv6.js';
import { runNestedTests } from '../helpers/nested-test-run.js';

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
  const { code, out } = await runNestedTests(files, { ...process.env, PORTUNUS_NATIVE: '0' }, { leakCheck: true, oneAtATime: true });
  assert.equal(code, 0, out.slice(-4000));
  assert.match(out, /# fail 0/);
});

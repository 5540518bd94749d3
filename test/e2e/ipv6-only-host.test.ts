// An IPv6-only host: a network namespace whose loopback keeps ::1 and loses 127.0.0.1. The server listens on ::1,
// opens its shared ICE port there, and a werift client runs the whole EchoTest against it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers/no-ipv6.js';

const ns = `portunus-v6only-${process.pid}`;
function ip(...args: string[]): boolean {
  return spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
}
const ready = process.getuid?.() === 0 && ip('netns', 'add', ns) && ip('-n', ns, 'link', 'set', 'lo', 'up') && ip('-n', ns, 'addr', 'del', '127.0.0.1/8', 'dev', 'lo');
after(() => void ip('netns', 'del', ns));

test('IPv6-only host: REST/WS on ::1, the shared ICE port on [::1], an EchoTest end to end', { timeout: 60_000, skip: ready ? false : 'needs root and ip netns' }, () => {
  const script = join(repoRoot, 'dist', 'test', 'helpers', 'ipv6-only-echo.js');
  const run = spawnSync('ip', ['netns', 'exec', ns, process.execPath, script], { encoding: 'utf8', timeout: 50_000 });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no result: ${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(line) as { ok: boolean; error?: string; logs?: string[]; answerSdp?: string; status?: { single_port: { port: number; sockets: Array<{ address: string }> } } };
  assert.ok(result.ok, `${result.error}\n${(result.logs ?? []).join('\n')}`);
  const shared = result.status!.single_port;
  assert.deepEqual(
    shared.sockets.map((s) => s.address),
    ['::1'],
  );
  assert.match(result.answerSdp!, new RegExp(`a=candidate:\\S+ 1 udp \\d+ ::1 ${shared.port} typ host`));
  assert.doesNotMatch(result.answerSdp!, /a=candidate:\S+ 1 udp \d+ 127\./);
});

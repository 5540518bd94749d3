// A short soak in every test run: the soak runner (the server in its own process, the clients in a child) for
// 150 cycles with garbage at the media ports, 60 in which the connected peer's own socket sends garbage mid-call,
// and 50 on a host without IPv6; the assertions are the full soak's (run.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';

interface SoakOutcome {
  readonly code: number | null;
  readonly output: string;
  readonly result?: { ok: boolean; problems: string[]; stats?: { done: number; failed: number } };
}

function runSoak(args: readonly string[], env: NodeJS.ProcessEnv): Promise<SoakOutcome> {
  const runner = join(repoRoot, 'dist', 'test', 'soak', 'run.js');
  const child = spawn(process.execPath, ['--expose-gc', runner, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    // The runner bounds itself (--max-seconds); this is the backstop should it hang.
    const kill = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      const line = output.split('\n').find((l) => l.startsWith('SOAK RESULT '));
      resolve({ code, output, ...(line ? { result: JSON.parse(line.slice('SOAK RESULT '.length)) as SoakOutcome['result'] } : {}) });
    });
  });
}

/** The runner's own lines, without the final JSON, for an assertion message. */
const progress = (output: string): string =>
  output
    .split('\n')
    .filter((l) => !l.startsWith('SOAK RESULT '))
    .join('\n')
    .slice(-6000);

function check(outcome: SoakOutcome, cycles: number): void {
  assert.ok(outcome.result, `no result line:\n${progress(outcome.output)}`);
  assert.deepEqual(outcome.result.problems, [], progress(outcome.output));
  assert.equal(outcome.result.ok, true);
  assert.equal(outcome.code, 0);
  assert.ok((outcome.result.stats?.done ?? 0) >= cycles - 1, `cycles done: ${JSON.stringify(outcome.result.stats)}`);
}

const env = (): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e.NODE_TEST_CONTEXT; // the runner is a program of its own, not a child of this test
  return e;
};

test('short soak: 150 create/attach/media/detach/destroy cycles with garbage datagrams at the media ports leave no descriptor, socket, timer or heap behind', { timeout: 250_000 }, async () => {
  check(await runSoak(['--cycles=150', '--inject-share=0', '--max-seconds=150', '--settle-seconds=3', '--seed=1501'], env()), 150);
});

test("short soak with garbage from the connected peer's own address mid-call: 60 cycles keep their media and the server its pace", { timeout: 250_000 }, async () => {
  check(await runSoak(['--cycles=60', '--inject-share=1', '--max-seconds=150', '--settle-seconds=3', '--seed=6001'], env()), 60);
});

test('short soak on a host without IPv6: 50 cycles, same assertions', { timeout: 250_000 }, async () => {
  const noIpv6 = { ...(await noIpv6Env(env())), PORTUNUS_EXPECT_NO_IPV6: '1' };
  check(await runSoak(['--cycles=50', '--inject-share=0', '--max-seconds=150', '--settle-seconds=3', '--seed=5001'], noIpv6), 50);
});

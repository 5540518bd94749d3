// Runs test files again, whole, in a child `node --test` with another environment (no IPv6, no native addon):
// the exit code and everything it printed, for the calling test to check.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './no-ipv6.js';

export interface NestedRunOptions {
  /** Preload the leak check: a socket a failing run leaves open then ends the run instead of keeping it alive. */
  readonly leakCheck?: boolean;
  /** Pass --test-concurrency=1 (files one after another). */
  readonly oneAtATime?: boolean;
}

export async function runNestedTests(files: readonly string[], env: NodeJS.ProcessEnv, options: NestedRunOptions = {}): Promise<{ code: number | null; out: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...env };
  delete childEnv.NODE_TEST_CONTEXT; // a nested test run, not a child of this one
  const args = [
    ...(options.leakCheck ? ['--import', join(repoRoot, 'dist', 'test', 'helpers', 'leak-check.js')] : []),
    '--test',
    ...(options.oneAtATime ? ['--test-concurrency=1'] : []),
    '--test-reporter=tap',
    ...files,
  ];
  const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}

#!/usr/bin/env node
// Runs the compiled test files with node's built-in test runner.
//   node scripts/run-tests.mjs [unit|integration|e2e] [filter...]
// A kind limits the run to test/<kind>; filters keep the files whose path contains one of them.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';

const kinds = ['unit', 'integration', 'e2e'];
const args = process.argv.slice(2);
const kind = kinds.includes(args[0]) ? args.shift() : undefined;
const root = kind ? join('dist/test', kind) : 'dist/test';
const filters = args;
const files = [];
// dist/ keeps what tsc once wrote: a test file moved or deleted in the sources must not run from a stale copy.
const hasSource = (path) => existsSync(path.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js') && hasSource(path) && (filters.length === 0 || filters.some((f) => path.includes(f)))) files.push(path);
  }
})(root);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.PORTUNUS_TEST_CONCURRENCY ?? '2';
// Every file must close what it opened: the leak check fails a file that still holds the event loop after its
// tests, and names what is open. A test that hangs is cut by the per-test timeout (files set shorter ones).
const leakCheck = ['--import', './dist/test/helpers/leak-check.js'];
const perTestTimeout = `--test-timeout=${process.env.PORTUNUS_TEST_TIMEOUT_MS ?? 300_000}`;
// Files that drive headless Chromium run one at a time, after the others: two browsers encoding and decoding at
// once on a 2-core machine starve each other, and the tests then measure the machine rather than the server.
const usesBrowser = (path) => /support\/browser\.js|helpers\/janusjs-page\.js/.test(readFileSync(path, 'utf8'));
const browserFiles = files.filter(usesBrowser);
// Unit files share processes (scripts/test-group.mjs), one per core; the others run a process each.
// PORTUNUS_UNIT_PROCESS_PER_FILE=1 runs unit files a process each too, to tell which file a leak report is about.
const perFile = process.env.PORTUNUS_UNIT_PROCESS_PER_FILE === '1';
const isUnit = (path) => !perFile && path.startsWith(join('dist/test', 'unit') + '/');
const unitFiles = files.filter((f) => !browserFiles.includes(f) && isUnit(f));
const otherFiles = files.filter((f) => !browserFiles.includes(f) && !isUnit(f));
let status = 0;
if (unitFiles.length > 0) status = await runGrouped(unitFiles, Number(concurrency));
for (const [group, n] of [
  [otherFiles, concurrency],
  [browserFiles, '1'],
]) {
  if (group.length === 0) continue;
  const result = spawnSync(process.execPath, [...leakCheck, '--test', `--test-concurrency=${n}`, perTestTimeout, '--test-reporter=spec', ...group], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);

/**
 * Runs `paths` in `n` processes at once, the files dealt round-robin; each group's report is printed whole when
 * it ends so that two reports do not interleave. A group that outlives the per-test bound is killed.
 */
async function runGrouped(paths, n) {
  const groups = Array.from({ length: Math.max(1, Math.min(n, paths.length)) }, () => []);
  paths.forEach((path, i) => groups[i % groups.length].push(path));
  const timeout = Number(process.env.PORTUNUS_TEST_TIMEOUT_MS ?? 300_000);
  const codes = await Promise.all(
    groups.map(
      (group) =>
        new Promise((done) => {
          const child = spawn(process.execPath, [...leakCheck, '--test-reporter=spec', 'scripts/test-group.mjs', ...group], { stdio: ['ignore', 'pipe', 'pipe'], timeout });
          const out = [];
          child.stdout.on('data', (chunk) => out.push(chunk));
          child.stderr.on('data', (chunk) => out.push(chunk));
          child.on('close', (code, signal) => {
            process.stdout.write(`# ${group.length} unit files in one process: ${group.map((p) => p.replace(/^dist\/test\/unit\//, '')).join(' ')}\n`);
            process.stdout.write(Buffer.concat(out));
            if (signal) process.stdout.write(`# killed by ${signal} (PORTUNUS_TEST_TIMEOUT_MS ${timeout})\n`);
            done(code ?? 1);
          });
        }),
    ),
  );
  return codes.find((code) => code !== 0) ?? 0;
}

#!/usr/bin/env node
// Runs every compiled test file with node's built-in test runner; extra arguments filter file names.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => path.includes(f)))) files.push(path);
  }
})(root);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.PORTUNUS_TEST_CONCURRENCY ?? '2';
// A file whose tests are done but that left a handle open (a test client's socket) must not hang the whole run.
const forceExit = spawnSync(process.execPath, ['--test-force-exit', '-e', '']).status === 0 ? ['--test-force-exit'] : [];
// Files that drive headless Chromium run one at a time, after the others: two browsers encoding and decoding at
// once on a 2-core machine starve each other, and the tests then measure the machine rather than the server.
const usesBrowser = (path) => readFileSync(path, 'utf8').includes('helpers/browser.js');
const browserFiles = files.filter(usesBrowser);
const otherFiles = files.filter((f) => !browserFiles.includes(f));
let status = 0;
for (const [group, n] of [[otherFiles, concurrency], [browserFiles, '1']]) {
  if (group.length === 0) continue;
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${n}`, '--test-reporter=spec', ...forceExit, ...group], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);

#!/usr/bin/env node
// Runs every compiled test file with node's built-in test runner; extra arguments filter file names.
import { readdirSync, statSync } from 'node:fs';
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
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...forceExit, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

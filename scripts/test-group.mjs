#!/usr/bin/env node
// Runs several compiled test files in this one process: node scripts/test-group.mjs <file.test.js>...
// Unit test files open nothing and patch nothing global, so they can share a process; a process per file would
// spend more CPU starting node and loading the same modules again than running the tests.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(resolve(file)).href);

// --help and the settings table say which settings have no effect yet; this keeps that true to what the code reads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { SETTINGS, inertSettings } from '../../../src/config/defaults.js';
import { helpText } from '../../../src/cli.js';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

// Tests run from the project root (npm test); the sources are read as written, not as compiled.
const files = sourceFiles('src')
  .map((path) => ({ path: relative('src', path).split('\\').join('/'), text: readFileSync(path, 'utf8') }))
  .filter((f) => !f.path.startsWith('config/') && f.path !== 'cli.ts');
// Where an inert setting may still appear: the info reply and the Admin API echo what was configured.
const REPORTERS = new Set(['server.ts', 'core/admin.ts']);

function readers(key: string): string[] {
  const read = new RegExp(`\\.${key}\\b`);
  return files.filter((f) => read.test(f.text)).map((f) => f.path);
}

test('every setting with an effect is read somewhere outside the settings code', () => {
  const inert = new Set(inertSettings());
  for (const [section, keys] of Object.entries(SETTINGS)) {
    for (const key of Object.keys(keys)) {
      if (inert.has(`${section}.${key}`)) continue;
      assert.ok(readers(key).length > 0, `${section}.${key} is described as having an effect, but nothing reads it: mark it inert or use it`);
    }
  }
});

test('a setting marked inert is read by nothing but the info and Admin replies', () => {
  for (const name of inertSettings()) {
    const key = name.split('.')[1] ?? '';
    const users = readers(key).filter((p) => !REPORTERS.has(p));
    assert.deepEqual(users, [], `${name} is marked "no effect yet" but ${users.join(', ')} reads it: drop the inert mark`);
  }
});

test('--help lists every setting with its description, and says which have no effect yet', () => {
  const help = helpText();
  const inert = new Set(inertSettings());
  for (const [section, keys] of Object.entries(SETTINGS)) {
    for (const [key, setting] of Object.entries(keys)) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`${section}.${key} =`));
      assert.ok(line, `${section}.${key} missing from --help`);
      assert.ok(line.includes(setting.help), `${section}.${key}: description missing`);
      assert.equal(line.includes('no effect yet'), inert.has(`${section}.${key}`), `${section}.${key}: inert note`);
    }
  }
});

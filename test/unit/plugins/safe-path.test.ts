import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareFileInside, resolveInside, UnsafePathError } from '../../../src/plugins/safe-path.js';

test('safe paths: names stay inside the folder; .., absolute paths, NULs and links out are refused', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'portunus-safe-path-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const folder = join(root, 'recordings');
  const outside = join(root, 'elsewhere');
  mkdirSync(folder);
  mkdirSync(outside);
  assert.equal(resolveInside(folder, 'room-1/alice-video'), join(folder, 'room-1', 'alice-video'));
  assert.equal(resolveInside(folder, './a.mjr'), join(folder, 'a.mjr'));
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', '', 'a\0b', '..', 'sub/..']) {
    assert.throws(() => resolveInside(folder, bad), UnsafePathError, bad);
  }
  symlinkSync(outside, join(folder, 'link'));
  assert.throws(() => resolveInside(folder, 'link/file.mjr'), /symbolic link/);
  symlinkSync(join(outside, 'missing'), join(folder, 'dangling'));
  assert.throws(() => resolveInside(folder, 'dangling'), UnsafePathError);
  // Folders are made only below the recordings folder, which itself may not exist yet.
  const fresh = join(root, 'new-recordings');
  const file = prepareFileInside(fresh, 'r/2/f.mjr');
  assert.equal(file, join(fresh, 'r', '2', 'f.mjr'));
  assert.equal(existsSync(join(fresh, 'r', '2')), true);
  assert.equal(existsSync(join(outside, 'x')), false);
});

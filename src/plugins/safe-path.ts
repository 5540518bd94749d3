// Where a file that a client names may be: inside one configured folder, whatever the name says. Refuses
// absolute paths, `..` segments, NUL bytes, and symbolic links (of the folder's existing parts) that lead out.
import { existsSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class UnsafePathError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsafePathError';
  }
}

/** Whether `child` (absolute, normalised) is `parent` or below it. */
function within(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The deepest existing ancestor of `path` (itself when it exists), resolved through symbolic links. */
function realExisting(path: string): string {
  let p = path;
  const rest: string[] = [];
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    rest.unshift(p.slice(up.length + (up.endsWith(sep) ? 0 : 1)));
    p = up;
  }
  // A dangling link at the leaf: lstat sees it where existsSync does not.
  try {
    if (rest.length > 0 && lstatSync(join(p, rest[0])).isSymbolicLink()) throw new UnsafePathError('is a symbolic link');
  } catch (err) {
    if (err instanceof UnsafePathError) throw err;
  }
  return join(realpathSync(p), ...rest);
}

/**
 * The absolute path of `name` (a client's relative file or folder name) inside `folder`. Throws UnsafePathError
 * with a short reason when `name` is absolute, holds `..`, a NUL, or lands outside `folder` through a link.
 */
export function resolveInside(folder: string, name: string): string {
  if (name === '') throw new UnsafePathError('is empty');
  if (name.includes('\0')) throw new UnsafePathError('holds a NUL byte');
  if (isAbsolute(name) || /^[a-zA-Z]:[\\/]/.test(name)) throw new UnsafePathError('is an absolute path');
  if (name.split(/[\\/]/).includes('..')) throw new UnsafePathError("holds '..'");
  const base = resolve(folder);
  const target = resolve(base, name);
  if (!within(base, target)) throw new UnsafePathError('is outside the folder');
  const realBase = existsSync(base) ? realpathSync(base) : base;
  if (!within(realBase, realExisting(target))) throw new UnsafePathError('leads outside the folder through a symbolic link');
  return target;
}

/** resolveInside, then creates the folders the file will be written in (only below `folder`). */
export function prepareFileInside(folder: string, name: string): string {
  const target = resolveInside(folder, name);
  mkdirSync(dirname(target), { recursive: true });
  // Re-check: a link could have been raced in while the folders were made.
  return resolveInside(folder, name);
}

// Builds (once) the LD_PRELOAD library of test/fixtures/no-ipv6.c and returns an environment that makes a child
// process unable to create any IPv6 socket (EAFNOSUPPORT), like a host booted with ipv6.disable=1.
import { execFile } from 'node:child_process';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root: this file runs from dist/test/helpers/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

let building: Promise<string> | undefined;

async function mtime(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Path of the compiled shim; compiles test/fixtures/no-ipv6.c into test/.cache/ when missing or stale. */
export function noIpv6Library(): Promise<string> {
  building ??= (async () => {
    const source = join(repoRoot, 'test', 'fixtures', 'no-ipv6.c');
    const cacheDir = join(repoRoot, 'test', '.cache');
    const lib = join(cacheDir, 'no-ipv6.so');
    if ((await mtime(lib)) >= (await mtime(source)) && (await mtime(source)) >= 0) return lib;
    await mkdir(cacheDir, { recursive: true });
    // Build under a unique name and rename, so that concurrent test files never load a half-written library.
    const tmp = `${lib}.${process.pid}.tmp`;
    await run('gcc', ['-shared', '-fPIC', '-O2', '-o', tmp, source, '-ldl'], { timeout: 60_000 });
    await rename(tmp, lib);
    return lib;
  })();
  building.catch(() => (building = undefined));
  return building;
}

/** process.env plus LD_PRELOAD of the no-IPv6 shim (appended to any existing preload). */
export async function noIpv6Env(base: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const lib = await noIpv6Library();
  const preload = base.LD_PRELOAD ? `${lib}:${base.LD_PRELOAD}` : lib;
  return { ...base, LD_PRELOAD: preload };
}

#!/usr/bin/env node
// Builds the native addon (src/native/*.c) into dist/native/portunus.node with the C compiler and the Node
// headers of this machine: node_api.h and the OpenSSL headers Node ships, found next to the running node
// binary. OpenSSL is not linked: the addon's EVP_* references resolve against the node binary that loads it.
// libopus is not linked either: the addon opens it at run time when it is installed (src/native/opus-encoder.c).
// Nothing is downloaded. When there is no compiler or the build fails, one line says so and the exit status
// stays 0: the server then runs on the TypeScript path (src/native/native-addon.ts reports why).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'src/native');
const output = join(root, 'dist/native/portunus.node');
const compiler = process.env.CC || 'cc';
const include = join(dirname(dirname(process.execPath)), 'include/node');

const sources = readdirSync(sourceDir)
  .filter((name) => name.endsWith('.c'))
  .sort()
  .map((name) => join(sourceDir, name));
// Headers and this script count as sources: a change to either rebuilds.
const inputs = [
  ...sources,
  ...readdirSync(sourceDir)
    .filter((name) => name.endsWith('.h'))
    .map((name) => join(sourceDir, name)),
  fileURLToPath(import.meta.url),
];

if (existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (inputs.every((path) => statSync(path).mtimeMs < built)) process.exit(0);
}

function giveUp(reason) {
  // An older build left in place would be loaded as if it matched the sources.
  rmSync(output, { force: true });
  console.log(`native addon not built (${reason}); Portunus runs on its TypeScript path`);
  process.exit(0);
}

if (!existsSync(join(include, 'node_api.h')) || !existsSync(join(include, 'openssl/evp.h'))) giveUp(`no node_api.h and openssl/evp.h under ${include}`);
const probe = spawnSync(compiler, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) giveUp(`no C compiler: ${compiler} --version failed`);

mkdirSync(dirname(output), { recursive: true });
const temporary = `${output}.${process.pid}.tmp`;
// -Werror: the sources build without a warning, and a new one is to be fixed, not shipped.
const args = ['-O2', '-fPIC', '-shared', '-pthread', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-DNAPI_VERSION=8', `-I${include}`, '-o', temporary, ...sources, '-ldl'];
const result = spawnSync(compiler, args, { encoding: 'utf8' });
if (result.error || result.status !== 0) {
  rmSync(temporary, { force: true });
  const firstError = `${result.stderr ?? ''}`.split('\n').find((line) => /error/.test(line)) ?? result.error?.message ?? `exit status ${result.status}`;
  giveUp(`${compiler} failed: ${firstError.trim()}`);
}
// Renamed into place only when complete, so a process loading the addon never sees half a file.
renameSync(temporary, output);
console.log(`native addon built: ${output.slice(root.length + 1)}`);

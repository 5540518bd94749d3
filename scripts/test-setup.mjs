#!/usr/bin/env node
// Installs what the test suite needs beyond npm packages: Debian packages (chromium, ffmpeg, janus-tools…) when missing.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const wanted = [
  { pkg: 'chromium', probe: '/usr/bin/chromium' },
  { pkg: 'ffmpeg', probe: '/usr/bin/ffmpeg' },
  // The tests compile a small LD_PRELOAD library (a host without IPv6) and make a TLS certificate.
  { pkg: 'gcc', probe: '/usr/bin/gcc' },
  { pkg: 'libc6-dev', probe: '/usr/include/dlfcn.h' },
  { pkg: 'openssl', probe: '/usr/bin/openssl' },
  // janus-pp-rec (Janus's own post-processor) checks that our .mjr recordings are what Janus users expect.
  { pkg: 'janus-tools', probe: '/usr/bin/janus-pp-rec' },
];
const missing = wanted.filter((w) => !existsSync(w.probe)).map((w) => w.pkg);
if (missing.length > 0) {
  console.log(`test set-up: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) process.exit(update.status ?? 1);
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

#!/usr/bin/env node
// Installs what the test suite needs beyond npm packages: Debian packages (chromium, ffmpeg, janus-tools…) when
// missing, and the one npm binding an install script would have built (unix-dgram, below).
import { existsSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const wanted = [
  { pkg: 'chromium', probe: '/usr/bin/chromium' },
  { pkg: 'ffmpeg', probe: '/usr/bin/ffmpeg' },
  // The tests compile a small LD_PRELOAD library (a host without IPv6) and make a TLS certificate.
  { pkg: 'gcc', probe: '/usr/bin/gcc' },
  { pkg: 'libc6-dev', probe: '/usr/include/dlfcn.h' },
  { pkg: 'openssl', probe: '/usr/bin/openssl' },
  // janus-pp-rec (Janus's own post-processor) checks that our .mjr recordings are what Janus users expect.
  { pkg: 'janus-tools', probe: '/usr/bin/janus-pp-rec' },
  // A real RTSP camera for rtsp mountpoints: GStreamer's RTSP server, driven from Python.
  { pkg: 'python3-gi', probe: '/usr/lib/python3/dist-packages/gi/__init__.py' },
  { pkg: 'gir1.2-gst-rtsp-server-1.0', probe: '/usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib' },
  { pkg: 'gstreamer1.0-plugins-good', probe: '/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstvpx.so' },
  { pkg: 'gstreamer1.0-plugins-base', probe: '/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstopus.so' },
  // WHIP and WHEP clients made of GStreamer's webrtcbin, driven from Python (Debian has no WHIP element).
  { pkg: 'gstreamer1.0-plugins-bad', probe: '/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstwebrtc.so' },
  { pkg: 'gstreamer1.0-nice', probe: '/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstnice.so' },
  { pkg: 'gir1.2-gst-plugins-bad-1.0', probe: '/usr/lib/x86_64-linux-gnu/girepository-1.0/GstWebRTC-1.0.typelib' },
  { pkg: 'gir1.2-gst-plugins-base-1.0', probe: '/usr/lib/x86_64-linux-gnu/girepository-1.0/GstSdp-1.0.typelib' },
  // A TURN server for the server side's relayed candidates (nat.turn_*).
  { pkg: 'coturn', probe: '/usr/bin/turnserver' },
  // Wireshark's command-line tools read the Admin API's packet captures (pcap and text2pcap) as a user would.
  { pkg: 'tshark', probe: '/usr/bin/tshark' },
  { pkg: 'wireshark-common', probe: '/usr/bin/text2pcap' },
  // Janus's own demo pages, run against Portunus as a Janus user would.
  { pkg: 'janus-demos', probe: '/usr/share/janus/demos/echotest.html' },
  // promtool (Prometheus's own parser and linter) checks what /metrics serves.
  { pkg: 'prometheus', probe: '/usr/bin/promtool' },
  // Message brokers the event handlers publish to (MQTT, AMQP 0-9-1, NATS), started by the tests on loopback.
  { pkg: 'mosquitto', probe: '/usr/sbin/mosquitto' },
  { pkg: 'rabbitmq-server', probe: '/usr/lib/rabbitmq/bin/rabbitmq-server' },
  { pkg: 'nats-server', probe: '/usr/sbin/nats-server' },
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

// janode, the Node client the tests drive Portunus with (over WebSocket and over its Unix socket transport),
// imports the npm package unix-dgram, whose binding an install script compiles with node-gyp. npm runs no
// dependency's install script unless package.json approves it, and node-gyp left to itself downloads Node's
// headers; so when the binding does not load, it is built here with npm's own node-gyp against the headers next
// to the running node (where scripts/build-native.mjs finds them for our addon). Nothing is downloaded.
buildUnixDgram(join(root, 'node_modules', 'unix-dgram'));

function buildUnixDgram(dir) {
  if (!existsSync(join(dir, 'binding.gyp'))) return; // janode not installed: nothing needs it
  const loads = () => spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dir)})`], { encoding: 'utf8' }).status === 0;
  if (loads()) return;
  const nodeDir = dirname(dirname(process.execPath));
  const npmDir = process.env.npm_execpath ? dirname(dirname(realpathSync(process.env.npm_execpath))) : join(nodeDir, 'lib', 'node_modules', 'npm');
  const nodeGyp = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(nodeGyp) || !existsSync(join(nodeDir, 'include', 'node', 'common.gypi'))) {
    console.log(`test set-up: unix-dgram (janode's Unix transport) is not built, and npm's node-gyp or Node's headers (${nodeDir}/include/node) are missing; the janode tests cannot run`);
    process.exit(1);
  }
  console.log('test set-up: building unix-dgram (janode imports it) with node-gyp against the local Node headers');
  const built = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], { cwd: dir, stdio: 'inherit' });
  if (built.status !== 0 || !loads()) {
    console.log('test set-up: building unix-dgram failed (see above)');
    process.exit(1);
  }
}

// The short API fuzz run of `npm test`: random and mutated request bodies for every request name of EchoTest,
// Streaming and VideoRoom, through the gateway in process (api-fuzz.ts); `npm run fuzz` runs the same for longer.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { StartedServer } from '../helpers/in-process-server.js';
import { API_TARGETS, enterFuzzFolder, fuzzPluginApi, startFuzzServer } from './api-fuzz.js';

const RUNS = Number(process.env.PORTUNUS_FUZZ_API_RUNS ?? 1500);
let srv: StartedServer;
let dir: string;
const home = process.cwd();

before(async () => {
  dir = enterFuzzFolder();
  srv = await startFuzzServer();
});
after(async () => {
  await srv?.stop();
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

for (const t of API_TARGETS) {
  test(`fuzz ${t.plugin} requests (${t.requests.filter(Boolean).length || 'settings'}): ${RUNS} bodies, Janus answers only, no exception text, still serving`, { timeout: 120_000 }, async () => {
    const r = await fuzzPluginApi(srv, t, RUNS);
    assert.equal(r.failure, undefined, r.failure);
    // The bodies reach the plugin's checks, not just the gateway's: plugin errors of several kinds come back.
    assert.ok(Object.keys(r.answers).filter((k) => k.includes('plugin error')).length >= 2, JSON.stringify(r.answers));
  });
}

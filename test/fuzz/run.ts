// `npm run fuzz`: the long run of every parser target in targets.ts (1,000,000 inputs each unless told otherwise),
// then the plugins' Janus API targets of api-fuzz.ts (20,000 bodies each: every one goes through a live gateway).
//   npm run fuzz -- [--runs=N] [--api-runs=N] [--seed=S] [name ...]
// Prints, per target, inputs/s and the slowest input; exits 1 when any target found a crash or a hang.
import { rmSync } from 'node:fs';
import { fuzz, HANG_MS } from './engine.js';
import { TARGETS } from './targets.js';
import { API_TARGETS, enterFuzzFolder, fuzzPluginApi, KNOWN_FINDINGS, startFuzzServer } from './api-fuzz.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(option('runs') ?? process.env.PORTUNUS_FUZZ_RUNS ?? 1_000_000);
const apiRuns = Number(option('api-runs') ?? process.env.PORTUNUS_FUZZ_API_RUNS ?? 20_000);
const seedText = option('seed');
const seed = seedText === undefined ? undefined : Number(seedText);
const names = args.filter((a) => !a.startsWith('--'));
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(apiRuns) || apiRuns < 0) {
  process.stderr.write(`fuzz: --runs must be a positive integer and --api-runs a whole number\n`);
  process.exit(2);
}
const chosen = names.length === 0 ? TARGETS : TARGETS.filter((t) => names.includes(t.name));
const chosenApi = apiRuns === 0 ? [] : names.length === 0 ? API_TARGETS : API_TARGETS.filter((t) => names.includes(t.name));
if (chosen.length + chosenApi.length === 0) {
  process.stderr.write(`fuzz: no target named ${names.join(', ')}; targets: ${[...TARGETS, ...API_TARGETS].map((t) => t.name).join(', ')}\n`);
  process.exit(2);
}

process.stdout.write(
  `fuzzing ${chosen.length} parser targets, ${runs} inputs each, and ${chosenApi.length} API targets, ${apiRuns} bodies each (a call over ${HANG_MS} ms in its best of three timings is a hang), node ${process.version}\n`,
);
let failed = 0;
const started = performance.now();
for (const t of chosen) {
  const r = fuzz(t, runs, seed);
  const line = `${t.name.padEnd(22)} ${String(r.runs).padStart(9)} inputs ${r.seconds.toFixed(1).padStart(7)} s ${Math.round(r.inputsPerSecond).toString().padStart(8)} inputs/s  slowest ${r.slowestMs.toFixed(2).padStart(6)} ms: ${r.slowestInput}`;
  process.stdout.write(`${r.failure ? 'FAIL' : 'ok  '} ${line}\n`);
  if (r.failure) {
    failed++;
    process.stdout.write(`     ${r.failure}\n`);
  }
}
if (chosenApi.length > 0) {
  const home = process.cwd();
  const dir = enterFuzzFolder();
  const srv = await startFuzzServer();
  process.stdout.write(`Janus API: ${apiRuns} bodies per plugin through an in-process gateway (files it writes go to a temporary folder)\n`);
  for (const t of chosenApi) {
    const r = await fuzzPluginApi(srv, t, apiRuns, seed);
    const line = `${t.name.padEnd(22)} ${String(r.runs).padStart(9)} inputs ${r.seconds.toFixed(1).padStart(7)} s ${Math.round(r.inputsPerSecond).toString().padStart(8)} inputs/s  slowest ${r.slowestMs.toFixed(2).padStart(6)} ms: ${r.slowestInput}`;
    process.stdout.write(`${r.failure ? 'FAIL' : 'ok  '} ${line}\n     answers: ${JSON.stringify(r.answers)}${r.knownHits > 0 ? `; ${r.knownHits} inputs matched known findings` : ''}\n`);
    if (r.failure) {
      failed++;
      process.stdout.write(`     ${r.failure}\n`);
    }
  }
  await srv.stop();
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
  for (const k of KNOWN_FINDINGS) process.stdout.write(`known finding (${k.target}): ${k.what}; body ${JSON.stringify(k.reproduction)}\n`);
}
process.stdout.write(`${failed === 0 ? 'no crash, no hang' : `${failed} target(s) failed`} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
process.exit(failed === 0 ? 0 : 1);

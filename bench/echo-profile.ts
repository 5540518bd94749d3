// Where an echoed packet's CPU goes: one Portunus (pinned to a CPU when there are two), the echo workload's
// burst phase recorded with Linux perf (kernel, Node's native code, V8's threads and our JavaScript alike), and
// the samples sorted into categories, shown as µs per echoed packet. Needs `perf` (Debian's linux-perf).
//   node dist/bench/echo-profile.js [calls]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEchoBench, summarize } from './echo.js';
import { startPortunus } from './janus-reference.js';
import { categorise, perfSamples } from './perf-categories.js';
import { freePorts } from '../support/free-ports.js';
import { sleep } from '../support/wait.js';

const calls = Number(process.argv[2] ?? 4);
if (spawnSync('perf', ['--version']).status !== 0) {
  console.log('perf is not installed (Debian: apt-get install linux-perf)');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'portunus-echo-profile-'));
const [http, ws] = await freePorts(2);
const nodeArgs = ['--perf-basic-prof-only-functions'];
const server = await startPortunus({ http, ws }, [], cpus().length >= 2 ? { cpu: 1, nodeArgs } : { nodeArgs });
const files: string[] = [];
let perf: ChildProcess | undefined;
const watch = {
  async begin(): Promise<void> {
    const file = join(dir, `burst-${files.length}.data`);
    files.push(file);
    perf = spawn('perf', ['record', '-F', '1999', '-g', '-p', String(server.pid), '-o', file], { stdio: 'ignore' });
    await sleep(300); // perf attaches before the burst starts
  },
  async end(): Promise<void> {
    const p = perf;
    perf = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGINT');
    await Promise.race([exited, sleep(5000)]);
  },
};
let result;
try {
  await runEchoBench(server, 1, 20); // the first call warms the server up, as in the bench
  result = summarize(await runEchoBench(server, calls, 20, watch));
} finally {
  await watch.end();
  await server.stop();
}
// perf names JavaScript functions from the map file the server wrote (--perf-basic-prof); read it, then remove it.
const text = files.map((f) => spawnSync('perf', ['script', '-i', f, '-F', 'tid,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout).join('\n');
rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
rmSync(dir, { recursive: true, force: true });
const samples = perfSamples(text);
console.log(`echo: ${result.cpuUsPerPacket.toFixed(1)} µs server CPU per echoed packet (median of ${calls} calls), ${samples.length} samples`);
for (const c of categorise(samples, String(server.pid))) {
  console.log(`${(c.share * 100).toFixed(1).padStart(5)} %  ${(c.share * result.cpuUsPerPacket).toFixed(1).padStart(5)} µs  ${c.category}`);
}

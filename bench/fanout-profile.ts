// Where a forwarded packet's CPU goes: one Portunus (pinned to a CPU when there are two), one fan-out step, the
// server under --cpu-prof, then the profile's largest self times. Run it with PORTUNUS_NATIVE=0 and without to
// compare the TypeScript path with the native one.
//   node dist/bench/fanout-profile.js [viewers] [seconds]
import { mkdtempSync, readdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runFanout } from './fanout.js';
import { startPortunus } from './janus-reference.js';
import { summarise } from './profile-summary.js';
import { freePorts } from '../support/free-ports.js';

const viewers = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 6);
const dir = mkdtempSync(join(tmpdir(), 'portunus-profile-'));
const [http, ws] = await freePorts(2);
const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
const server = await startPortunus({ http, ws }, [], cpus().length >= 2 ? { cpu: 1, nodeArgs } : { nodeArgs });
try {
  const [step] = await runFanout(server, [viewers], seconds);
  console.log(`path: ${process.env.PORTUNUS_NATIVE === '0' ? 'TypeScript (PORTUNUS_NATIVE=0)' : 'native when built'}`);
  console.log(`${step.viewers} viewers: ${step.serverCpuUsPerPacket.toFixed(2)} µs server CPU per forwarded packet, worst loss ${(step.worstLoss * 100).toFixed(2)} %`);
} finally {
  await server.stop();
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (file) for (const line of summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Parameters<typeof summarise>[0], 30)) console.log(line);
else console.log(`no profile written in ${dir}`);

// Where the observability cost goes: one Portunus with metrics scraped every second and the sample event handler
// on (as the observed side of bench/observability.ts), one fan-out step, the server under --cpu-prof; then the
// largest self times and, per area, the share of samples with a frame of that area on the stack (inclusive).
//   node dist/bench/observability-profile.js [viewers] [seconds]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEventReceiver } from './event-receiver.js';
import { runFanout } from './fanout.js';
import { startPortunus } from './janus-reference.js';
import { startScraper } from './metrics-scraper.js';
import { observedFlags } from './observability.js';
import { summarise, type CpuProfile } from './profile-summary.js';

/** Areas whose inclusive share is shown: a pattern matched against a frame's function name and file. */
const AREAS: ReadonlyArray<readonly [string, RegExp]> = [
  ['src/metrics (scrape)', /dist\/src\/metrics\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['src/events (queue, JSON, POST)', /dist\/src\/events\//],
  ['media statistics (gateway.mediaStatsEvents)', /^mediaStatsEvents /],
  ["a handle's events (notifyHandlers)", /^notifyHandlers /],
  ["node's HTTP", /node:_http_(server|client|common|outgoing|incoming)/],
  ['garbage collector', /^\(garbage collector\)/],
];

/** The share of the samples that have a frame matching each area somewhere on their stack. */
export function inclusiveShares(profile: CpuProfile, areas: ReadonlyArray<readonly [string, RegExp]>): Array<[string, number]> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frame = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url}`;
  };
  const hits = areas.map(() => 0);
  let total = 0;
  profile.samples.forEach((leaf, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const stack: string[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) stack.push(frame(id));
    areas.forEach(([, re], k) => {
      if (stack.some((f) => re.test(f))) hits[k] += dt;
    });
  });
  return areas.map(([name], k) => [name, total > 0 ? hits[k] / total : 0]);
}

if (process.argv[1]?.endsWith('observability-profile.js')) {
  const viewers = Number(process.argv[2] ?? 100);
  const seconds = Number(process.argv[3] ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'portunus-profile-'));
  const receiver = await startEventReceiver('127.0.0.1');
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const flags = process.env.PROFILE_PLAIN === '1' ? [] : observedFlags('127.0.0.1', receiver.url, 18465);
  const server = await startPortunus({ http: 18091, ws: 18191 }, flags, cpus().length >= 2 ? { cpu: 1, nodeArgs } : { nodeArgs }, ['streaming']);
  const scraper = flags.length > 0 ? startScraper('http://127.0.0.1:18465/metrics', 1000) : undefined;
  try {
    const steps = await runFanout(server, [viewers, viewers], seconds);
    const st = steps.at(-1);
    if (st) console.log(`${st.viewers} viewers: ${st.serverCpuUsPerPacket.toFixed(2)} µs server CPU per forwarded packet, worst loss ${(st.worstLoss * 100).toFixed(2)} %`);
  } finally {
    await scraper?.stop();
    await server.stop();
    await receiver.close();
  }
  console.log(`events ${JSON.stringify(receiver.counts())}, scrapes ${JSON.stringify(scraper?.counts())}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) console.log(`no profile written in ${dir}`);
  else {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    for (const [name, share] of inclusiveShares(profile, AREAS)) console.log(`${(share * 100).toFixed(2).padStart(6)} %  ${name} (inclusive)`);
    for (const line of summarise(profile, 30)) console.log(line);
  }
}

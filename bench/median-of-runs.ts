// Medians over several `npm run bench` result files (bench/results/*.json), as the targets ask: per workload the
// median of each server's figure and of the per-run ratio (above 1: Portunus better), for the summary rows, the
// fan-out steps both servers ran, and the largest fan-out under 1 % loss.
//   node dist/bench/median-of-runs.js bench/results/a.json bench/results/b.json bench/results/c.json
import { readFileSync } from 'node:fs';

interface Row {
  readonly workload: string;
  readonly unit: string;
  readonly portunus: number;
  readonly janus: number;
  readonly higherIsBetter: boolean;
}
interface FanoutStep {
  readonly viewers: number;
  readonly asked: number;
  readonly worstLoss: number;
  readonly serverCpuUsPerPacket: number;
  readonly rssBytesPerViewer: number;
}
interface Results {
  readonly rows: readonly Row[];
  readonly portunus: { readonly fanout?: readonly FanoutStep[] };
  readonly janus: { readonly fanout?: readonly FanoutStep[] };
}

function median(xs: readonly number[]): number {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ratio = (p: number, j: number, higherIsBetter: boolean): number => (higherIsBetter ? p / j : j / p);
const fmt = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)) : '-');

/** The largest fan-out that every viewer received with under 1 % loss (0 when none). */
function largestUnderOnePercent(steps: readonly FanoutStep[] | undefined): number {
  return Math.max(0, ...(steps ?? []).filter((s) => s.viewers === s.asked && s.worstLoss < 0.01).map((s) => s.viewers));
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node dist/bench/median-of-runs.js <results.json>...');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Results);
console.log(`Medians of ${runs.length} runs (${files.join(', ')})\n`);
console.log('| workload | unit | Portunus | Janus | ratio (median of the runs; per run) |');
console.log('|---|---|---|---|---|');
for (const row of runs[0].rows) {
  const same = runs.map((r) => r.rows.find((x) => x.workload === row.workload && x.unit === row.unit)).filter((x): x is Row => x !== undefined);
  const ratios = same.map((x) => ratio(x.portunus, x.janus, x.higherIsBetter));
  console.log(`| ${row.workload} | ${row.unit} | ${fmt(median(same.map((x) => x.portunus)))} | ${fmt(median(same.map((x) => x.janus)))} | ${fmt(median(ratios))} (${ratios.map(fmt).join(', ')}) |`);
}
const viewers = [...new Set(runs.flatMap((r) => (r.portunus.fanout ?? []).map((s) => s.asked)))].sort((a, b) => a - b);
for (const n of viewers) {
  const pairs = runs
    .map((r) => [r.portunus.fanout?.find((s) => s.asked === n && s.viewers === n), r.janus.fanout?.find((s) => s.asked === n && s.viewers === n)] as const)
    .filter((p): p is readonly [FanoutStep, FanoutStep | undefined] => p[0] !== undefined);
  if (pairs.length === 0) continue;
  const both = pairs.filter((p): p is readonly [FanoutStep, FanoutStep] => p[1] !== undefined);
  const ratios = both.map(([p, j]) => j.serverCpuUsPerPacket / p.serverCpuUsPerPacket);
  const loss = (s: readonly number[]): string => `${fmt(median(s) * 100)} % loss`;
  const portunus = `${fmt(median(pairs.map(([p]) => p.serverCpuUsPerPacket)))} (${loss(pairs.map(([p]) => p.worstLoss))})`;
  const janus = both.length ? `${fmt(median(both.map(([, j]) => j.serverCpuUsPerPacket)))} (${loss(both.map(([, j]) => j.worstLoss))})` : '-';
  const r = both.length ? `${fmt(median(ratios))} (${ratios.map(fmt).join(', ')})` : '-';
  console.log(`| fan-out ${n} viewers | µs per forwarded packet | ${portunus} | ${janus} | ${r} |`);
}
const largest = runs.map((r) => [largestUnderOnePercent(r.portunus.fanout), largestUnderOnePercent(r.janus.fanout)] as const);
console.log(
  `| largest fan-out under 1 % loss | viewers | ${fmt(median(largest.map((l) => l[0])))} | ${fmt(median(largest.map((l) => l[1])))} | ${fmt(median(largest.map(([p, j]) => p / j)))} (${largest.map(([p, j]) => `${p}/${j}`).join(', ')}) |`,
);
const rss = (side: 'portunus' | 'janus'): number => median(runs.flatMap((r) => (r[side].fanout ?? []).filter((s) => s.viewers >= 100).map((s) => s.rssBytesPerViewer / 1024)));
console.log(`| RSS growth per fan-out viewer (steps from 100) | KiB | ${fmt(rss('portunus'))} | ${fmt(rss('janus'))} | ${fmt(rss('janus') / rss('portunus'))} |`);

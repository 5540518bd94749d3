// The cluster workload (bench/cluster.ts) on its own, placed as `npm run bench` places it (the bench's namespace,
// RTP counted in the kernel), with the same environment knobs:
//   BENCH_CLUSTER_SUBSCRIBERS=100 BENCH_CLUSTER_NODES=2 node dist/bench/cluster-alone.js
import { writeFileSync } from 'node:fs';
import { SAMPLE_EVERY, setUpPlacement } from './bench-placement.js';
import { clusterFromEnv, clusterReport, runCluster } from './cluster.js';
import { errorDetail } from '../src/logging/error-text.js';

const notes: string[] = [];
const { placement, kernel, cleanup } = setUpPlacement(notes, process.env.BENCH_KERNEL_COUNT ?? '1', SAMPLE_EVERY);
try {
  const options = clusterFromEnv(process.env);
  if (!options) console.log('BENCH_CLUSTER=0: nothing to run');
  else {
    const r = await runCluster(options, placement, kernel, notes);
    console.log([...clusterReport(r), ...notes.map((n) => `Note: ${n}`)].join('\n'));
    if (process.env.BENCH_RESULTS) writeFileSync(process.env.BENCH_RESULTS, JSON.stringify({ date: new Date().toISOString(), cluster: r, notes }, null, 2));
  }
} catch (err) {
  process.stderr.write(`cluster bench failed: ${errorDetail(err)}\n`);
  process.exitCode = 1;
} finally {
  cleanup();
}

// The observability-cost workload (bench/observability.ts) on its own, placed as `npm run bench` places it (the
// bench's namespace, the server pinned, RTP counted in the kernel), with the same environment knobs:
//   BENCH_OBSERVABILITY_ROUNDS=2 BENCH_OBSERVABILITY_SECONDS=3 node dist/bench/observability-alone.js
import { writeFileSync } from 'node:fs';
import { SAMPLE_EVERY, setUpPlacement } from './bench-placement.js';
import { observabilityFromEnv, observabilityReport, runObservability } from './observability.js';
import { errorDetail } from '../src/logging/error-text.js';

const notes: string[] = [];
const { placement, kernel, cleanup } = setUpPlacement(notes, process.env.BENCH_KERNEL_COUNT ?? '1', SAMPLE_EVERY);
try {
  const options = observabilityFromEnv(placement, kernel);
  if (!options) console.log('BENCH_OBSERVABILITY=0: nothing to run');
  else {
    const r = await runObservability(options, notes);
    console.log([...observabilityReport(r), ...notes.map((n) => `Note: ${n}`)].join('\n'));
    if (process.env.BENCH_RESULTS) {
      writeFileSync(process.env.BENCH_RESULTS, JSON.stringify({ date: new Date().toISOString(), observability: r, notes }, null, 2));
    }
  }
} catch (err) {
  process.stderr.write(`observability bench failed: ${errorDetail(err)}\n`);
  process.exitCode = 1;
} finally {
  cleanup();
}

// Notices when the main thread (the server, in the soak) stops turning its event loop: a worker thread watches a
// heartbeat in shared memory. A blocked server cannot report on itself, and the run's own time bound then means
// nothing, so the worker ends the whole process with a result line that says so.
import { Worker } from 'node:worker_threads';

/** What the worker runs: reads the heartbeat once a second; after `limitMs` without one it reports and kills. */
const WATCHER = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = new Float64Array(workerData.shared);
setInterval(() => {
  const silent = Date.now() - beat[0];
  if (beat[0] === 0 || silent < workerData.limitMs) return;
  const result = { ok: false, problems: ['the server event loop has been blocked for ' + Math.round(silent / 1000) + ' s (limit ' + workerData.limitMs / 1000 + ' s)'] };
  writeSync(1, '[soak] FAIL: ' + result.problems[0] + '\\nSOAK RESULT ' + JSON.stringify(result) + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, 1000);
`;

export interface StallWatchdog {
  stop(): Promise<void>;
}

export function startStallWatchdog(limitMs: number): StallWatchdog {
  const shared = new SharedArrayBuffer(8);
  const beat = new Float64Array(shared);
  beat[0] = Date.now();
  const heartbeat = setInterval(() => (beat[0] = Date.now()), 100);
  const worker = new Worker(WATCHER, { eval: true, workerData: { shared, limitMs } });
  return {
    async stop() {
      clearInterval(heartbeat);
      await worker.terminate();
    },
  };
}

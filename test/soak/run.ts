// npm run soak: the server runs here, in this process's main thread; the clients run in a child process
// (clients.ts). After a warm-up the server's descriptors, UDP sockets, active handles/timers and heap after a
// forced GC are taken as the baseline; after the last cycle and a settle time they must be back to it.
//
//   node --expose-gc dist/test/soak/run.js [--cycles=N] [--concurrency=N] [--max-seconds=S] [--settle-seconds=S]
//        [--heap-margin-mib=M] [--max-failed=F] [--garbage-rate=N] [--inject-share=F] [--seed=N] [--mix=echotest:80,streaming:10,videoroom:10]
//        [--stall-seconds=S] [--heap-snapshots=DIR]   (writes baseline.heapsnapshot and end.heapsnapshot there, to find what grew)
//
// Every option can also be given as an environment variable: SOAK_CYCLES, SOAK_CONCURRENCY, … (dashes as
// underscores). The last line printed is "SOAK RESULT {json}"; the exit code is 0 only when nothing leaked,
// every cycle ran and no more than --max-failed of them failed.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { errorDetail, errorText } from '../../src/logging/error-text.js';
import { weriftRejectionsSwallowed } from '../../src/media/werift/rejection-guard.js';
import { startInProcess } from '../helpers/in-process-server.js';
import type { ClientSettings, ClientStats, CycleKind, FromClient, ToClient } from './protocol.js';
import { compare, mib, snapshot, type ResourceSnapshot } from './resources.js';
import { startStallWatchdog } from './stall-watchdog.js';
import { sleep } from '../../support/wait.js';

interface Options {
  readonly cycles: number;
  readonly concurrency: number;
  readonly maxSeconds: number;
  readonly settleSeconds: number;
  readonly heapMarginMib: number;
  /** Share of cycles allowed to fail (0.01 = 1 %); a failed cycle is a client that did not get its media. */
  readonly maxFailed: number;
  readonly garbageRate: number;
  readonly injectShare: number;
  readonly seed: number;
  readonly mix: Record<CycleKind, number>;
  readonly heapSnapshots: string;
  /** The server's event loop blocked this long ends the run as failed (a worker thread watches it). */
  readonly stallSeconds: number;
}

function option(name: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (flag) return flag.slice(name.length + 3);
  return process.env[`SOAK_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
}

function numberOption(name: string, fallback: number, min: number): number {
  const v = Number(option(name, String(fallback)));
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number ≥ ${min}`);
  return v;
}

function parseOptions(): Options {
  const mix: Record<CycleKind, number> = { echotest: 0, streaming: 0, videoroom: 0 };
  for (const part of option('mix', 'echotest:80,streaming:10,videoroom:10').split(',')) {
    const [k, v] = part.split(':');
    if (!(k in mix) || !(Number(v) >= 0)) throw new Error(`--mix: bad part "${part}"`);
    mix[k as CycleKind] = Number(v);
  }
  if (mix.echotest + mix.streaming + mix.videoroom <= 0) throw new Error('--mix: nothing to run');
  return {
    cycles: Math.trunc(numberOption('cycles', 10_000, 1)),
    concurrency: Math.trunc(numberOption('concurrency', 4, 1)),
    maxSeconds: numberOption('max-seconds', 5400, 10),
    settleSeconds: numberOption('settle-seconds', 5, 0),
    heapMarginMib: numberOption('heap-margin-mib', 16, 0),
    maxFailed: numberOption('max-failed', 0.01, 0),
    garbageRate: numberOption('garbage-rate', 200, 0),
    injectShare: Math.min(1, numberOption('inject-share', 0.2, 0)),
    seed: Math.trunc(numberOption('seed', Date.now() % 0x7fffffff, 0)),
    mix,
    heapSnapshots: option('heap-snapshots', ''),
    stallSeconds: numberOption('stall-seconds', 30, 1),
  };
}

const describe = (s: ResourceSnapshot): string =>
  `descriptors ${s.descriptorTotal} ${JSON.stringify(s.descriptors)}, UDP sockets ${s.udpSockets.length}, active ${JSON.stringify(s.activeResources)}, heap ${mib(s.heapUsed)}`;

async function main(): Promise<number> {
  const o = parseOptions();
  const t0 = Date.now();
  const say = (line: string): void => console.log(`[soak ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`);
  say(
    `cycles ${o.cycles}, concurrency ${o.concurrency}, mix ${JSON.stringify(o.mix)}, garbage ${o.garbageRate}/s, peer garbage in ${o.injectShare * 100} % of cycles, seed ${o.seed}, at most ${o.maxSeconds} s`,
  );

  const srv = await startInProcess();
  const watchdog = startStallWatchdog(o.stallSeconds * 1000);
  // The helper keeps every log line; the soak keeps the count of warnings and errors and the last few only.
  const levels: Record<string, number> = {};
  const lastProblems: string[] = [];
  const drainLogs = (): void => {
    for (const line of srv.logs) {
      const level = /^\S+ (FATAL|ERROR|WARN)\b/.exec(line)?.[1];
      if (!level) continue;
      levels[level] = (levels[level] ?? 0) + 1;
      lastProblems.push(line.slice(0, 300));
      if (lastProblems.length > 10) lastProblems.shift();
    }
    srv.logs.length = 0;
  };
  const logDrain = setInterval(drainLogs, 250);
  const serverFaults: string[] = [];
  process.on('uncaughtException', (err) => serverFaults.push(`uncaught exception: ${err.stack ?? err.message}`));
  // Rejections inside werift are the media layer's guard's to log (werift-guard.ts); any other one is a fault.
  process.on('unhandledRejection', (err) => {
    const fromWerift = typeof err === 'string' || (err instanceof Error && /[\\/]node_modules[\\/]werift[\\/]/.test(err.stack ?? ''));
    if (!fromWerift) serverFaults.push(`unhandled rejection: ${errorDetail(err)}`);
  });

  const child = fork(fileURLToPath(new URL('./clients.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: FromClient[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: FromClient) => {
    inbox.push(m);
    wake?.();
  });
  let childExit: string | undefined;
  child.on('exit', (code, signal) => {
    childExit = `client process exited (${code ?? signal})`;
    wake?.();
  });
  const tell = (m: ToClient): void => {
    child.send(m);
  };
  /** The next message of type `t` (progress messages are printed on the way); undefined on timeout or exit. */
  const receive = async <T extends FromClient['t']>(t: T, untilMs: number): Promise<Extract<FromClient, { t: T }> | undefined> => {
    for (;;) {
      const m = inbox.shift();
      if (m?.t === t) return m as Extract<FromClient, { t: T }>;
      if (m?.t === 'fatal') throw new Error(`client process: ${m.message}`);
      if (m?.t === 'progress') progressLine(m.stats);
      if (m) continue;
      if (childExit || Date.now() > untilMs) return undefined;
      await new Promise<void>((r) => {
        const poll = setTimeout(r, 1000);
        wake = () => {
          clearTimeout(poll);
          r();
        };
      });
    }
  };
  let lastProgress = 0;
  const progressLine = (s: ClientStats): void => {
    if (Date.now() - lastProgress < 10_000) return;
    lastProgress = Date.now();
    const elapsed = (Date.now() - runStart) / 1000;
    say(
      `${s.done + s.failed}/${o.cycles} cycles (${s.failed} failed), ${(s.done / Math.max(elapsed, 1)).toFixed(1)}/s, sessions ${srv.server.gateway.sessions.size}, heap ${mib(process.memoryUsage().heapUsed)}, garbage ${Object.values(s.garbage).reduce((a, b) => a + (b ?? 0), 0)} + ${s.garbageFromPeers} from peers`,
    );
  };

  let runStart = Date.now();
  const deadline = t0 + o.maxSeconds * 1000;
  const problems: string[] = [];
  let baseline: ResourceSnapshot | undefined;
  let end: ResourceSnapshot | undefined;
  let stats: ClientStats | undefined;
  let settledMs = 0;
  try {
    const settings: ClientSettings = { wsUrl: srv.wsUrl, cycles: o.cycles, concurrency: o.concurrency, deadline, mix: o.mix, garbageRate: o.garbageRate, injectShare: o.injectShare, seed: o.seed };
    tell({ t: 'start', settings });
    const warmed = await receive('warmed', Date.now() + 120_000);
    if (!warmed) throw new Error(`no warm-up: ${childExit ?? 'timed out'}`);
    if (warmed.stats.failed > 0) say(`warm-up: ${warmed.stats.failed} of ${warmed.stats.started} cycles failed: ${warmed.stats.errors.join(' | ')}`);
    await sleep(o.settleSeconds * 1000);
    baseline = await stableSnapshot();
    const baselineSessions = srv.server.gateway.sessions.size;
    say(`baseline: ${describe(baseline)}, sessions ${baselineSessions}`);
    if (o.heapSnapshots) say(`heap snapshot: ${writeHeapSnapshot(join(o.heapSnapshots, 'baseline.heapsnapshot'))}`);

    runStart = Date.now();
    tell({ t: 'go' });
    const finished = await receive('finished', deadline + 120_000);
    if (!finished) throw new Error(`the cycles did not finish: ${childExit ?? 'timed out'}`);
    stats = finished.stats;
    const runSeconds = (Date.now() - runStart) / 1000;
    say(`${stats.done + stats.failed} cycles in ${runSeconds.toFixed(0)} s: ${stats.done} ok, ${stats.failed} failed ${JSON.stringify(stats.byKind)}`);
    say(`garbage sent: ${JSON.stringify(stats.garbage)}, ${stats.garbageFromPeers} from connected peers' own sockets`);

    // Settle: at least settleSeconds, then up to 30 s more for closes in flight, until the counts are back.
    const settleStart = Date.now();
    await sleep(o.settleSeconds * 1000);
    for (;;) {
      end = await snapshot();
      const back = compare(baseline, end, o.heapMarginMib * 1048576).leaks.length === 0 && srv.server.gateway.sessions.size === baselineSessions;
      if (back || Date.now() - settleStart > o.settleSeconds * 1000 + 30_000) break;
      await sleep(1000);
    }
    settledMs = Date.now() - settleStart;
    if (o.heapSnapshots) say(`heap snapshot: ${writeHeapSnapshot(join(o.heapSnapshots, 'end.heapsnapshot'))}`);
    say(`end (after ${(settledMs / 1000).toFixed(1)} s settling): ${describe(end)}, sessions ${srv.server.gateway.sessions.size}`);

    problems.push(...compare(baseline, end, o.heapMarginMib * 1048576).leaks);
    if (srv.server.gateway.sessions.size !== baselineSessions) problems.push(`sessions: ${baselineSessions} → ${srv.server.gateway.sessions.size}`);
    const ran = stats.done + stats.failed;
    if (ran < o.cycles) problems.push(`only ${ran} of ${o.cycles} cycles ran within --max-seconds=${o.maxSeconds}`);
    if (stats.failed > Math.floor(o.maxFailed * o.cycles)) problems.push(`${stats.failed} cycles failed (allowed ${Math.floor(o.maxFailed * o.cycles)})`);
    else if (stats.failed > 0) say(`${stats.failed} cycles failed (within --max-failed)`);
    for (const e of stats.errors) say(`failed: ${e}`);
  } catch (err) {
    problems.push(errorText(err));
  } finally {
    clearInterval(logDrain);
    await watchdog.stop();
    drainLogs();
    if (child.connected) tell({ t: 'quit' });
    const exited = new Promise<void>((r) => (childExit ? r() : child.once('exit', () => r())));
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
    await srv.stop();
  }
  problems.push(...serverFaults);
  say(`werift rejections swallowed by the media layer's guard: ${weriftRejectionsSwallowed()}`);
  say(`server log: ${JSON.stringify(levels)} warnings/errors${lastProblems.length > 0 ? `; last: ${lastProblems.slice(-3).join(' | ')}` : ''}`);
  const result = {
    ok: problems.length === 0,
    problems,
    cycles: o.cycles,
    concurrency: o.concurrency,
    seed: o.seed,
    seconds: Math.round((Date.now() - t0) / 1000),
    settledMs,
    stats,
    baseline,
    end,
    serverLog: levels,
    weriftRejections: weriftRejectionsSwallowed(),
  };
  if (problems.length > 0) for (const p of problems) say(`FAIL: ${p}`);
  else say('OK: descriptors, UDP sockets and active handles back to the baseline; heap within the margin');
  console.log(`SOAK RESULT ${JSON.stringify(result)}`);
  return problems.length === 0 ? 0 : 1;
}

/** A snapshot taken when two in a row, a second apart, agree (closes still in flight settle first), at most 10 tries. */
async function stableSnapshot(): Promise<ResourceSnapshot> {
  let last = await snapshot();
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    const next = await snapshot();
    if (compare(last, next, Number.MAX_SAFE_INTEGER).leaks.length === 0) return next;
    last = next;
  }
  return last;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);

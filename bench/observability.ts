// Workload 7: what seeing inside a running Portunus costs its forwarding. Each round starts two fresh Portunus
// servers side by side, pinned to the same CPU, and gives each the same Streaming fan-out (its own mountpoint and
// N viewers):
//   plain     no metrics listener, no event handler;
//   observed  `metrics.enabled` with /metrics scraped by the bench every second (each answer read as the text
//             format), and the sample event handler on (`events.broadcast`, `sampleevh` with every event type,
//             media statistics every second) POSTing to a receiver in the bench that counts the events.
// Both are measured over the same windows, so whatever else the machine does at that moment weighs on both
// alike; rounds alternate which server starts and connects first (bench/ab-runs.ts). Figures: server CPU per
// forwarded packet of each (from /proc, as the other workloads), the cost as the median of the windows' ratios,
// the events received and the scrapes made, and whether the cost is under the bound.
import { abOrder, median, summariseAb, type AbSummary } from './ab-runs.js';
import { startEventReceiver, type EventCounts, type EventReceiver } from './event-receiver.js';
import { FanoutLoad, type FanoutWindow } from './fanout.js';
import { adminStatus, startPortunus, type Placement, type RunningServer } from './janus-reference.js';
import type { KernelRtpCounter } from './kernel-counter.js';
import { startScraper, type ScrapeCounts, type Scraper } from './metrics-scraper.js';
import { sleep } from '../support/wait.js';

/** The bound issue 15 sets: metrics and an event handler on cost less than this share of forwarding CPU. */
export const OBSERVABILITY_BOUND = 0.05;

export interface ObservabilityOptions {
  readonly placement: Placement;
  readonly kernel: KernelRtpCounter | undefined;
  /** Viewers of each server's fan-out. */
  readonly viewers: number;
  readonly rounds: number;
  /** Measured windows per round, after `warmup` windows that are not counted, and their length. */
  readonly windows: number;
  readonly warmup: number;
  readonly seconds: number;
  /** No round starts once the workload has run this long. */
  readonly budgetSeconds: number;
  /** What the observed server has on: both (the workload's point), one of them (to tell their costs apart), or neither (an A/A run: the method's own bias). */
  readonly observe: Observe;
}

export interface Observe {
  readonly metrics: boolean;
  readonly events: boolean;
}

/** Parses BENCH_OBSERVABILITY_OBSERVE: "metrics,events" (the default), "metrics", "events" or "none". */
export function parseObserve(text: string): Observe {
  const parts = new Set(text.split(',').map((p) => p.trim()));
  return { metrics: parts.has('metrics'), events: parts.has('events') };
}

/**
 * The workload's settings from the environment, or undefined when BENCH_OBSERVABILITY=0: BENCH_OBSERVABILITY_VIEWERS
 * (default 100), BENCH_OBSERVABILITY_ROUNDS (default 3), BENCH_OBSERVABILITY_WINDOWS (default 5),
 * BENCH_OBSERVABILITY_WARMUP (windows not counted, default 3), BENCH_OBSERVABILITY_SECONDS (default 4),
 * BENCH_OBSERVABILITY_BUDGET_SECONDS (default 600), BENCH_OBSERVABILITY_OBSERVE (parseObserve).
 */
export function observabilityFromEnv(placement: Placement, kernel: KernelRtpCounter | undefined): ObservabilityOptions | undefined {
  const env = process.env;
  if (env.BENCH_OBSERVABILITY === '0') return undefined;
  return {
    placement,
    kernel,
    viewers: Number(env.BENCH_OBSERVABILITY_VIEWERS ?? 100),
    rounds: Number(env.BENCH_OBSERVABILITY_ROUNDS ?? 3),
    windows: Number(env.BENCH_OBSERVABILITY_WINDOWS ?? 5),
    warmup: Number(env.BENCH_OBSERVABILITY_WARMUP ?? 3),
    seconds: Number(env.BENCH_OBSERVABILITY_SECONDS ?? 4),
    budgetSeconds: Number(env.BENCH_OBSERVABILITY_BUDGET_SECONDS ?? 600),
    observe: parseObserve(env.BENCH_OBSERVABILITY_OBSERVE ?? 'metrics,events'),
  };
}

/** One window, both servers measured over it. */
export interface ObservabilityWindow {
  readonly round: number;
  readonly plain: FanoutWindow;
  readonly observed: FanoutWindow;
}

export interface ObservabilityRound {
  readonly round: number;
  /** Which server was started and connected first. */
  readonly first: 'plain' | 'observed';
  /** What the receiver counted, and the scrapes, while the windows of this round ran. */
  readonly events: EventCounts;
  readonly scrapes: ScrapeCounts;
  readonly measuredSeconds: number;
}

export interface ObservabilityResult {
  readonly viewers: number;
  readonly rounds: number;
  readonly windowsPerRound: number;
  readonly warmup: number;
  readonly seconds: number;
  readonly windows: readonly ObservabilityWindow[];
  readonly roundDetails: readonly ObservabilityRound[];
  /** Side a = plain, b = observed; a pair per window. */
  readonly summary: AbSummary;
  /** Over the measured windows: events received, of them media statistics, POSTs, scrapes, failed scrapes. */
  readonly events: number;
  readonly mediaStats: number;
  readonly posts: number;
  readonly malformedPosts: number;
  readonly scrapes: number;
  readonly scrapeFailures: number;
  readonly firstScrapeFailure: string;
  /** Events received per second of the windows, and the median scrape time (request to the answer read), ms. */
  readonly eventsPerSecond: number;
  readonly scrapeMedianMs: number;
  /** Worst loss of any viewer in any window, each side. */
  readonly worstLoss: { readonly plain: number; readonly observed: number };
  readonly observe: Observe;
  /** Packets per second the feed sent to each server (150 when the bench keeps its pace). */
  readonly feedPerSecond: number;
}

const PLAIN = { http: 18090, ws: 18190, admin: 17090, singlePort: 10010 };
const OBSERVED = { http: 18091, ws: 18191, admin: 17091, singlePort: 10012, metrics: 18464 };
const HANDLER = 'janus.eventhandler.sampleevh';
/** How long the observed server's handler may take to deliver what connecting the viewers queued. */
const DRAIN_MS = 60_000;
const SCRAPE_MS = 1000;
/** Viewers each server gets in turn while both grow. */
const GROW_BATCH = 20;

/** The settings of the observed side, as flags (docs/metrics.md, docs/events.md). */
export function observedFlags(serverAddress: string, backend: string, metricsPort = OBSERVED.metrics, observe: Observe = { metrics: true, events: true }): string[] {
  return [
    ...(observe.metrics ? ['--metrics.enabled=true', `--metrics.ip=${serverAddress}`, `--metrics.port=${metricsPort}`] : []),
    ...(observe.events ? ['--events.broadcast=true', '--events.stats_period=1', '--sampleevh.enabled=true', '--sampleevh.events=all', `--sampleevh.backend=${backend}`] : []),
  ];
}

const NO_SCRAPES: ScrapeCounts = { scrapes: 0, failures: 0, firstFailure: '', samples: 0, sentPackets: 0, medianMs: NaN };

const diff = (a: EventCounts, b: EventCounts): EventCounts => ({
  posts: b.posts - a.posts,
  events: b.events - a.events,
  mediaStats: b.mediaStats - a.mediaStats,
  malformed: b.malformed - a.malformed,
});

interface Pair {
  readonly plain: RunningServer;
  readonly observed: RunningServer;
}

async function startPair(o: ObservabilityOptions, receiver: EventReceiver): Promise<Pair> {
  const addr = o.placement.netns?.serverAddress ?? '127.0.0.1';
  const plain = await startPortunus({ http: PLAIN.http, ws: PLAIN.ws, admin: PLAIN.admin }, [`--media.single_port=${PLAIN.singlePort}`], o.placement, ['streaming']);
  try {
    const observed = await startPortunus(
      { http: OBSERVED.http, ws: OBSERVED.ws, admin: OBSERVED.admin },
      [`--media.single_port=${OBSERVED.singlePort}`, ...observedFlags(addr, receiver.url, OBSERVED.metrics, o.observe)],
      o.placement,
      ['streaming'],
    );
    return { plain, observed };
  } catch (err) {
    await plain.stop();
    throw err;
  }
}

/** Events the handler holds (Admin get_status), or undefined when it cannot be read. */
async function queuedEvents(server: RunningServer): Promise<number | undefined> {
  const handlers = (await adminStatus(server))?.event_handlers as Record<string, { queued?: unknown }> | undefined;
  const q = handlers?.[HANDLER]?.queued;
  return typeof q === 'number' ? q : undefined;
}

/**
 * Waits until the handler has delivered the burst of events connecting the viewers made (sessions, handles,
 * JSEP, ICE, DTLS…), so that the windows measure the steady state: media statistics every second. Two readings
 * in a row with less than one batch queued.
 */
async function drained(server: RunningServer): Promise<boolean> {
  const deadline = performance.now() + DRAIN_MS;
  let calm = 0;
  while (performance.now() < deadline) {
    const q = await queuedEvents(server);
    calm = q !== undefined && q < 100 ? calm + 1 : 0;
    if (calm >= 2) return true;
    await sleep(500);
  }
  return false;
}

async function runRound(
  o: ObservabilityOptions,
  round: number,
  first: 'plain' | 'observed',
  receiver: EventReceiver,
  windows: ObservabilityWindow[],
  notes: string[],
): Promise<ObservabilityRound | undefined> {
  const addr = o.placement.netns?.serverAddress ?? '127.0.0.1';
  const pair = await startPair(o, receiver);
  const scraper: Scraper | undefined = o.observe.metrics ? startScraper(`http://${addr}:${OBSERVED.metrics}/metrics`, SCRAPE_MS) : undefined;
  const loads: { plain?: FanoutLoad; observed?: FanoutLoad } = {};
  o.kernel?.reset();
  try {
    const order = first === 'plain' ? (['plain', 'observed'] as const) : (['observed', 'plain'] as const);
    for (const side of order) loads[side] = await FanoutLoad.open(pair[side], o.kernel);
    const plain = loads.plain!;
    const observed = loads.observed!;
    // Both grow together, a batch each in turn, so that both processes are as far into compiling their media path
    // when the windows start (a server whose viewers came last read several per cent dearer for a while).
    for (let n = Math.min(GROW_BATCH, o.viewers); ; n = Math.min(n + GROW_BATCH, o.viewers)) {
      for (const side of order) {
        const load = loads[side]!;
        const g = await load.grow(n);
        if (load.viewers.length < n) {
          notes.push(
            `observability round ${round + 1}: ${side} had ${load.viewers.length} of ${n} viewers (${g.failures} failed${g.firstError ? `: ${g.firstError.slice(0, 160)}` : ''}); round left out`,
          );
          return undefined;
        }
      }
      if (n === o.viewers) break;
    }
    if (o.observe.events && !(await drained(pair.observed))) notes.push(`observability round ${round + 1}: the event handler still had a backlog after ${DRAIN_MS / 1000} s`);
    await sleep(1000);
    // Warm-up windows, not counted: fresh processes still compile (on other threads, counted as server CPU).
    for (let w = 0; w < o.warmup; w++) await Promise.all([plain.measure(o.seconds), observed.measure(o.seconds)]);
    const events0 = receiver.counts();
    const scrapes0 = scraper?.counts() ?? NO_SCRAPES;
    const t0 = performance.now();
    for (let w = 0; w < o.windows; w++) {
      const [p, b] = await Promise.all([plain.measure(o.seconds), observed.measure(o.seconds)]);
      windows.push({ round, plain: p, observed: b });
    }
    const scrapes = scraper?.counts() ?? NO_SCRAPES;
    return {
      round,
      first,
      events: diff(events0, receiver.counts()),
      scrapes: { ...scrapes, scrapes: scrapes.scrapes - scrapes0.scrapes, failures: scrapes.failures - scrapes0.failures },
      measuredSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await scraper?.stop();
    await Promise.all([loads.plain?.close(), loads.observed?.close()]);
    o.kernel?.reset();
    await Promise.all([pair.plain.stop(), pair.observed.stop()]);
  }
}

export async function runObservability(o: ObservabilityOptions, notes: string[]): Promise<ObservabilityResult> {
  const receiver = await startEventReceiver(o.placement.netns?.clientAddress ?? '127.0.0.1');
  const windows: ObservabilityWindow[] = [];
  const rounds: ObservabilityRound[] = [];
  const t0 = performance.now();
  try {
    // Each round's first server: plain, observed, observed, plain, … (the first of abOrder's pairs).
    const firsts = abOrder(o.rounds).filter((_, i) => i % 2 === 0);
    for (let r = 0; r < o.rounds; r++) {
      if ((performance.now() - t0) / 1000 > o.budgetSeconds) {
        notes.push(`observability: stopped after ${r} of ${o.rounds} rounds, the workload's ${o.budgetSeconds} s were up`);
        break;
      }
      const done = await runRound(o, r, firsts[r] === 'a' ? 'plain' : 'observed', receiver, windows, notes);
      if (done) rounds.push(done);
    }
  } finally {
    await receiver.close();
  }
  const sum = (f: (r: ObservabilityRound) => number): number => rounds.reduce((a, r) => a + f(r), 0);
  const measured = sum((r) => r.measuredSeconds);
  return {
    viewers: o.viewers,
    rounds: o.rounds,
    windowsPerRound: o.windows,
    warmup: o.warmup,
    seconds: o.seconds,
    windows,
    roundDetails: rounds,
    summary: summariseAb(
      windows.map((w) => w.plain.serverCpuUsPerPacket),
      windows.map((w) => w.observed.serverCpuUsPerPacket),
      OBSERVABILITY_BOUND,
    ),
    events: sum((r) => r.events.events),
    mediaStats: sum((r) => r.events.mediaStats),
    posts: sum((r) => r.events.posts),
    malformedPosts: sum((r) => r.events.malformed),
    scrapes: sum((r) => r.scrapes.scrapes),
    scrapeFailures: sum((r) => r.scrapes.failures),
    firstScrapeFailure: rounds.map((r) => r.scrapes.firstFailure).find((f) => f) ?? '',
    eventsPerSecond: measured > 0 ? sum((r) => r.events.events) / measured : NaN,
    scrapeMedianMs: median(rounds.map((r) => r.scrapes.medianMs)),
    worstLoss: {
      plain: Math.max(0, ...windows.map((w) => w.plain.worstLoss)),
      observed: Math.max(0, ...windows.map((w) => w.observed.worstLoss)),
    },
    observe: o.observe,
    feedPerSecond: median(windows.map((w) => w.plain.sent / w.plain.windowSeconds)),
  };
}

/** The workload's section of the bench's report (Markdown). */
export function observabilityReport(r: ObservabilityResult): string[] {
  const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %` : 'n/a');
  const us = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const s = r.summary;
  const on = [
    r.observe.metrics ? `metrics scraped every ${SCRAPE_MS / 1000} s` : '',
    r.observe.events ? 'the sample event handler on (all event types, media statistics every second) POSTing to a receiver in the bench' : '',
  ]
    .filter((x) => x)
    .join(' and ');
  const spread = s.pairCosts.length > 0 ? `${pct(Math.min(...s.pairCosts))} to ${pct(Math.max(...s.pairCosts))}` : 'n/a';
  return [
    `Observability cost (Portunus only): per round two fresh servers side by side on the same CPU, each with a fan-out of ${r.viewers} viewers; one plain, one with ${on || 'nothing more (an A/A run)'}; both measured over the same ${r.seconds} s windows (${r.windowsPerRound} a round after ${r.warmup} warm-up ones, ${r.roundDetails.length} of ${r.rounds} rounds; the feed kept ${r.feedPerSecond.toFixed(0)} of 150 packets/s per viewer):`,
    '',
    '| server CPU µs per forwarded packet, plain (median) | observed (median) | cost: median of the windows (range) | ratio of the medians − 1 | verdict (bound +5 %) |',
    '|---|---|---|---|---|',
    `| ${us(s.medianA)} | ${us(s.medianB)} | ${pct(s.medianPairCost)} (${spread}) | ${pct(s.cost)} | ${s.pass ? 'pass' : 'FAIL'} |`,
    `Over the measured windows the receiver got ${r.events} events in ${r.posts} POSTs (${r.eventsPerSecond.toFixed(0)} events/s, ${r.mediaStats} of them media statistics; ${r.malformedPosts} malformed); ${r.scrapes} scrapes were read (a median ${r.scrapeMedianMs.toFixed(1)} ms each)${r.scrapeFailures ? `, ${r.scrapeFailures} failed (${r.firstScrapeFailure})` : ''}. Worst loss: plain ${(r.worstLoss.plain * 100).toFixed(2)} %, observed ${(r.worstLoss.observed * 100).toFixed(2)} %.`,
  ];
}

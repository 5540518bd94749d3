// The process's and Node.js's own metrics (metrics.process_metrics), under the names, help, types and labels of
// prom-client's default metrics, which Portunus served before and dashboards know. Each scrape reads what it
// needs once: CPU time, /proc/self/status into a buffer kept for it, the size of /proc/self/fd (Linux gives the
// number of open descriptors there), V8's heap figures, the event-loop delays (loop-delays.ts), the active
// resources.
// What never changes (start time, descriptor limit, Node's version) is read once.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { escapeLabelValue, Family, type TextWriter } from './exposition.js';
import { GcDurations } from './gc-durations.js';
import { LoopDelays, type LoopDelayFigures } from './loop-delays.js';

const gauge = (name: string, help: string): Family => new Family(name, help, 'gauge');
const counter = (name: string, help: string): Family => new Family(name, help, 'counter');

const CPU_USER = counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.');
const CPU_SYSTEM = counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.');
const CPU = counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.');
const START = gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.');
const RESIDENT = gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
const VIRTUAL = gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.');
const HEAP = gauge('process_heap_bytes', 'Process heap size in bytes.');
const OPEN_FDS = gauge('process_open_fds', 'Number of open file descriptors.');
const MAX_FDS = gauge('process_max_fds', 'Maximum number of open file descriptors.');
const LAG = gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.');
const LAG_STATS: ReadonlyArray<readonly [Family, keyof LoopDelayFigures]> = [
  [gauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.'), 'min'],
  [gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.'), 'max'],
  [gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.'), 'mean'],
  [gauge('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.'), 'stddev'],
  [gauge('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.'), 'p50'],
  [gauge('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.'), 'p90'],
  [gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.'), 'p99'],
];
const RESOURCES = gauge('nodejs_active_resources', 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.');
const RESOURCES_TOTAL = gauge('nodejs_active_resources_total', 'Total number of active resources.');
const HANDLES = gauge('nodejs_active_handles', 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.');
const HANDLES_TOTAL = gauge('nodejs_active_handles_total', 'Total number of active handles.');
const REQUESTS = gauge('nodejs_active_requests', 'Number of active libuv requests grouped by request type. Every request type is C++ class name.');
const REQUESTS_TOTAL = gauge('nodejs_active_requests_total', 'Total number of active requests.');
const HEAP_TOTAL = gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.');
const HEAP_USED = gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.');
const EXTERNAL = gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.');
const SPACE_TOTAL = gauge('nodejs_heap_space_size_total_bytes', 'Process heap space size total from Node.js in bytes.');
const SPACE_USED = gauge('nodejs_heap_space_size_used_bytes', 'Process heap space size used from Node.js in bytes.');
const SPACE_AVAILABLE = gauge('nodejs_heap_space_size_available_bytes', 'Process heap space size available from Node.js in bytes.');
const VERSION = gauge('nodejs_version_info', 'Node.js version info.');

const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime());
const [MAJOR, MINOR, PATCH] = process.version.slice(1).split('.');
const VERSION_SERIES = `${VERSION.name}{version="${process.version}",major="${MAJOR}",minor="${MINOR}",patch="${PATCH}"}`;

/** Node's undocumented lists of what holds the loop (prom-client read them too); absent on some runtimes. */
interface ActiveLists {
  _getActiveHandles?: () => unknown[];
  _getActiveRequests?: () => unknown[];
}

/** The fields of /proc/self/status that are read, and the family each goes to. */
const STATUS_FIELDS: ReadonlyArray<readonly [Buffer, Family]> = [
  [Buffer.from('\nVmRSS:'), RESIDENT],
  [Buffer.from('\nVmSize:'), VIRTUAL],
  [Buffer.from('\nVmData:'), HEAP],
];

export class ProcessMetrics {
  private readonly delays = new LoopDelays();
  private readonly gc = new GcDurations();
  private readonly maxFds = readMaxFds();
  private readonly onLinux = process.platform === 'linux';
  private readonly status = Buffer.alloc(16384);
  /** Label sets by type or space name (a handful, seen again at every scrape). */
  private readonly typeSeries = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  /** How late the immediate queued at the last scrape ran: the loop's lag then, shown at the next scrape. */
  private lag = 0;
  private lagFrom = 0;
  private readonly lagMeasured = (): void => {
    this.lag = (performance.now() - this.lagFrom) / 1000;
  };

  close(): void {
    this.delays.close();
    this.gc.close();
  }

  write(w: TextWriter): void {
    const cpu = process.cpuUsage();
    w.single(CPU_USER, cpu.user / 1e6);
    w.single(CPU_SYSTEM, cpu.system / 1e6);
    w.single(CPU, (cpu.user + cpu.system) / 1e6);
    w.single(START, START_SECONDS);
    this.writeMemory(w);
    if (this.onLinux) w.single(OPEN_FDS, openFds());
    if (this.maxFds !== undefined) w.single(MAX_FDS, this.maxFds);

    w.single(LAG, this.lag);
    this.lagFrom = performance.now();
    setImmediate(this.lagMeasured);
    const delays = this.delays.take();
    for (const [family, key] of LAG_STATS) w.single(family, delays[key] / 1e9);

    const resources = process.getActiveResourcesInfo();
    this.writeByType(w, RESOURCES, resources, (r) => r);
    w.single(RESOURCES_TOTAL, resources.length);
    const lists = process as unknown as ActiveLists;
    if (lists._getActiveHandles) {
      const handles = lists._getActiveHandles();
      this.writeByType(w, HANDLES, handles, constructorName);
      w.single(HANDLES_TOTAL, handles.length);
    }
    if (lists._getActiveRequests) {
      const requests = lists._getActiveRequests();
      this.writeByType(w, REQUESTS, requests, constructorName);
      w.single(REQUESTS_TOTAL, requests.length);
    }

    const heap = getHeapStatistics();
    w.single(HEAP_TOTAL, heap.total_heap_size);
    w.single(HEAP_USED, heap.used_heap_size);
    w.single(EXTERNAL, (heap as { external_memory?: number }).external_memory ?? 0);
    const spaces = getHeapSpaceStatistics();
    for (const [family, key] of [
      [SPACE_TOTAL, 'space_size'],
      [SPACE_USED, 'space_used_size'],
      [SPACE_AVAILABLE, 'space_available_size'],
    ] as const) {
      w.family(family);
      for (const s of spaces) w.sample(this.series(family.name, 'space', s.space_name.slice(0, s.space_name.indexOf('_space'))), s[key]);
    }

    w.family(VERSION);
    w.sample(VERSION_SERIES, 1);
    this.gc.write(w);
  }

  /** Resident, virtual and data size from /proc/self/status (in kB there); elsewhere only the resident size. */
  private writeMemory(w: TextWriter): void {
    if (!this.onLinux) return w.single(RESIDENT, process.memoryUsage.rss());
    let length = 0;
    try {
      const fd = openSync('/proc/self/status', 'r');
      try {
        length = readSync(fd, this.status, 0, this.status.length, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      // As prom-client: figures that cannot be read are shown as 0.
    }
    for (const [field, family] of STATUS_FIELDS) w.single(family, statusKb(this.status, length, field) * 1024);
  }

  /** A gauge of counts by type, in the order the types were first met. */
  private writeByType<T>(w: TextWriter, family: Family, items: readonly T[], typeOf: (item: T) => string | undefined): void {
    const counts = this.counts;
    counts.clear();
    for (const item of items) {
      const type = typeOf(item);
      if (type !== undefined) counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    w.family(family);
    for (const [type, n] of counts) w.sample(this.series(family.name, 'type', type), n);
  }

  private series(name: string, label: string, value: string): string {
    const key = `${name}\u0000${value}`;
    let s = this.typeSeries.get(key);
    if (s === undefined) {
      s = `${name}{${label}="${escapeLabelValue(value)}"}`;
      // Types and spaces are few; a runtime that made up new ones forever would only lose the cache.
      if (this.typeSeries.size > 1000) this.typeSeries.clear();
      this.typeSeries.set(key, s);
    }
    return s;
  }
}

function constructorName(item: unknown): string | undefined {
  return (item as { constructor?: { name?: string } } | null)?.constructor?.name;
}

/** Open descriptors: Linux (6.2 on) gives their number as the size of /proc/self/fd; older ones list it. */
function openFds(): number {
  try {
    const size = statSync('/proc/self/fd').size;
    // The listing holds one descriptor of its own while it reads.
    return size > 0 ? size : readdirSync('/proc/self/fd').length - 1;
  } catch {
    return 0;
  }
}

/** The soft limit of open descriptors, from /proc/self/limits, or undefined where there is none. */
function readMaxFds(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const n = Number(line?.split(/ {2,}/)[1]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The number after `field` in the status text (`\nVmRSS:   1234 kB`), or 0 when it is not there. */
function statusKb(buf: Buffer, length: number, field: Buffer): number {
  const at = buf.indexOf(field);
  if (at < 0 || at >= length) return 0;
  let i = at + field.length;
  while (i < length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  let n = 0;
  while (i < length && buf[i] >= 0x30 && buf[i] <= 0x39) n = n * 10 + buf[i++] - 0x30;
  return n;
}

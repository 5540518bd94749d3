// Preloaded into every test file (`node --import`): once the file's tests and hooks are done, the process must be
// able to exit on its own. If something still holds the event loop (a socket, a server, a child process, a timer,
// a browser) a few seconds later, this names what is open and fails the file, instead of the runner forcing an exit.
import { after, afterEach, beforeEach } from 'node:test';

/** How long a file may take to close what it opened after its last hook; closes are asynchronous. */
const GRACE_MS = Number(process.env.PORTUNUS_LEAK_GRACE_MS ?? 3000);

// Node's own list of what keeps the loop alive; the handle objects behind it are only reachable this way.
type ProcessWithHandles = NodeJS.Process & { _getActiveHandles?: () => unknown[] };

function describeHandle(h: unknown): string {
  if (typeof h !== 'object' || h === null) return String(h);
  const name = h.constructor?.name ?? 'Object';
  const o = h as Record<string, unknown>;
  try {
    if (typeof o.spawnfile === 'string') return `${name} pid ${String(o.pid)} (${String(o.spawnfile)} ${Array.isArray(o.spawnargs) ? o.spawnargs.slice(1, 4).join(' ') : ''})`;
    if (typeof o.address === 'function') {
      const a = (o.address as () => unknown).call(h);
      const remote = typeof o.remoteAddress === 'string' ? ` -> ${o.remoteAddress}:${String(o.remotePort)}` : '';
      if (a && typeof a === 'object') return `${name} ${JSON.stringify(a)}${remote}`;
    }
  } catch {
    // a half-closed handle may throw from address(); its class name is still worth reporting
  }
  return name;
}

// Node lists timers only as 'Timeout'; to say which timer, the global setTimeout/setInterval are wrapped here
// and remember where each timer was made. Timers that fired or were cleared are dropped as the list grows.
interface TrackedTimer {
  readonly timer: NodeJS.Timeout;
  readonly repeat: boolean;
  readonly ms: number;
  readonly where: string;
}
const timers = new Set<TrackedTimer>();
const live = (t: TrackedTimer): boolean => !(t.timer as unknown as { _destroyed?: boolean })._destroyed && t.timer.hasRef();

function creationSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(3);
  return (frames.find((f) => !f.includes('node:internal') && !f.includes('leak-check')) ?? frames[0] ?? '').trim();
}

function track<A extends unknown[]>(make: (cb: (...a: A) => void, ms?: number, ...a: A) => NodeJS.Timeout, repeat: boolean) {
  return (cb: (...a: A) => void, ms?: number, ...a: A): NodeJS.Timeout => {
    const timer = make(cb, ms, ...a);
    if (timers.size >= 1000) for (const t of timers) if (!live(t)) timers.delete(t);
    timers.add({ timer, repeat, ms: ms ?? 0, where: creationSite() });
    return timer;
  };
}
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
globalThis.setTimeout = Object.assign(track(realSetTimeout, false), realSetTimeout) as typeof setTimeout;
globalThis.setInterval = Object.assign(track(realSetInterval, true), realSetInterval) as typeof setInterval;

/** The handles and ref'd timers left open (stdio excluded), described for a person reading the failure. */
export function openHandles(): string[] {
  const handles = (process as ProcessWithHandles)._getActiveHandles?.() ?? [];
  const std = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  const open = handles.filter((h) => !std.has(h)).map(describeHandle);
  for (const t of timers) if (live(t)) open.push(`${t.repeat ? 'setInterval' : 'setTimeout'} ${t.ms} ms, made ${t.where}`);
  return open;
}

const toleratedTimers: string[] = [];

/**
 * For a file whose only leftovers are timers in a dependency that cannot cancel them (say which, and why): once
 * nothing but timers is left, the file ends as its tests decided. Sockets, servers and processes are never let go.
 */
export function tolerateLeftoverTimers(reason: string): void {
  toleratedTimers.push(reason);
}

// The root's `after` can run before a file is done: tests declared after a top-level `await` run later. So the
// check waits until no test has been running for the grace period.
let running = 0;
let lastActivity = Date.now();
beforeEach(() => {
  running++;
  lastActivity = Date.now();
});
afterEach(() => {
  running--;
  lastActivity = Date.now();
});

function check(): void {
  const quietFor = Date.now() - lastActivity;
  if (running > 0 || quietFor < GRACE_MS) {
    realSetTimeout(check, running > 0 ? GRACE_MS : GRACE_MS - quietFor).unref();
    return;
  }
  const open = openHandles();
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
  if (toleratedTimers.length > 0 && resources.every((r) => r === 'Timeout')) process.exit();
  const lines = [...open, `(node's list: ${resources.join(', ')}; a Timeout not named above is from node:timers/promises or a dependency)`];
  process.stderr.write(`leak check: ${process.argv.slice(1).join(' ') || 'this test file'} left open after ${GRACE_MS} ms:\n  ${lines.join('\n  ')}\n`);
  process.exit(1);
}

// Unref'd: when everything closes in time the process exits and the check never runs.
after(() => {
  realSetTimeout(check, GRACE_MS).unref();
});

// Preloaded into every test file (`node --import`): once the file's tests and hooks are done, the process must be
// able to exit on its own. If something still holds the event loop (a socket, a server, a child process, a timer,
// a browser) a few seconds later, this names what is open and fails the file, instead of the runner forcing an exit.
import { after } from 'node:test';

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
    if (typeof o._onTimeout === 'function') return `Timeout ${String(o._idleTimeout)} ms (${(o._onTimeout as () => void).name || 'anonymous'})`;
  } catch {
    // a half-closed handle may throw from address(); its class name is still worth reporting
  }
  return name;
}

/** The handles left open (stdio excluded), described for a person reading the failure. */
export function openHandles(): string[] {
  const handles = (process as ProcessWithHandles)._getActiveHandles?.() ?? [];
  const std = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  return handles.filter((h) => !std.has(h)).map(describeHandle);
}

after(() => {
  // Unref'd: when everything closes in time the process exits and this never runs.
  setTimeout(() => {
    const open = openHandles();
    const resources = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
    process.stderr.write(`leak check: ${process.argv[1] ?? 'this test file'} left open after ${GRACE_MS} ms:\n  ${(open.length ? open : resources).join('\n  ')}\n`);
    process.exit(1);
  }, GRACE_MS).unref();
});

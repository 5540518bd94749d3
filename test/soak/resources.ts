// What the server process holds, as the soak run compares it: open descriptors by kind, UDP sockets, the main
// thread's active handles and timers, and the heap after a forced GC. Linux only (/proc).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface ResourceSnapshot {
  /** Open descriptors by kind: socket:udp, socket:tcp, socket:unix, socket:other, pipe, file, anon_inode:[eventfd]… */
  readonly descriptors: Record<string, number>;
  readonly descriptorTotal: number;
  /** Local addresses of the UDP sockets open in this process. */
  readonly udpSockets: string[];
  /** process.getActiveResourcesInfo() counted by type (Timeout, UDPWRAP, TCPServerWrap, …). */
  readonly activeResources: Record<string, number>;
  /** Bytes of heap in use after a forced full GC. */
  readonly heapUsed: number;
}

/** Inode → protocol and local address, from /proc/net/* (the sockets of this network namespace). */
function socketTable(): Map<string, { proto: string; local: string }> {
  const table = new Map<string, { proto: string; local: string }>();
  for (const proto of ['udp', 'udp6', 'tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${proto}`, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      table.set(f[9], { proto: proto.replace('6', ''), local: `${proto}:${hexAddress(f[1])}` });
    }
  }
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 7) table.set(f[6], { proto: 'unix', local: 'unix' });
    }
  } catch {
    // no unix table: such sockets count as socket:other
  }
  return table;
}

/** "0100007F:1F90" → "127.0.0.1:8080"; IPv6 addresses are left in /proc's hex. */
function hexAddress(field: string): string {
  const [addr, port] = field.split(':');
  const p = parseInt(port, 16);
  if (addr.length !== 8) return `[${addr}]:${p}`;
  const n = parseInt(addr, 16);
  return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}:${p}`;
}

/** Runs a full GC several times, letting finalizers and weak callbacks run in between. */
export async function forceGc(): Promise<void> {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

export async function snapshot(): Promise<ResourceSnapshot> {
  await forceGc();
  const heapUsed = process.memoryUsage().heapUsed;
  const table = socketTable();
  const descriptors: Record<string, number> = {};
  const udpSockets: string[] = [];
  let descriptorTotal = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the descriptor of the directory listing itself, closed by now
    }
    descriptorTotal++;
    let kind: string;
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket) {
      const entry = table.get(socket[1]);
      kind = `socket:${entry?.proto ?? 'other'}`;
      if (entry?.proto === 'udp') udpSockets.push(entry.local);
    } else if (target.startsWith('pipe:')) kind = 'pipe';
    else if (target.startsWith('anon_inode:')) kind = target;
    else kind = 'file';
    descriptors[kind] = (descriptors[kind] ?? 0) + 1;
  }
  const activeResources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) activeResources[r] = (activeResources[r] ?? 0) + 1;
  return { descriptors, descriptorTotal, udpSockets: udpSockets.sort(), activeResources, heapUsed };
}

/** What grew (or shrank) between two counts by kind: "socket:udp 12 → 14". Empty when equal. */
export function countDifferences(before: Record<string, number>, after: Record<string, number>): string[] {
  const kinds = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return kinds.filter((k) => (before[k] ?? 0) !== (after[k] ?? 0)).map((k) => `${k} ${before[k] ?? 0} → ${after[k] ?? 0}`);
}

export interface Comparison {
  readonly leaks: string[];
  readonly heapGrowth: number;
}

/** Descriptors, UDP sockets and active resources must be back exactly; the heap within `heapMarginBytes`. */
export function compare(baseline: ResourceSnapshot, end: ResourceSnapshot, heapMarginBytes: number): Comparison {
  const leaks: string[] = [];
  for (const d of countDifferences(baseline.descriptors, end.descriptors)) leaks.push(`descriptors: ${d}`);
  const extraUdp = end.udpSockets.filter((s) => !baseline.udpSockets.includes(s));
  const goneUdp = baseline.udpSockets.filter((s) => !end.udpSockets.includes(s));
  if (extraUdp.length > 0 || goneUdp.length > 0 || end.udpSockets.length !== baseline.udpSockets.length) {
    leaks.push(
      `UDP sockets: ${baseline.udpSockets.length} → ${end.udpSockets.length}` +
        (extraUdp.length > 0 ? ` (new: ${extraUdp.slice(0, 20).join(', ')})` : '') +
        (goneUdp.length > 0 ? ` (gone: ${goneUdp.slice(0, 20).join(', ')})` : ''),
    );
  }
  for (const d of countDifferences(baseline.activeResources, end.activeResources)) leaks.push(`active resources: ${d}`);
  const heapGrowth = end.heapUsed - baseline.heapUsed;
  if (heapGrowth > heapMarginBytes) leaks.push(`heap used after GC: ${mib(baseline.heapUsed)} → ${mib(end.heapUsed)} (+${mib(heapGrowth)}, margin ${mib(heapMarginBytes)})`);
  return { leaks, heapGrowth };
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

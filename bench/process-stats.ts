// CPU time and resident memory of a process, read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The processes whose parent is `pid`, from /proc (a supervisor's local nodes). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds of `pid` and of the processes it started (cluster.local_nodes: the supervisor and its nodes). */
export function treeCpuSeconds(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + safely(() => cpuSeconds(p)), 0);
}

/** Resident memory of `pid` and of the processes it started. */
export function treeResidentBytes(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + safely(() => residentBytes(p)), 0);
}

function safely(read: () => number): number {
  try {
    return read();
  } catch {
    return 0;
  }
}

// A network namespace of the bench's own, joined to the host by a veth pair on 198.18.0.0/15 (the range RFC 2544
// sets aside for benchmarks). The server under test runs inside it and the load client on the host end, so
// both servers are measured on the same path, and Janus (which gathers no loopback candidates) is reachable
// without any packet leaving the machine.
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/** The host's own IPv4 addresses outside loopback and the bench's pair. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('198.18.231.'))
    .map((a) => a.address);
}

export interface BenchNetns {
  readonly name: string;
  /** Interface name and address inside the namespace (the server side). */
  readonly serverIface: string;
  readonly serverAddress: string;
  /** Address on the host end (the client side). */
  readonly clientAddress: string;
  remove(): void;
}

function ip(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Creates the namespace; returns undefined with a reason when this host does not allow it. */
export function createBenchNetns(): BenchNetns | { error: string } {
  const tag = (process.pid % 10000).toString();
  const name = `portunus-bench-${tag}`;
  const host = `pbh${tag}`;
  const inner = `pbn${tag}`;
  const clientAddress = '198.18.231.1';
  const serverAddress = '198.18.231.2';
  const remove = (): void => {
    ip(['netns', 'del', name]); // takes the veth pair with it
    ip(['link', 'del', host]);
  };
  const steps: string[][] = [
    ['netns', 'add', name],
    ['link', 'add', host, 'type', 'veth', 'peer', 'name', inner],
    ['link', 'set', inner, 'netns', name],
    ['addr', 'add', `${clientAddress}/30`, 'dev', host],
    ['link', 'set', host, 'up'],
    ['netns', 'exec', name, 'ip', 'addr', 'add', `${serverAddress}/30`, 'dev', inner],
    ['netns', 'exec', name, 'ip', 'link', 'set', inner, 'up'],
    ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'],
    // Answers to the host's other addresses (a browser checks from all of them) go back over the pair; only the
    // host's own addresses get a route, so nothing can leave the machine from inside the namespace.
    ...hostAddresses().map((a) => ['netns', 'exec', name, 'ip', 'route', 'add', `${a}/32`, 'via', clientAddress]),
  ];
  for (const s of steps) {
    const r = ip(s);
    if (!r.ok) {
      remove();
      return { error: `ip ${s.join(' ')}: ${r.err.trim()}` };
    }
  }
  return { name, serverIface: inner, serverAddress, clientAddress, remove };
}

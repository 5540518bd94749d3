// Network namespaces joined by one bridge, for tests of many nodes on many addresses: the bridge has
// 198.18.<k>.1/24 in the test's own namespace, namespace i has 198.18.<k>.<11+i>/24 on a veth pair plugged
// into it (198.18.0.0/15 is the benchmarking range; the bridge has no other port, so nothing leaves the
// machine). Everything is removed by remove(), and at process exit if a test failed before it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface BridgedNamespaces {
  /** The bridge's address in the test's namespace. */
  readonly hostAddress: string;
  /** Namespace names, in order. */
  readonly names: readonly string[];
  /** The address of each namespace, in order. */
  readonly addresses: readonly string[];
  /** The command prefix that runs a program in namespace i. */
  prefix(i: number): string[];
  remove(): void;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message || `status ${r.status}`}`);
}

/** Why namespaces cannot be made here (not root, no `ip`, no permission), or false. */
export function namespacesUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const name = `ptprobe${randomBytes(3).toString('hex')}`;
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.status !== 0) return `ip netns add fails here: ${r.stderr || r.error?.message}`;
  spawnSync('ip', ['netns', 'del', name]);
  return false;
}

export function bridgedNamespaces(n: number): BridgedNamespaces {
  const tag = randomBytes(3).toString('hex');
  const k = 1 + (randomBytes(1)[0] % 254);
  const bridge = `ptb${tag}`;
  const names = Array.from({ length: n }, (_, i) => `portunus-${tag}-${i}`);
  const addresses = names.map((_, i) => `198.18.${k}.${11 + i}`);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const ns of names) spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', bridge]);
    process.off('exit', remove);
  };
  process.on('exit', remove);
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `198.18.${k}.1/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    names.forEach((ns, i) => {
      const outside = `ptv${tag}${i}`;
      const inside = `ptn${tag}${i}`;
      ip(['netns', 'add', ns]);
      ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
      ip(['link', 'set', outside, 'master', bridge, 'up']);
      ip(['link', 'set', inside, 'netns', ns]);
      ip(['-n', ns, 'link', 'set', inside, 'name', 'eth0']);
      ip(['-n', ns, 'addr', 'add', `${addresses[i]}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    });
  } catch (err) {
    remove();
    throw err;
  }
  return { hostAddress: `198.18.${k}.1`, names, addresses, prefix: (i) => ['ip', 'netns', 'exec', names[i]], remove };
}

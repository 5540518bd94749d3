// IPv6 multicast into Streaming mountpoints, in a network namespace of the test's own: loopback cannot carry IPv6
// multicast, so the namespace gets a veth pair (both ends inside it, nothing reaches the host's network).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/no-ipv6.js';

function ip(args: string[]): boolean {
  return spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
}

const ns = `portunus-mc6-${process.pid % 100000}`;
const canNetns = process.getuid?.() === 0 && ip(['netns', 'add', ns]);

test(
  'IPv6 multicast: mountpoints joined by interface name and by address receive the group; an IPv4 iface is refused',
  { timeout: 60_000, skip: !canNetns && 'cannot create network namespaces here' },
  () => {
    try {
      const steps = [
        ['link', 'set', 'lo', 'up'],
        ['link', 'add', 'mc0', 'type', 'veth', 'peer', 'name', 'mc1'],
        ['link', 'set', 'mc0', 'multicast', 'on', 'up'],
        ['link', 'set', 'mc1', 'multicast', 'on', 'up'],
        ['-6', 'addr', 'add', 'fd00:5::1/64', 'dev', 'mc0', 'nodad'],
        ['-6', 'addr', 'add', 'fd00:5::2/64', 'dev', 'mc1', 'nodad'],
      ];
      for (const s of steps) assert.ok(ip(['-n', ns, ...s]), `ip -n ${ns} ${s.join(' ')}`);
      const run = spawnSync('ip', ['netns', 'exec', ns, process.execPath, join(repoRoot, 'dist', 'test', 'helpers', 'multicast6-scenario.js'), 'ff15::5:1', 'mc0', 'fd00:5::1', 'mc1'], {
        encoding: 'utf8',
        timeout: 45_000,
      });
      const line = run.stdout.trim().split('\n').pop() ?? '';
      let result: { packets?: number[]; v4iface?: { error_code?: number; error?: string }; [k: string]: unknown };
      try {
        result = JSON.parse(line) as typeof result;
      } catch {
        assert.fail(`scenario output: ${run.stdout}\n${run.stderr}`);
      }
      assert.equal(result['create 0'], 'created', JSON.stringify(result['create 0']));
      assert.equal(result['create 1'], 'created', JSON.stringify(result['create 1']));
      assert.deepEqual(result.packets, [10, 10]);
      assert.equal(result.v4iface?.error_code, 456, JSON.stringify(result.v4iface));
      assert.match(String(result.v4iface?.error), /no IPv6 address/);
    } finally {
      ip(['netns', 'del', ns]);
    }
  },
);

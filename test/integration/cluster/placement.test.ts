// The placement bucket over Debian's nats-server (JetStream): records one node holds are seen by the others
// (numbers and string ids, an event for each), released ones go; a node killed (SIGKILL) has its records
// dropped from the answers once it is lost and removed from the bucket by the first live node; a record removed
// while its node still holds it is written again; records held while NATS is away reach the bucket when it is
// back, and the ones released meanwhile do not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'nats';
import { parseClusterSettings } from '../../../src/cluster/cluster-settings.js';
import { ClusterNode } from '../../../src/cluster/cluster-node.js';
import type { PlacementEvent } from '../../../src/cluster/placement-store.js';
import { Cleanup, memoryLogger, missing, NATS_SERVER } from '../../helpers/brokers.js';
import { answers, startJetStream } from '../../helpers/cluster-nodes.js';
import { waitFor } from '../../../support/wait.js';
import { repoRoot } from '../../helpers/no-ipv6.js';

function node(url: string, name: string): ClusterNode {
  const { log } = memoryLogger();
  const settings = parseClusterSettings({ nats: url, node_name: name, heartbeat_ms: 200 }, '127.0.0.1', log);
  assert.ok(settings);
  const n = new ClusterNode({ settings, load: () => ({ peerconnections: 1, bytesSent: 0 }), version: 'test', log });
  n.start();
  return n;
}

async function bucketKeys(url: string): Promise<string[]> {
  const nc = await connect({ servers: url.replace('nats://', '') });
  try {
    const kv = await nc.jetstream().views.kv('portunus_placement');
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    return keys.sort();
  } finally {
    await nc.close();
  }
}

test('placement records across nodes, a crashed holder, NATS away and back', { skip: missing(NATS_SERVER), timeout: 60_000 }, async () => {
  const cleanup = new Cleanup();
  try {
    const nats = cleanup.add(await startJetStream(), (b) => b.stop());
    const url = `nats://127.0.0.1:${nats.port}`;
    const a = cleanup.add(node(url, 'a'), (n) => n.close());
    const b = cleanup.add(node(url, 'b'), (n) => n.close());
    const events: string[] = [];
    a.placement.on((e: PlacementEvent) => events.push(`${e.type} ${e.placement.kind} ${String(e.placement.id)} ${e.placement.node}`));
    await waitFor(
      answers(async () => a.connected && b.connected && a.membership.size === 2),
      { timeout: 10_000, what: 'both connected' },
    );

    b.placement.hold('videoroom', 1234);
    b.placement.hold('streaming', 'cam/ü 1');
    a.placement.hold('videoroom', 1234);
    await waitFor(
      answers(async () => a.placement.holders('videoroom', 1234).join() === 'a,b' && a.placement.holders('streaming', 'cam/ü 1').join() === 'b'),
      { timeout: 5_000, what: 'a sees what b holds' },
    );
    assert.deepEqual(b.placement.holders('videoroom', 1234), ['a', 'b']);
    assert.deepEqual(events.sort(), ['held streaming cam/ü 1 b', 'held videoroom 1234 b']);
    const info = a.info() as { nodes: { name: string; holds: unknown[] }[] };
    assert.deepEqual(info.nodes.find((n) => n.name === 'b')?.holds, [
      { kind: 'videoroom', id: 1234 },
      { kind: 'streaming', id: 'cam/ü 1' },
    ]);
    b.placement.release('streaming', 'cam/ü 1');
    await waitFor(
      answers(async () => a.placement.holders('streaming', 'cam/ü 1').length === 0),
      { timeout: 5_000, what: 'released' },
    );
    assert.ok(events.includes('released streaming cam/ü 1 b'));

    // A node that crashes: its records stop counting once it is lost, and 'a' (first by name) removes them.
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'test', 'fixtures', 'cluster-node-child.js'), url, 'c', JSON.stringify([1234, 77])], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.add(child, (c) => c.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(
      answers(async () => out.includes('ready')),
      { timeout: 10_000, what: 'the child node is ready' },
    );
    await waitFor(
      answers(async () => a.placement.holders('videoroom', 1234).join() === 'a,b,c' && a.placement.holders('videoroom', 77).join() === 'c'),
      { timeout: 5_000, what: 'a sees c hold 1234 and 77' },
    );
    assert.deepEqual(await bucketKeys(url), ['videoroom.n1234.a', 'videoroom.n1234.b', 'videoroom.n1234.c', 'videoroom.n77.c']);
    child.kill('SIGKILL');
    await waitFor(
      answers(async () => a.placement.holders('videoroom', 77).length === 0 && b.placement.holders('videoroom', 1234).join() === 'a,b'),
      { timeout: 5_000, what: 'c lost, its records out of the answers' },
    );
    await waitFor(
      answers(async () => (await bucketKeys(url)).join() === 'videoroom.n1234.a,videoroom.n1234.b'),
      { timeout: 5_000, what: "c's records out of the bucket" },
    );

    // Removed by someone else while b still holds it: b writes it again.
    const nc = await connect({ servers: url.replace('nats://', '') });
    await (await nc.jetstream().views.kv('portunus_placement')).purge('videoroom.n1234.b');
    await nc.close();
    await waitFor(
      answers(async () => (await bucketKeys(url)).includes('videoroom.n1234.b')),
      { timeout: 5_000, what: 'b wrote its record again' },
    );

    // NATS away: b holds one more and releases one; once NATS is back the bucket says so.
    await nats.kill();
    await waitFor(
      answers(async () => !b.connected),
      { timeout: 10_000, what: 'b notices' },
    );
    b.placement.hold('videoroom', 'later');
    b.placement.release('videoroom', 1234);
    assert.deepEqual(b.placement.holders('videoroom', 'later'), ['b']);
    await nats.start();
    await waitFor(
      answers(async () => a.connected && b.connected),
      { timeout: 20_000, what: 'both back' },
    );
    await waitFor(
      answers(async () => (await bucketKeys(url)).join() === 'videoroom.n1234.a,videoroom.sbGF0ZXI.b'),
      { timeout: 5_000, what: 'the bucket has what b holds now' },
    );
    await waitFor(
      answers(async () => a.placement.holders('videoroom', 'later').join() === 'b' && a.placement.holders('videoroom', 1234).join() === 'a'),
      { timeout: 5_000, what: 'a sees it' },
    );
  } finally {
    await cleanup.run();
  }
});

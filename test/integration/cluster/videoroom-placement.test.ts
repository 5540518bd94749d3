// The VideoRoom records in the cluster which node has someone in which room (docs/cluster.md): two nodes on one
// nats-server (JetStream), without IPv6; a participant joining room 1234 on one node is seen by the other as
// that node holding it, one on the other node makes both hold it, and a session destroyed releases it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cleanup, missing, NATS_SERVER } from '../../helpers/brokers.js';
import { allSee, answers, startJetStream, startNode, type NodeProcess } from '../../helpers/cluster-nodes.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { JanusWs } from '../../../support/janus-ws.js';
import { waitFor } from '../../../support/wait.js';

/** The nodes `from` sees holding VideoRoom room `room`. */
async function holders(from: NodeProcess, room: number): Promise<string[]> {
  const info = await from.clusterInfo();
  return info.nodes.filter((n) => n.holds.some((h) => JSON.stringify(h) === JSON.stringify({ kind: 'videoroom', id: room }))).map((n) => n.name);
}

async function joinRoom(ws: JanusWs, display: string): Promise<number> {
  const session = Number(((await ws.request({ janus: 'create' })).data as { id: number }).id);
  const joined = await ws.pluginRequest(session, 'janus.plugin.videoroom', { request: 'join', ptype: 'publisher', room: 1234, display });
  assert.equal(joined.videoroom, 'joined');
  return session;
}

test('VideoRoom participants make their node hold the room in the cluster', { skip: missing(NATS_SERVER), timeout: 60_000 }, async () => {
  const cleanup = new Cleanup();
  try {
    const nats = cleanup.add(await startJetStream(), (b) => b.stop());
    const url = `nats://127.0.0.1:${nats.port}`;
    const env = await noIpv6Env();
    const a = cleanup.add(await startNode('a', url, { heartbeatMs: 200, env }), (n) => n.server.stop());
    const b = cleanup.add(await startNode('b', url, { heartbeatMs: 200, env }), (n) => n.server.stop());
    await allSee([a, b], ['a', 'b'], 10_000);
    assert.deepEqual(await holders(b, 1234), []);

    const wsA = cleanup.add(await JanusWs.open(a.server.wsUrl), (w) => w.close());
    const sessionA = await joinRoom(wsA, 'on a');
    await waitFor(
      answers(async () => (await holders(b, 1234)).join() === 'a'),
      { timeout: 5_000, what: 'b to see a hold room 1234' },
    );
    const wsB = cleanup.add(await JanusWs.open(b.server.wsUrl), (w) => w.close());
    await joinRoom(wsB, 'on b');
    await waitFor(
      answers(async () => (await holders(a, 1234)).join() === 'a,b'),
      { timeout: 5_000, what: 'a to see both hold room 1234' },
    );
    const metrics = await (await fetch(a.metricsUrl)).text();
    assert.match(metrics, /^portunus_cluster_placements\{kind="videoroom"\} 2$/m);

    await wsA.request({ janus: 'destroy', session_id: sessionA });
    await waitFor(
      answers(async () => (await holders(b, 1234)).join() === 'b'),
      { timeout: 5_000, what: 'a to release room 1234' },
    );
  } finally {
    await cleanup.run();
  }
});

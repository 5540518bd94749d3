// Three Portunus nodes on one nats-server (JetStream): each sees the three with their load (Admin cluster_info,
// get_status, /metrics); a node killed with SIGKILL is noticed by the others within the heartbeat time; one
// stopped with SIGTERM leaves at once; both come back under the same name; nats-server killed leaves the nodes
// serving with what they knew, nobody taken as lost, and once it is back coordination resumes (a node killed
// then is noticed again). On loopback, with and without IPv6 (the no-IPv6 shim), and in three network
// namespaces on one bridge (198.18.0.0/15) when the machine allows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cleanup, missing, NATS_SERVER } from '../../helpers/brokers.js';
import type { ChildPlace } from '../../helpers/child-server.js';
import { allSee, answers, startJetStream, startNode, type NodeProcess } from '../../helpers/cluster-nodes.js';
import { bridgedNamespaces, namespacesUnavailable } from '../../helpers/netns.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { sleep, waitFor } from '../../../support/wait.js';

const HEARTBEAT_MS = 200;
const LOST_AFTER = 3;
/** Kill to noticed: the silence that makes a node lost, a heartbeat of sweep, and slack for a busy 2-core machine. */
const NOTICED_WITHIN_MS = HEARTBEAT_MS * (LOST_AFTER + 2) + 1200;
const NAMES = ['node-1', 'node-2', 'node-3'];

async function scenario(natsHost: string, place: (i: number) => ChildPlace, env: NodeJS.ProcessEnv): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const nats = cleanup.add(await startJetStream(natsHost), (b) => b.stop());
    const url = `nats://${natsHost}:${nats.port}`;
    const start = async (i: number): Promise<NodeProcess> => cleanup.add(await startNode(NAMES[i], url, { heartbeatMs: HEARTBEAT_MS, env, place: place(i) }), (n) => n.server.stop());
    const nodes: NodeProcess[] = [];
    for (let i = 0; i < 3; i++) nodes.push(await start(i));
    await allSee(nodes, NAMES, 10_000);

    // What each node shows of the others: media address, load, a recent heartbeat.
    const info = await nodes[0].clusterInfo();
    assert.equal(info.node, 'node-1');
    for (const [i, n] of info.nodes.entries()) {
      assert.equal(n.name, NAMES[i]);
      assert.equal(n.self, i === 0);
      assert.equal(n.media_ip, place(i).host ?? '127.0.0.1');
      assert.ok(n.last_heartbeat_ms_ago < HEARTBEAT_MS * LOST_AFTER, `${n.name} heard lately: ${n.last_heartbeat_ms_ago} ms ago`);
      assert.equal(typeof n.load.peerconnections, 'number');
      assert.equal(typeof n.load.forwarded_bps, 'number');
      assert.ok(n.load.cpu >= 0);
    }
    const status = (await nodes[0].admin({ janus: 'get_status' })).status as { cluster: { node: string; connected: boolean; nodes: number } };
    assert.deepEqual([status.cluster.node, status.cluster.connected, status.cluster.nodes], ['node-1', true, 3]);
    const metrics = await (await fetch(nodes[0].metricsUrl)).text();
    assert.match(metrics, /^portunus_cluster_nodes 3$/m);
    assert.match(metrics, /^portunus_cluster_nats_connected 1$/m);
    assert.match(metrics, /^portunus_cluster_node_peerconnections\{node="node-3"\} 0$/m);

    // SIGKILL: noticed by the others within the heartbeat time, with a log line.
    let t0 = Date.now();
    await nodes[2].kill();
    await allSee(nodes.slice(0, 2), NAMES.slice(0, 2), NOTICED_WITHIN_MS);
    const noticed = Date.now() - t0;
    assert.ok(noticed < NOTICED_WITHIN_MS, `noticed after ${noticed} ms`);
    for (const n of nodes.slice(0, 2)) assert.match(n.server.log(), /node node-3 \(media [\d.]+\) lost: no heartbeat for \d+ ms/);
    // The same name again: a new incarnation, seen by all.
    nodes[2] = await start(2);
    await allSee(nodes, NAMES, 10_000);
    assert.match(nodes[2].server.log(), /joined cluster portunus: 2 other nodes/);

    // SIGTERM: the node says it leaves, the others need not wait for its silence.
    t0 = Date.now();
    await nodes[1].server.stop();
    await allSee([nodes[0], nodes[2]], ['node-1', 'node-3'], NOTICED_WITHIN_MS);
    assert.match(nodes[0].server.log(), /node node-2 left/);
    nodes[1] = await start(1);
    await allSee(nodes, NAMES, 10_000);

    // nats-server killed: every node serves alone, keeps the others as last heard, takes nobody as lost.
    const losses = (n: NodeProcess): number => n.server.log().match(/lost: no heartbeat/g)?.length ?? 0;
    const lostBefore = nodes.map(losses);
    await nats.kill();
    await Promise.all(
      nodes.map((n) =>
        waitFor(
          answers(async () => !(await n.clusterInfo()).connected),
          { timeout: 10_000, what: `${n.name} notices NATS is gone` },
        ),
      ),
    );
    await sleep(HEARTBEAT_MS * (LOST_AFTER + 3));
    for (const [i, n] of nodes.entries()) {
      const seen = await n.clusterInfo();
      assert.equal(seen.frozen, true);
      assert.equal(seen.nodes.length, 3, `${n.name} keeps the others while NATS is away`);
      assert.match(n.server.log(), /NATS unreachable \(.*\): serving alone; the 2 other nodes are kept as last heard/);
      assert.equal(losses(n), lostBefore[i], `${n.name} took nobody as lost while NATS was away`);
      const rest = await fetch(n.server.restUrl, { method: 'POST', body: JSON.stringify({ janus: 'info', transaction: 'alone' }) });
      assert.equal(((await rest.json()) as { janus: string }).janus, 'server_info', `${n.name} serves the Janus API alone`);
    }
    // Back: every node rejoins, and coordination works again (a node killed now is noticed).
    await nats.start();
    await allSee(nodes, NAMES, 20_000);
    for (const n of nodes) assert.match(n.server.log(), /back on NATS, rejoined cluster portunus/);
    await nodes[0].kill();
    await allSee(nodes.slice(1), NAMES.slice(1), NOTICED_WITHIN_MS);
  } finally {
    await cleanup.run();
  }
}

test('three nodes on loopback: membership, a crash, a stop, restarts, nats-server killed and back', { skip: missing(NATS_SERVER), timeout: 120_000 }, async () => {
  await scenario('127.0.0.1', () => ({}), process.env);
});

test('the same on a host without IPv6', { skip: missing(NATS_SERVER), timeout: 120_000 }, async () => {
  await scenario('127.0.0.1', () => ({}), await noIpv6Env());
});

test('three nodes in network namespaces on one bridge (198.18.0.0/15)', { skip: missing(NATS_SERVER) || namespacesUnavailable(), timeout: 120_000 }, async () => {
  const net = bridgedNamespaces(3);
  try {
    await scenario(net.hostAddress, (i) => ({ prefix: net.prefix(i), host: net.addresses[i] }), await noIpv6Env());
  } finally {
    net.remove();
  }
});

// One VideoRoom over three nodes driven by janode, over each of its transports (WebSocket, and its Unix socket
// transport to each node's pfunix socket): a room created through node 2, a janode publisher on node 1 (werift
// media), janode subscribers on nodes 1, 2 (two) and 3 all receiving audio and video, the publisher's stream
// crossing to each other node once (node 1's remotizations), listparticipants the same through every node, then
// unpublish, leave and destroy through janode's wrapper. nats-server with JetStream; the nodes without IPv6.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { Cleanup, missing, NATS_SERVER } from '../../helpers/brokers.js';
import { allSee, answers, startJetStream, startNode, type NodeProcess } from '../../helpers/cluster-nodes.js';
import { JANODE_TRANSPORTS, JanodeSockets, janodeTransportUnavailable, type JanodeTransport } from '../../helpers/janode-transports.js';
import { loadJanodeVideoRoom, type JanodeVrHandle } from '../../helpers/janode-videoroom.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { arr, obj, TestPublisher, TestSubscriber, toJsep } from '../../helpers/videoroom-peers.js';
import { waitFor } from '../../../support/wait.js';

const NAMES = ['node-1', 'node-2', 'node-3'];
const ROOM = 5678;

async function remotes(node: NodeProcess, id: unknown): Promise<string> {
  const r = await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'listremotes', room: ROOM, secret: 'js', publisher_id: id } });
  return arr(obj(r.response).list)
    .map((x) => String(x.remote_id))
    .sort()
    .join();
}

async function scenario(transport: JanodeTransport): Promise<void> {
  const cleanup = new Cleanup();
  const network = new HostNetwork(await discoverNetworkHost());
  const janode = await loadJanodeVideoRoom();
  const plugin = janode.plugin;
  try {
    const nats = cleanup.add(await startJetStream(), (b) => b.stop());
    const url = `nats://127.0.0.1:${nats.port}`;
    const env = await noIpv6Env();
    const sockets = NAMES.map(() => cleanup.add(new JanodeSockets(), (s) => s.remove()));
    const nodes: NodeProcess[] = [];
    for (const [i, name] of NAMES.entries()) {
      nodes.push(cleanup.add(await startNode(name, url, { heartbeatMs: 200, env, args: ['--nat.ice_enforce_list=lo', ...sockets[i].args()] }), (n) => n.server.stop()));
    }
    await allSee(nodes, NAMES, 10_000);
    const handle = async (i: number): Promise<JanodeVrHandle> => {
      const conn = cleanup.add(await janode.connect({ address: [{ url: sockets[i].url(transport, nodes[i].server.wsUrl) }], max_retries: 0 }), (c) => c.close());
      const session = await conn.create();
      return session.attach(plugin);
    };

    // The room, made through node 2, known through node 1.
    const admin = await handle(1);
    assert.equal((await admin.create({ room: ROOM, description: 'janode over nodes', secret: 'js' })).room, ROOM);
    const ph = await handle(0);
    await waitFor(
      answers(async () => (await ph.exists({ room: ROOM })).exists === true),
      { timeout: 5000, what: 'the room known on node 1' },
    );

    // janode's publisher on node 1, werift's media.
    const pub = cleanup.add(new TestPublisher(network), (p) => p.close());
    const joined = await ph.joinPublisher({ room: ROOM, feed: 777, display: 'janode pub' });
    assert.equal(joined.feed, 777);
    const configured = await ph.publish({ jsep: await pub.offer() });
    assert.equal(configured.configured, 'ok');
    await pub.accept(toJsep(configured.jsep));
    pub.startSending();
    // The feed can be subscribed to once its PeerConnection is up: listParticipants says "publisher".
    await waitFor(
      answers(async () => arr((await ph.listParticipants({ room: ROOM })).participants).some((p) => p.feed === 777 && p.publisher === true)),
      { timeout: 15_000, what: 'the janode publisher active' },
    );

    // janode's subscribers on every node (two on node 2), each receiving both kinds.
    const subs: TestSubscriber[] = [];
    for (const i of [0, 1, 2, 1]) {
      const sub = cleanup.add(new TestSubscriber(network), (s) => s.close());
      const sh = await handle(i);
      const attached = await sh.joinSubscriber({ room: ROOM, streams: [{ feed: 777 }] });
      assert.equal(attached.room, ROOM);
      assert.equal(arr(attached.streams).length, 2, JSON.stringify(attached.streams));
      assert.equal((await sh.start({ jsep: await sub.answer(toJsep(attached.jsep)) })).started, 'ok');
      subs.push(sub);
    }
    await waitFor(() => subs.every((s) => s.received.audio > 5 && s.received.video > 5), { timeout: 15_000, what: 'every janode subscriber to receive audio and video' });
    // Once per node link, whatever the subscribers there.
    await waitFor(
      answers(async () => (await remotes(nodes[0], 777)) === 'span-node-2,span-node-3'),
      { timeout: 5000, what: 'node 1 to forward once to each other node' },
    );
    for (const i of [0, 1, 2]) {
      const h = i === 0 ? ph : i === 1 ? admin : await handle(2);
      const listed = arr((await h.listParticipants({ room: ROOM })).participants).map((p) => [p.feed, p.display, p.publisher]);
      assert.deepEqual(listed, [[777, 'janode pub', true]], `node ${i + 1} lists the publisher`);
    }

    // Through janode's wrapper: unpublish, leave, destroy (from node 2).
    assert.equal((await ph.unpublish()).feed, 777);
    pub.stopSending();
    assert.equal((await ph.leave()).feed, 777);
    assert.equal((await admin.destroy({ room: ROOM, secret: 'js' })).room, ROOM);
    await waitFor(
      answers(async () => (await ph.exists({ room: ROOM })).exists === false),
      { timeout: 5000, what: 'the room gone on node 1' },
    );
  } finally {
    await cleanup.run();
  }
}

for (const transport of JANODE_TRANSPORTS) {
  test(`janode over ${transport}: one VideoRoom over three nodes`, { skip: missing(NATS_SERVER) || janodeTransportUnavailable(transport), timeout: 90_000 }, () => scenario(transport));
}

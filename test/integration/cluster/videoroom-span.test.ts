// One VideoRoom over three nodes (docs/cluster.md): nats-server with JetStream and three node processes without
// IPv6. A publisher on node 1 reaches subscribers on nodes 1, 2 and 3 (RTP arriving), crossing to each other node
// once whatever the number of subscribers there; node 3's participant hears it (`publishers`), and hears it go
// (`unpublished`, `leaving`) when it leaves and when its node is killed; a kick asked on node 2 of node 1's
// participant is carried out on node 1; a room created on node 2 is seen from node 3, a publisher of node 1
// talking there is heard on node 3 (`talking`), and the room destroyed from node 3 is heard of on node 1; a
// keyframe request of a subscriber on node 3 reaches the publisher on node 1 (as SRTCP with cluster.srtp); a new
// name of node 1's publisher is heard on node 3; an operator's remote publisher on node 1 crosses to the other
// nodes, and is updated and removed through them; nats-server away, media flows on;
// node 1 restarted, a publisher there is announced on the others again.
// On loopback under the no-IPv6 shim, and in three network namespaces on one bridge when the machine allows it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { Cleanup, missing, NATS_SERVER } from '../../helpers/brokers.js';
import { allSee, answers, startJetStream, startNode, type NodeProcess } from '../../helpers/cluster-nodes.js';
import type { ChildPlace } from '../../helpers/child-server.js';
import { bridgedNamespaces, namespacesUnavailable } from '../../helpers/netns.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { arr, obj, TestPublisher, TestSubscriber, udpSink, VideoRoomHandle } from '../../helpers/videoroom-peers.js';
import type { Msg } from '../../../support/janus-ws.js';
import { feedRemote } from '../../helpers/remote-feed.js';
import { sleep, waitFor } from '../../../support/wait.js';

const HEARTBEAT_MS = 200;
const LOST_AFTER = 3;
const NOTICED_WITHIN_MS = HEARTBEAT_MS * (LOST_AFTER + 2) + 1500;
const NAMES = ['node-1', 'node-2', 'node-3'];
const ROOM = 1234;

/** The remotizations `node` keeps of its publisher `id` (one per other node it sends to). */
async function remotes(node: NodeProcess, id: unknown): Promise<string[]> {
  const r = await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'listremotes', room: ROOM, secret: 'adminpwd', publisher_id: id } });
  return arr((r.response as { list?: unknown }).list)
    .map((x) => String(x.remote_id))
    .sort();
}

/** Per crossing of publisher `id` on `node`: whether it is SRTP, and the SRTCP it refused from the other node. */
async function remotesSrtp(node: NodeProcess, id: unknown): Promise<[boolean, unknown][]> {
  const r = await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'listremotes', room: ROOM, secret: 'adminpwd', publisher_id: id } });
  return arr((r.response as { list?: unknown }).list).map((x) => [x.srtp === true, x.srtcp_refused]);
}

async function videoroomAdmin(node: NodeProcess, request: Msg): Promise<Msg> {
  return obj((await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request })).response);
}

async function numParticipants(node: NodeProcess, room = ROOM): Promise<unknown> {
  const r = await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'list' } });
  return arr((r.response as { list?: unknown }).list).find((x) => x.room === room)?.num_participants;
}

async function forwardersOn(node: NodeProcess): Promise<Msg> {
  return obj((await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'listforwarders', room: ROOM, secret: 'adminpwd' } })).response);
}

/** The recordings of publisher `id` in a node's recordings folder. */
function recordingsOf(dir: string, id: unknown): string[] {
  return readdirSync(dir).filter((f) => f.includes(`-user-${String(id)}-`) && f.endsWith('.mjr'));
}

async function participants(node: NodeProcess, room = ROOM): Promise<unknown[]> {
  const r = await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'listparticipants', room } });
  return arr((r.response as { participants?: unknown }).participants).map((p) => p.id);
}

/**
 * The scenario with nats-server on `natsHost`, node i at `place(i)` (its ICE candidates on interface `iface`), the
 * test's clients on `clientBind`.
 */
async function scenario(natsHost: string, place: (i: number) => ChildPlace, iface: string, clientBind: string, srtp = false): Promise<void> {
  const cleanup = new Cleanup();
  const network = new HostNetwork(await discoverNetworkHost());
  try {
    const nats = cleanup.add(await startJetStream(natsHost), (b) => b.stop());
    const url = `nats://${natsHost}:${nats.port}`;
    const env = await noIpv6Env();
    const nodes: NodeProcess[] = [];
    const recDirs = NAMES.map(() => cleanup.add(mkdtempSync(join(tmpdir(), 'portunus-span-rec-')), (d) => rmSync(d, { recursive: true, force: true })));
    const nodeArgs = (i: number): string[] => ['--general.session_timeout=0', `--nat.ice_enforce_list=${iface}`, `--cluster.srtp=${srtp}`, `--general.recordings_dir=${recDirs[i]}`];
    for (const [i, name] of NAMES.entries()) {
      nodes.push(cleanup.add(await startNode(name, url, { heartbeatMs: HEARTBEAT_MS, env, args: nodeArgs(i), place: place(i) }), (n) => n.server.stop()));
    }
    await allSee(nodes, NAMES, 10_000);
    const open = async (i: number): Promise<VideoRoomHandle> => cleanup.add(await VideoRoomHandle.open(nodes[i].server.wsUrl), (h) => h.close());

    // A participant on nodes 2 and 3 (they hold the room and hear its events).
    const watchers: VideoRoomHandle[] = [];
    const watcherIds: unknown[] = [];
    for (const i of [1, 2]) {
      const w = await open(i);
      const joined = await w.req({ request: 'join', ptype: 'publisher', room: ROOM, display: `watcher ${i + 1}` });
      assert.equal(joined.videoroom, 'joined');
      watchers.push(w);
      watcherIds.push(joined.id);
    }
    await waitFor(
      answers(async () => (await nodes[0].clusterInfo()).nodes.filter((n) => n.holds.length > 0).length === 2),
      { timeout: 5_000, what: 'node 1 to see nodes 2 and 3 hold the room' },
    );

    // Node 1's publisher: announced on node 3, received on every node.
    const pubHandle = await open(0);
    const joined = await pubHandle.req({ request: 'join', ptype: 'publisher', room: ROOM, display: 'speaker' });
    const pubId = joined.id;
    const pub = cleanup.add(new TestPublisher(network, clientBind), (p) => p.close());
    await pub.publish(pubHandle);
    const announced = (await watchers[1].next('publishers on node 3', (d) => arr(d.publishers).some((p) => p.id === pubId))).data;
    const seen = arr(announced.publishers).find((p) => p.id === pubId)!;
    assert.equal(seen.display, 'speaker');
    assert.equal(seen.remote, undefined, 'described as node 1 describes it');
    assert.equal(arr(seen.streams).length, 2);

    const subs: TestSubscriber[] = [];
    for (const i of [0, 1, 2, 1]) {
      const sub = cleanup.add(new TestSubscriber(network, clientBind), (s) => s.close());
      await sub.subscribe(await open(i), ROOM, pubId as number);
      subs.push(sub);
    }
    await waitFor(() => subs.every((s) => s.received.audio > 5 && s.received.video > 5), { timeout: 10_000, what: 'every subscriber to receive audio and video' });
    // Once per node link: node 1 forwards to nodes 2 and 3 once each (node 2 has two subscribers).
    await waitFor(
      answers(async () => (await remotes(nodes[0], pubId)).join() === 'span-node-2,span-node-3'),
      { timeout: 5_000, what: 'node 1 to forward once to each of nodes 2 and 3' },
    );
    // With cluster.srtp, each crossing is SRTP (and the subscribers above received it decrypted on nodes 2, 3).
    const crossing: [boolean, unknown] = [srtp, srtp ? 0 : undefined];
    assert.deepEqual(await remotesSrtp(nodes[0], pubId), [crossing, crossing]);
    // listparticipants answers the same on every node: the publisher and both watchers (who do not publish).
    const everyone = [pubId, ...watcherIds].map(String).sort().join();
    for (const n of nodes) assert.equal((await participants(n)).map(String).sort().join(), everyone, `${n.name} lists everyone`);
    // And list counts them all on every node: the publisher and the two watchers.
    for (const n of nodes) assert.equal(await numParticipants(n), 3, `${n.name}: list's num_participants`);
    // A keyframe request of node 3's subscriber reaches the publisher on node 1 (past the throttle of earlier ones).
    await sleep(1500);
    const plis = pub.plis;
    await subs[2].requestKeyframe();
    await waitFor(() => pub.plis > plis, { timeout: 3_000, what: "node 3's keyframe request to reach node 1's publisher" });
    // With cluster.srtp it went as SRTCP, and nothing node 1 took from the other nodes failed to authenticate.
    assert.deepEqual(await remotesSrtp(nodes[0], pubId), [crossing, crossing]);

    // The publisher takes a new name: node 3's participant hears it as node 1's would (Janus's configure event).
    assert.equal((await pubHandle.req({ request: 'configure', display: 'speaker renamed' })).configured, 'ok');
    await watchers[1].next('the new name on node 3', (d) => d.id === pubId && d.display === 'speaker renamed');
    assert.equal(arr((await watchers[1].req({ request: 'listparticipants', room: ROOM })).participants).find((p) => p.id === pubId)?.display, 'speaker renamed');

    // An operator's remote publisher on node 1, fed by the test: it crosses to nodes 2 and 3 as node 1's own
    // publishers do, node 3's subscriber gets its video and node 3's keyframe request reaches the feed. Updated
    // through node 2 and removed through node 3, it changes on node 1 and every node hears it.
    const REMOTE_ID = 7777;
    const REMOTE_STREAMS = [
      { mid: '0', mindex: 0, type: 'audio', codec: 'opus' },
      { mid: '1', mindex: 1, type: 'video', codec: 'vp8' },
    ];
    const addedRemote = await videoroomAdmin(nodes[0], { request: 'add_remote_publisher', room: ROOM, secret: 'adminpwd', id: REMOTE_ID, display: 'from afar', streams: REMOTE_STREAMS });
    assert.equal(addedRemote.videoroom, 'success', JSON.stringify(addedRemote));
    const feed = cleanup.add(feedRemote(Number(addedRemote.port), Number(addedRemote.rtcp_port), place(0).host ?? '127.0.0.1'), (f) => f.stop());
    await watchers[1].next('the remote publisher on node 3', (d) => arr(d.publishers).some((p) => p.id === REMOTE_ID && p.display === 'from afar'));
    const afar = cleanup.add(new TestSubscriber(network, clientBind), (s) => s.close());
    await afar.subscribe(await open(2), ROOM, REMOTE_ID);
    await waitFor(() => afar.received.video > 5, { timeout: 10_000, what: "node 1's remote publisher received on node 3" });
    assert.equal((await remotes(nodes[0], REMOTE_ID)).join(), 'span-node-2,span-node-3');
    await sleep(1500);
    const feedPlis = feed.plis.length;
    await afar.requestKeyframe();
    await waitFor(() => feed.plis.length > feedPlis, { timeout: 3_000, what: "node 3's keyframe request to reach the remote publisher's feed" });
    const updated3 = watchers[1].mark();
    const update = await watchers[0].req({ request: 'update_remote_publisher', room: ROOM, secret: 'adminpwd', id: REMOTE_ID, display: 'renamed afar', streams: REMOTE_STREAMS });
    assert.deepEqual(update, { videoroom: 'success' });
    await watchers[1].next('the remote publisher renamed, on node 3', (d) => arr(d.publishers).some((p) => p.id === REMOTE_ID && p.display === 'renamed afar'), updated3);
    // Node 3's copy of node 1's own publisher is not a remote publisher: refused as node 1 refuses it.
    assert.equal((await watchers[1].req({ request: 'remove_remote_publisher', room: ROOM, secret: 'adminpwd', id: pubId })).error_code, 428);
    assert.deepEqual(await watchers[1].req({ request: 'remove_remote_publisher', room: ROOM, secret: 'adminpwd', id: REMOTE_ID }), { videoroom: 'success' });
    for (const w of watchers) await w.next('the remote publisher leaving', (d) => d.leaving === REMOTE_ID);
    assert.ok(!(await participants(nodes[0])).includes(REMOTE_ID), 'removed on node 1');

    // A publisher on node 1 renegotiates: audio alone, then audio and video. Node 2's participant hears it
    // (`publishers` again, with the video), and node 2's subscriber, which took its audio, subscribes to the video.
    const audioHandle = await open(0);
    const audioId = (await audioHandle.req({ request: 'join', ptype: 'publisher', room: ROOM, display: 'audio first' })).id;
    const audioPub = cleanup.add(new TestPublisher(network, clientBind, undefined, true), (p) => p.close());
    await audioPub.publish(audioHandle);
    const streamsOn2 = (d: Msg): Msg[] => arr(arr(d.publishers).find((p) => p.id === audioId)?.streams);
    await watchers[0].next('the audio-only publisher on node 2', (d) => streamsOn2(d).length === 1);
    const late = cleanup.add(new TestSubscriber(network, clientBind), (s) => s.close());
    const lateHandle = await open(1);
    await late.subscribe(lateHandle, ROOM, audioId as number);
    await waitFor(() => late.received.audio > 5, { timeout: 10_000, what: "node 2's subscriber to get node 1's audio" });
    assert.equal(late.received.video, 0);
    await audioPub.addVideo(audioHandle);
    const updated = (await watchers[0].next('the publisher with video on node 2', (d) => streamsOn2(d).length === 2)).data;
    const addedVideo = streamsOn2(updated).find((x) => x.type === 'video');
    assert.equal(addedVideo?.codec, 'vp8', JSON.stringify(updated));
    await late.subscribeMore(lateHandle, [{ feed: audioId, mid: addedVideo.mid }]);
    await waitFor(() => late.received.video > 5, { timeout: 10_000, what: "node 2's subscriber to get the video node 1's publisher added" });
    await audioHandle.req({ request: 'leave' });

    // Requests about node 1's publisher asked on node 2 are answered as node 1 answers them: an RTP forwarder (its
    // packets reach a socket of the test's), the list of forwarders, its removal, a recording (the file on node 1).
    const sink = cleanup.add(await udpSink(clientBind), (k) => k.socket.close());
    const videoMid = pub.video?.mid;
    const forwarded = await watchers[0].req({ request: 'rtp_forward', room: ROOM, secret: 'adminpwd', publisher_id: pubId, host: clientBind, streams: [{ mid: videoMid, port: sink.port }] });
    assert.equal(forwarded.videoroom, 'rtp_forward', JSON.stringify(forwarded));
    assert.equal(forwarded.publisher_id, pubId);
    const forwarder = arr(forwarded.forwarders)[0];
    assert.equal(forwarder?.port, sink.port, JSON.stringify(forwarded));
    await waitFor(() => sink.packets.length > 5, { timeout: 5_000, what: "node 1's forwarder asked on node 2 to send to the test's socket" });
    const listed1 = await forwardersOn(nodes[0]);
    assert.equal(arr(listed1.publishers).length, 1, JSON.stringify(listed1));
    assert.deepEqual(await forwardersOn(nodes[1]), listed1, 'listforwarders through node 2 lists node 1s forwarder');
    const stop = { request: 'stop_rtp_forward', room: ROOM, secret: 'adminpwd', publisher_id: pubId, stream_id: forwarder.stream_id };
    assert.deepEqual(await watchers[0].req(stop), { videoroom: 'stop_rtp_forward', room: ROOM, publisher_id: pubId, stream_id: forwarder.stream_id });
    const again1 = await nodes[0].admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: stop });
    assert.deepEqual(await watchers[0].req(stop), again1.response, 'the same error through node 2 as on node 1');
    assert.deepEqual(
      await watchers[0].req({ request: 'listremotes', room: ROOM, secret: 'adminpwd', publisher_id: pubId }),
      (await nodes[0].admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'listremotes', room: ROOM, secret: 'adminpwd', publisher_id: pubId } })).response,
    );
    assert.deepEqual(await watchers[0].req({ request: 'enable_recording', room: ROOM, secret: 'adminpwd', record: true }), { videoroom: 'success', record: true });
    await waitFor(() => recordingsOf(recDirs[0], pubId).length >= 2, { timeout: 5_000, what: "node 1 to record its publisher's audio and video" });
    assert.deepEqual(await watchers[0].req({ request: 'enable_recording', room: ROOM, secret: 'adminpwd', record: false }), { videoroom: 'success', record: false });
    assert.deepEqual(recordingsOf(recDirs[1], pubId), [], 'node 2 records no copy');

    // nats-server away: what is set up keeps forwarding; back, coordination resumes (the steps below use it).
    await nats.kill();
    const before = subs.map((s) => s.received.video);
    await waitFor(() => subs.every((s, i) => s.received.video > before[i] + 25), { timeout: 5_000, what: 'media to flow on every node while NATS is away' });
    // A room created on node 2 meanwhile: answered there at once, shared with the others once NATS is back.
    assert.equal((await watchers[0].req({ request: 'create', room: 4444, description: 'made while NATS was away', secret: 's4' })).videoroom, 'created');
    await nats.start();
    await allSee(nodes, NAMES, 20_000);
    for (const w of [watchers[1], pubHandle]) {
      await waitFor(
        answers(async () => (await w.req({ request: 'exists', room: 4444 })).exists === true),
        { timeout: 8_000, what: 'room 4444, made on node 2 while NATS was away, to exist on the other nodes' },
      );
    }
    assert.equal(arr((await pubHandle.req({ request: 'list' })).list).find((r) => r.room === 4444)?.description, 'made while NATS was away');
    assert.equal((await watchers[1].req({ request: 'destroy', room: 4444, secret: 's4' })).videoroom, 'destroyed');

    // The publisher leaves: the others hear it unpublish and leave.
    await pubHandle.req({ request: 'leave' });
    for (const w of watchers) {
      await w.next('unpublished', (d) => d.unpublished === pubId);
      await w.next('leaving', (d) => d.leaving === pubId);
    }

    // A kick asked on node 2 of node 1's participant: done on node 1, heard on node 3.
    const kickedHandle = await open(0);
    const kickedId = (await kickedHandle.req({ request: 'join', ptype: 'publisher', room: ROOM, display: 'kicked' })).id;
    const pub2 = cleanup.add(new TestPublisher(network, clientBind), (p) => p.close());
    await pub2.publish(kickedHandle);
    await watchers[0].next('publishers on node 2', (d) => arr(d.publishers).some((p) => p.id === kickedId));
    const kick = await watchers[0].req({ request: 'kick', room: ROOM, secret: 'adminpwd', id: kickedId });
    assert.deepEqual(kick, { videoroom: 'success' });
    await kickedHandle.next('kicked on node 1', (d) => d.leaving === 'ok' && d.reason === 'kicked');
    await watchers[1].next('kicked on node 3', (d) => d.kicked === kickedId);
    // The same errors as on node 1: a wrong secret.
    assert.equal((await watchers[0].req({ request: 'kick', room: ROOM, secret: 'wrong', id: kickedId })).error_code, 433);

    // A room created on node 2 exists on node 3; a publisher on node 1 talks there, node 3's participant hears it;
    // destroyed from node 3, node 1's participant hears it.
    const created = await watchers[0].req({ request: 'create', room: 4321, description: 'Spanning', secret: 's3', audiolevel_event: true, audio_active_packets: 10, audio_level_average: 40 });
    assert.equal(created.videoroom, 'created');
    await waitFor(
      answers(async () => (await watchers[1].req({ request: 'exists', room: 4321 })).exists === true),
      { timeout: 5_000, what: 'room 4321 to exist on node 3' },
    );
    const listed = arr((await watchers[1].req({ request: 'list' })).list).find((r) => r.room === 4321);
    assert.equal(listed?.description, 'Spanning');
    const listener = await open(2);
    assert.equal((await listener.req({ request: 'join', ptype: 'publisher', room: 4321 })).videoroom, 'joined');
    const inRoom = await open(0);
    const talkerId = (await inRoom.req({ request: 'join', ptype: 'publisher', room: 4321 })).id;
    const talker = cleanup.add(new TestPublisher(network, clientBind, 20), (p) => p.close());
    await talker.publish(inRoom);
    const talking = (await listener.next('talking on node 3', (d) => d.videoroom === 'talking' && d.id === talkerId)).data;
    assert.ok((talking['audio-level-dBov-avg'] as number) < 40, JSON.stringify(talking));
    assert.equal((await watchers[1].req({ request: 'destroy', room: 4321, secret: 's3' })).videoroom, 'destroyed');
    await inRoom.next('destroyed on node 1', (d) => d.videoroom === 'destroyed' && d.room === 4321);
    await waitFor(
      answers(async () => (await watchers[0].req({ request: 'exists', room: 4321 })).exists === false),
      { timeout: 5_000, what: 'room 4321 gone on node 2' },
    );

    // Node 1 killed with a publisher: the others hear it go within the heartbeat time; the room lives on.
    const lastHandle = await open(0);
    const lastId = (await lastHandle.req({ request: 'join', ptype: 'publisher', room: ROOM, display: 'last' })).id;
    const pub3 = cleanup.add(new TestPublisher(network, clientBind), (p) => p.close());
    await pub3.publish(lastHandle);
    for (const w of watchers) await w.next('publishers', (d) => arr(d.publishers).some((p) => p.id === lastId));
    const t0 = Date.now();
    await nodes[0].kill();
    for (const w of watchers) await w.next('leaving after the kill', (d) => d.leaving === lastId, 0, NOTICED_WITHIN_MS + 2000);
    const took = Date.now() - t0;
    assert.ok(took < NOTICED_WITHIN_MS, `noticed after ${took} ms`);
    assert.ok(!(await participants(nodes[1])).includes(lastId));
    assert.ok((await participants(nodes[1])).length >= 1, 'the room lives on');

    // Node 1 back under its name: its clients publish again through the normal path.
    nodes[0] = cleanup.add(await startNode(NAMES[0], url, { heartbeatMs: HEARTBEAT_MS, env, args: nodeArgs(0), place: place(0) }), (n) => n.server.stop());
    await allSee(nodes, NAMES, 10_000);
    // A viewer alone through node 1, where nobody is in the room: node 2's publisher crosses to it on the spot.
    const pub5 = cleanup.add(new TestPublisher(network, clientBind), (p) => p.close());
    await pub5.publish(watchers[0]);
    const viewer = cleanup.add(new TestSubscriber(network, clientBind), (s) => s.close());
    await viewer.subscribe(await open(0), ROOM, watcherIds[0] as number);
    await waitFor(() => viewer.received.video > 5, { timeout: 10_000, what: "node 2's publisher received through node 1 by a subscriber alone there" });
    const again = await open(0);
    const againId = (await again.req({ request: 'join', ptype: 'publisher', room: ROOM, display: 'again' })).id;
    const pub4 = cleanup.add(new TestPublisher(network, clientBind), (p) => p.close());
    await pub4.publish(again);
    for (const w of watchers) await w.next('publishers after the restart', (d) => arr(d.publishers).some((p) => p.id === againId));
  } finally {
    await cleanup.run();
  }
}

test('one VideoRoom over three nodes without IPv6, on loopback', { skip: missing(NATS_SERVER), timeout: 120_000 }, async () => {
  await scenario('127.0.0.1', () => ({}), 'lo', '127.0.0.1');
});

test(
  'one VideoRoom over three nodes in network namespaces on one bridge (198.18.0.0/15), SRTP between nodes',
  { skip: missing(NATS_SERVER) || namespacesUnavailable(), timeout: 120_000 },
  async () => {
    const net = bridgedNamespaces(3);
    try {
      await scenario(net.hostAddress, (i) => ({ prefix: net.prefix(i), host: net.addresses[i] }), 'eth0', net.hostAddress, true);
    } finally {
      net.remove();
    }
  },
);

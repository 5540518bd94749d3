// Streaming over three nodes (docs/cluster.md): nats-server with JetStream and three node processes without
// IPv6. An `rtp` mountpoint created on node 1 and fed by a UDP sender is listed and described on node 2, watched
// by werift viewers on nodes 2 (two of them) and 3, each receiving RTP; node 1 feeds each other node once
// (its `feeding` list, and a copy's packets no more than the source's), and goes on while nats-server is
// killed and started again; the last viewer on node 3 leaving stops the feed to node 3; an edit asked on node 2
// is seen on node 3; a destroy asked on node 3 (carried to node 1) ends node 2's viewers (`stopped`); node 1
// killed: node 2's viewers of another mountpoint are told the same. On loopback and in network namespaces.
// A `webrtc` mountpoint made by a WHIP publisher on node 1 is watched on node 2: a viewer joining there sends
// the publisher a keyframe request; the publisher leaving ends node 2's viewers.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { Cleanup, missing, NATS_SERVER } from '../../helpers/brokers.js';
import type { ChildPlace } from '../../helpers/child-server.js';
import { allSee, answers, startCluster, type NodeOptions, type NodeProcess } from '../../helpers/cluster-nodes.js';
import { bridgedNamespaces, namespacesUnavailable } from '../../helpers/netns.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { arr, obj } from '../../helpers/videoroom-peers.js';
import { RtpHeader, RtpPacket } from 'werift';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { rtpPacket, VP8_KEYFRAME } from '../../../support/rtp-packets.js';
import { clientOffer, createTrackClient } from '../../../support/werift-client.js';
import { watch, type Viewer } from '../../../support/streaming-viewer.js';
import { waitFor } from '../../../support/wait.js';

const HEARTBEAT_MS = 200;
const LOST_AFTER = 3;
const NOTICED_WITHIN_MS = HEARTBEAT_MS * (LOST_AFTER + 2) + 1500;
const NAMES = ['node-1', 'node-2', 'node-3'];

async function streaming(node: NodeProcess, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await node.admin({ janus: 'message_plugin', plugin: 'janus.plugin.streaming', request });
  return obj(r.response);
}

async function info(node: NodeProcess, id: number): Promise<Record<string, unknown>> {
  return obj((await streaming(node, { request: 'info', id, secret: 'mpsecret' })).info);
}

async function listed(node: NodeProcess): Promise<Array<Record<string, unknown>>> {
  return arr((await streaming(node, { request: 'list' })).list);
}

/** Creates an `rtp` mountpoint on `node` (Opus and VP8, the video buffering its keyframe; or `media`); resolves with its create answer's ports. */
async function createRtp(node: NodeProcess, id: number, address: string, media?: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
  const created = await streaming(node, {
    request: 'create',
    type: 'rtp',
    id,
    description: `mountpoint ${id}`,
    secret: 'mpsecret',
    media: media ?? [
      { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus', iface: address },
      { type: 'video', mid: 'v', port: 0, pt: 96, codec: 'vp8', iface: address, bufferkf: true },
    ],
  });
  assert.equal(created.streaming, 'created', JSON.stringify(created));
  return arr(obj(created.stream).ports);
}

/** A VP8 payload: a keyframe or not (the P bit of its first byte), then `tag`. */
function vp8(keyframe: boolean, tag = ''): Buffer {
  return Buffer.concat([Buffer.from([0x10, keyframe ? 0x10 : 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0]), Buffer.from(tag)]);
}

/** Whether a viewer's payload is VP8 (the test's audio starts with 0xf8), and whether it is a keyframe. */
const isVideo = (p: Buffer): boolean => p[0] === 0x10;
const isKeyframe = (p: Buffer): boolean => (p[1] & 1) === 0;

/** Sends `packets(seq)` (datagram, port) every 20 ms to `address`; returns what stops it. */
function feed(address: string, packets: (seq: number) => Array<[Buffer, number]>): () => void {
  const socket = dgram.createSocket('udp4');
  let seq = 0;
  const timer = setInterval(() => {
    seq++;
    for (const [datagram, port] of packets(seq)) socket.send(datagram, port, address);
  }, 20);
  let stopped = false;
  return () => {
    clearInterval(timer);
    if (!stopped) socket.close();
    stopped = true;
  };
}

/** Opus-like RTP and VP8 with a keyframe every 5 s only (so that a viewer's first being one shows the buffer). */
function feedRtp(ports: ReadonlyArray<Record<string, unknown>>, address: string): () => void {
  return feed(address, (seq) => [
    [rtpPacket({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: seq * 960, ssrc: 0x1111, payload: Buffer.from([0xf8, 0xff, 0xfe, seq & 0xff]) }), Number(ports[0].port)],
    [rtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: seq * 3000, ssrc: 0x2222, marker: true, payload: vp8(seq % 250 === 1) }), Number(ports[1].port)],
  ]);
}

/** VP8 on three simulcast ports (a keyframe every 10th packet, the payload naming its layer) and a data message every 5th. */
function feedSimulcast(ports: ReadonlyArray<Record<string, unknown>>, address: string): () => void {
  const video = ports[0];
  return feed(address, (seq) => {
    const out: Array<[Buffer, number]> = [video.port, video.port_2, video.port_3].map((port, layer) => [
      rtpPacket({ payloadType: 96, sequenceNumber: (seq + layer * 10000) & 0xffff, timestamp: seq * 3000, ssrc: 0x5000 + layer, marker: true, payload: vp8(seq % 10 === 0, `layer${layer}`) }),
      Number(port),
    ]);
    if (seq % 5 === 0) out.push([Buffer.from(`message ${seq}`), Number(ports[1].port)]);
    return out;
  });
}

/** The layers a viewer's VP8 payloads named, in order, from the `from`-th payload on. */
function layersOf(v: Viewer, from = 0): string[] {
  return v.raw
    .slice(from)
    .filter(isVideo)
    .map((p) => p.subarray(16).toString());
}

/**
 * Nodes without IPv6 (the shim), a short heartbeat, sessions that do not time out; node i at `place(i)`, with
 * cluster.srtp where `srtp(i)` (what a node receives from the others is then SRTP).
 */
async function nodeOptions(place: (i: number) => ChildPlace = () => ({}), srtp: (i: number) => boolean = () => false): Promise<(i: number) => NodeOptions> {
  const env = await noIpv6Env();
  return (i) => {
    const host = place(i).host;
    // In a namespace the node's ICE candidates are on its address there (not loopback).
    return { heartbeatMs: HEARTBEAT_MS, env, place: place(i), args: ['--general.session_timeout=0', `--cluster.srtp=${srtp(i)}`, ...(host ? [`--nat.ice_enforce_list=${host}`] : [])] };
  };
}

/** Where the test runs its side: NATS, the nodes (their addresses), and its own senders and viewers. */
interface Layout {
  readonly natsHost: string;
  readonly place: (i: number) => ChildPlace;
  readonly nodeAddress: (i: number) => string;
  readonly clientAddress: string;
  /** The nodes with cluster.srtp. */
  readonly srtp: (i: number) => boolean;
}

/** On loopback node 2 alone has cluster.srtp: node 1 feeds it SRTP and node 3 plain RTP. */
const LOOPBACK: Layout = { natsHost: '127.0.0.1', place: () => ({}), nodeAddress: () => '127.0.0.1', clientAddress: '127.0.0.1', srtp: (i) => i === 1 };

function packetsOf(mp: Record<string, unknown>): number {
  return arr(mp.media).reduce((n, m) => n + Number(m.packets), 0);
}

/** The three-node story, with the nodes and the test's side placed as `layout` says. */
async function threeNodes(layout: Layout): Promise<void> {
  const cleanup = new Cleanup();
  const network = new HostNetwork(await discoverNetworkHost());
  try {
    const { nats, nodes } = await startCluster(cleanup, NAMES, await nodeOptions(layout.place, layout.srtp), layout.natsHost);
    const viewer = async (i: number, id: number): Promise<Viewer> =>
      cleanup.add(await watch(nodes[i].server.wsUrl, network, id, { bind: layout.clientAddress, serverAddress: layout.nodeAddress(i) }), (v) => v.leave().catch(() => undefined));

    // Created on node 1, fed there; listed and described on node 2 with the node of its source.
    const stopFeeding = feedRtp(await createRtp(nodes[0], 77, layout.nodeAddress(0)), layout.nodeAddress(0));
    cleanup.add(stopFeeding, (stop) => stop());
    await waitFor(
      answers(async () => (await listed(nodes[1])).some((m) => m.id === 77)),
      { timeout: 5_000, what: 'mountpoint 77 listed on node 2' },
    );
    const entry = (await listed(nodes[1])).find((m) => m.id === 77)!;
    assert.equal(entry.node, 'node-1');
    assert.equal(entry.description, 'mountpoint 77');
    const described = await info(nodes[1], 77);
    assert.equal(described.node, 'node-1');
    assert.deepEqual(
      arr(described.media).map((m) => [m.mid, m.codec]),
      [
        ['a', 'opus'],
        ['v', 'vp8'],
      ],
    );
    // Without the secret, node 2 answers as node 1 would: no name.
    assert.equal(obj((await streaming(nodes[1], { request: 'info', id: 77 })).info).name, undefined);

    // Two viewers on node 2, one on node 3: all receive; node 1 feeds each node once.
    const viewers = [await viewer(1, 77), await viewer(1, 77), await viewer(2, 77)];
    await waitFor(() => viewers.every((v) => v.seqs.length > 20), { timeout: 10_000, what: 'every viewer to receive RTP' });
    assert.deepEqual((await info(nodes[0], 77)).feeding, ['node-2', 'node-3']);
    // SRTP to the nodes with cluster.srtp, each with a key it chose; plain RTP to the others.
    assert.deepEqual(
      (await info(nodes[0], 77)).feeding_srtp,
      [1, 2].filter(layout.srtp).map((i) => NAMES[i]),
    );
    // Keyframes every 5 s only: each viewer's first video is one all the same, the buffered keyframe (bufferkf),
    // given by node 1 to each node's copy as it is fed, and by the copy to its joining viewers.
    for (const v of viewers) assert.ok(isKeyframe(v.raw.find(isVideo)!), "a viewer's first video is the buffered keyframe");
    const copyPackets = packetsOf(await info(nodes[1], 77));
    const sourcePackets = packetsOf(await info(nodes[0], 77));
    assert.ok(copyPackets > 0 && copyPackets <= sourcePackets, `node 2 got ${copyPackets} packets, node 1 received ${sourcePackets}: once, not once per viewer`);
    assert.equal((await info(nodes[1], 77)).viewers, 2, "node 2's own viewers");

    // nats-server away: the feeds set up keep sending; back, coordination resumes (the steps below use it).
    await nats.kill();
    const during = viewers.map((v) => v.seqs.length);
    await waitFor(() => viewers.every((v, i) => v.seqs.length > during[i] + 25), { timeout: 5_000, what: 'media on nodes 2 and 3 while NATS is away' });
    await nats.start();
    await allSee(nodes, NAMES, 20_000);

    // The last viewer on node 3 leaves: node 1 stops feeding node 3, node 2 still gets it.
    await viewers[2].leave();
    await waitFor(
      answers(async () => JSON.stringify((await info(nodes[0], 77)).feeding) === '["node-2"]'),
      { timeout: 5_000, what: 'node 1 to feed node 2 only' },
    );
    const before = viewers[0].seqs.length;
    await waitFor(() => viewers[0].seqs.length > before + 10, { timeout: 5_000, what: 'node 2 still receiving' });

    // An edit asked on node 2 is made on node 1 and seen on node 3; a wrong secret is refused as node 1 refuses it.
    assert.equal((await streaming(nodes[1], { request: 'edit', id: 77, secret: 'mpsecret', new_description: 'edited' })).streaming, 'edited');
    await waitFor(
      answers(async () => (await info(nodes[2], 77)).description === 'edited'),
      { timeout: 5_000, what: 'the edit seen on node 3' },
    );
    assert.equal((await streaming(nodes[1], { request: 'edit', id: 77, secret: 'wrong', new_description: 'no' })).error_code, 457);
    // New metadata with edited_event, asked on node 3: node 2's viewers hear it as node 1's would.
    assert.equal((await streaming(nodes[2], { request: 'edit', id: 77, secret: 'mpsecret', new_metadata: 'm2', edited_event: true })).streaming, 'edited');
    for (const v of viewers.slice(0, 2)) await v.notified('edited on node 2', (d) => d.event === 'edited' && d.id === 77 && d.metadata === 'm2');

    // kick_all asked on node 3: node 2's viewers are kicked too; node 1 stops feeding it.
    assert.equal((await streaming(nodes[2], { request: 'kick_all', id: 77, secret: 'mpsecret' })).streaming, 'kicked_all');
    for (const v of viewers.slice(0, 2)) await v.notified('kicked on node 2', (d) => obj(d.result).status === 'kicked_all');
    await waitFor(
      answers(async () => arr((await info(nodes[0], 77)).feeding).length === 0),
      { timeout: 5_000, what: 'node 1 to feed nobody' },
    );
    // A viewer joining node 2 again (its copy fed anew) gets the buffered keyframe at once too, not the source's
    // next one seconds later. One live packet may come before it: the copy's buffer is refilled by node 1 as the
    // viewer starts.
    const again = await viewer(1, 77);
    await waitFor(() => again.raw.filter(isVideo).length >= 3, { timeout: 10_000, what: 'video for the viewer back on node 2' });
    const firstVideo = again.raw.filter(isVideo).slice(0, 3);
    assert.ok(firstVideo.some(isKeyframe), `the buffered keyframe among the first video packets (${firstVideo.map((b) => b.subarray(0, 2).toString('hex')).join(' ')})`);

    // A destroy asked on node 3: done on node 1, node 2's viewer hears `stopped`; the mountpoint is gone everywhere.
    assert.equal((await streaming(nodes[2], { request: 'destroy', id: 77, secret: 'mpsecret' })).streaming, 'destroyed');
    await again.notified('stopped on node 2', (d) => obj(d.result).status === 'stopped');
    for (const n of nodes) {
      await waitFor(
        answers(async () => !(await listed(n)).some((m) => m.id === 77)),
        { timeout: 5_000, what: `mountpoint 77 gone on ${n.name}` },
      );
    }
    stopFeeding();

    // Simulcast and data over nodes: node 2's viewer gets the highest substream, picks substream 0, gets the data.
    const address = layout.nodeAddress(0);
    const simulcastPorts = await createRtp(nodes[0], 78, address, [
      { type: 'video', mid: 'v', port: 0, port2: 0, port3: 0, simulcast: true, pt: 96, codec: 'vp8', iface: address },
      { type: 'data', mid: 'd', port: 0, iface: address },
    ]);
    cleanup.add(feedSimulcast(simulcastPorts, address), (stop) => stop());
    await waitFor(
      answers(async () => (await listed(nodes[1])).some((m) => m.id === 78)),
      { timeout: 5_000, what: 'mountpoint 78 listed on node 2' },
    );
    const last = await viewer(1, 78);
    await waitFor(() => layersOf(last).length > 10 && last.data.length > 2, { timeout: 10_000, what: 'the viewer of 78 to receive video and data' });
    assert.deepEqual([...new Set(layersOf(last))], ['layer2'], 'the highest substream by default');
    assert.match(last.data[0], /^message \d+$/);
    const before0 = last.raw.length;
    await last.configure({ substream: 0 });
    await waitFor(() => layersOf(last, before0).includes('layer0'), { timeout: 5_000, what: 'substream 0 on node 2' });
    const switched = layersOf(last, before0);
    assert.ok(
      switched.slice(switched.indexOf('layer0')).every((l) => l === 'layer0'),
      'substream 0 alone after the switch',
    );

    // Node 1 killed while node 2 watches another of its mountpoints: node 2's viewer is told within the heartbeat time.
    const t0 = Date.now();
    await nodes[0].kill();
    await last.notified('stopped after the kill', (d) => obj(d.result).status === 'stopped', NOTICED_WITHIN_MS + 2000);
    const took = Date.now() - t0;
    assert.ok(took < NOTICED_WITHIN_MS, `told after ${took} ms`);
    for (const n of nodes.slice(1)) {
      await waitFor(
        answers(async () => !(await listed(n)).some((m) => m.id === 78)),
        { timeout: NOTICED_WITHIN_MS, what: `mountpoint 78 gone on ${n.name}` },
      );
    }
  } finally {
    await cleanup.run();
  }
}

test('Streaming over three nodes: a mountpoint of node 1 watched on nodes 2 and 3, fed once per node, destroyed, its node killed', { skip: missing(NATS_SERVER), timeout: 120_000 }, async () => {
  await threeNodes(LOOPBACK);
});

test('the same with the nodes in network namespaces on one bridge (198.18.0.0/15)', { skip: missing(NATS_SERVER) || namespacesUnavailable(), timeout: 120_000 }, async () => {
  const net = bridgedNamespaces(3);
  try {
    await threeNodes({
      natsHost: net.hostAddress,
      place: (i) => ({ prefix: net.prefix(i), host: net.addresses[i] }),
      nodeAddress: (i) => net.addresses[i],
      clientAddress: net.hostAddress,
      srtp: () => true,
    });
  } finally {
    net.remove();
  }
});

test(
  'Streaming over two nodes: a WHIP publisher on node 1 watched on node 2, keyframe requests reaching it, its leaving ending the viewers',
  { skip: missing(NATS_SERVER), timeout: 90_000 },
  async () => {
    const cleanup = new Cleanup();
    const network = new HostNetwork(await discoverNetworkHost());
    try {
      // Node 2 with cluster.srtp: its keyframe requests go back to node 1 as SRTCP.
      const { nodes } = await startCluster(cleanup, NAMES.slice(0, 2), await nodeOptions(undefined, (i) => i === 1));

      // The publisher: WHIP into node 1, a mountpoint made for it, VP8 every 20 ms.
      const pub = cleanup.add(createTrackClient(network, ['audio', 'video'], 'sendonly'), (c) => c.close());
      let plis = 0;
      pub.transceivers.video!.sender.onPictureLossIndication.subscribe(() => plis++);
      const base = nodes[0].server.restUrl.replace(/\/janus$/, '');
      const res = await fetch(`${base}/whip/streaming/6100`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: await clientOffer(pub) });
      const answer = await res.text();
      assert.equal(res.status, 201, answer);
      await pub.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(answer) });
      await waitFor(() => pub.pc.connectionState === 'connected', { timeout: 10_000, what: 'the publisher connected' });
      const sender = pub.transceivers.video!.sender;
      let seq = 0;
      const timer = setInterval(() => {
        seq++;
        void sender
          .sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq * 3000, payloadType: sender.codec?.payloadType ?? 96, ssrc: 0x3333, marker: true }), VP8_KEYFRAME))
          .catch(() => undefined);
      }, 20);
      cleanup.add(timer, (t) => clearInterval(t));

      // Node 2 shows it with its streams once the publisher's offer made them.
      await waitFor(
        answers(async () => arr((await info(nodes[1], 6100)).media).length === 2),
        { timeout: 5_000, what: 'mountpoint 6100 with its streams on node 2' },
      );
      const first = cleanup.add(await watch(nodes[1].server.wsUrl, network, 6100), (v) => v.leave().catch(() => undefined));
      await waitFor(() => first.seqs.length > 20, { timeout: 10_000, what: "node 2's viewer to receive the publisher's video" });

      // A second viewer on node 2 (node 1 already feeds node 2): its keyframe request reaches the publisher.
      await new Promise((r) => setTimeout(r, 1200));
      const before = plis;
      const second = cleanup.add(await watch(nodes[1].server.wsUrl, network, 6100), (v) => v.leave().catch(() => undefined));
      await waitFor(() => plis > before, { timeout: 5_000, what: "a keyframe request from node 2's new viewer at the publisher" });
      assert.deepEqual((await info(nodes[0], 6100)).feeding, ['node-2']);
      assert.deepEqual((await info(nodes[0], 6100)).feeding_srtp, ['node-2']);

      // The publisher leaves: the mountpoint goes with it, node 2's viewers hear `stopped`.
      const location = res.headers.get('location')!;
      assert.equal((await fetch(base + location, { method: 'DELETE' })).status, 200);
      for (const v of [first, second]) await v.notified('stopped on node 2', (d) => obj(d.result).status === 'stopped');
      await waitFor(
        answers(async () => !(await listed(nodes[1])).some((m) => m.id === 6100)),
        { timeout: 5_000, what: 'mountpoint 6100 gone on node 2' },
      );
    } finally {
      await cleanup.run();
    }
  },
);

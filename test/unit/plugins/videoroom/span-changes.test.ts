// The VideoRoom over many nodes on a fake cluster door: room changes made while NATS is away written once it is
// back (the newer change of a room wins, a destruction over any), and a publisher's renegotiation on one node
// (new stream, stream disabled) heard by the room as Janus tells it; a publisher kicked while its crossing to
// another node is being set up has its copy there removed as kicked, a new name reaches a copy that is up, and
// the copy of another node's publisher takes its RTCP from that node's media address only.
// No NATS, no server, no kernel socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep, NegotiatedMedia } from '../../../../src/plugin-api/media-types.js';
import type { PluginCluster, PluginClusterEvent } from '../../../../src/plugin-api/plugin.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import { VideoRoomPlugin } from '../../../../src/plugins/videoroom/videoroom.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

const OFFER: Jsep = { type: 'offer', sdp: 'v=0\r\n' };
const AUDIO: NegotiatedMedia = { mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 }, direction: 'sendonly' };
const VIDEO: NegotiatedMedia = { mid: '1', kind: 'video', index: 1, codec: { name: 'vp8', pt: 96, clockRate: 90000 }, direction: 'sendonly' };

/** A door to a cluster of one node, whose NATS can be taken away; other nodes' records are written by the test. */
class FakeDoor implements PluginCluster {
  readonly node = 'node-b';
  readonly srtp = false;
  natsAway = false;
  readonly stored = new Map<string, JsonObject>();
  private readonly listeners: ((e: PluginClusterEvent) => void)[] = [];
  /** Other nodes holding every room (their media on loopback), and what this node asked of them. */
  others: string[] = [];
  readonly asked: { node: string; body: JsonObject; answer: (a: JsonObject) => void }[] = [];
  hold(): void {}
  release(): void {}
  holders(): string[] {
    return this.others.length ? [this.node, ...this.others] : [];
  }
  mediaAddress(node: string): string | undefined {
    return this.others.includes(node) ? '127.0.0.1' : undefined;
  }
  on(listener: (e: PluginClusterEvent) => void): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }
  request(node: string, body: JsonObject): Promise<JsonObject> {
    if (!this.others.includes(node)) return Promise.reject(new Error('no other node'));
    return new Promise((answer) => this.asked.push({ node, body, answer }));
  }
  /** What the plugin answers other nodes with (set when it starts). */
  served: ((from: string, body: JsonObject) => Promise<JsonObject>) | undefined;
  serve(handler: (from: string, body: JsonObject) => Promise<JsonObject>): void {
    this.served = handler;
  }
  async putRecord(key: string, value: JsonObject): Promise<void> {
    if (this.natsAway) throw new Error('not connected to NATS');
    this.stored.set(key, value);
    this.emit({ type: 'record', key, value, by: this.node });
  }
  async deleteRecord(key: string): Promise<void> {
    if (this.natsAway) throw new Error('not connected to NATS');
    this.stored.delete(key);
    this.emit({ type: 'record', key, value: undefined, by: undefined });
  }
  records(): ReadonlyMap<string, JsonObject> {
    return this.stored;
  }
  emit(e: PluginClusterEvent): void {
    for (const l of this.listeners) l(e);
  }
  /** Another node writes a record (seen by this node's watch). */
  written(key: string, value: JsonObject, by: string): void {
    this.stored.set(key, value);
    this.emit({ type: 'record', key, value, by });
  }
}

let nextHandle = 1;

async function started(cluster?: PluginCluster, network = new FakeNetwork()): Promise<{ plugin: VideoRoomPlugin; attach: () => FakePluginHandle }> {
  const plugin = new VideoRoomPlugin();
  await plugin.init({ log: Logger.create({ level: 0, timestamps: false }), network, config: {}, recordingsDir: 'recordings', relayGroup: () => new PlainRelayGroup(), cluster });
  const attach = (): FakePluginHandle => {
    const h = new FakePluginHandle({ id: nextHandle++ });
    plugin.createSession(h);
    return h;
  };
  return { plugin, attach };
}

async function data(plugin: VideoRoomPlugin, h: FakePluginHandle, body: JsonObject, jsep?: Jsep): Promise<JsonObject> {
  return (await sendMessage(plugin, h, body, jsep)).data;
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a room created, edited and destroyed while NATS is away reaches the records once NATS is back', async () => {
  const door = new FakeDoor();
  const { plugin, attach } = await started(door);
  const h = attach();
  door.natsAway = true;
  assert.equal((await data(plugin, h, { request: 'create', room: 77, description: 'offline' })).videoroom, 'created');
  assert.equal((await data(plugin, h, { request: 'edit', room: 77, new_description: 'offline, edited' })).videoroom, 'edited');
  await settle();
  assert.equal(door.stored.size, 0, 'nothing written while NATS is away');
  door.natsAway = false;
  door.emit({ type: 'records-read' });
  await settle();
  const record = door.stored.get('n77');
  assert.equal((record?.settings as JsonObject | undefined)?.description, 'offline, edited');
  assert.equal(typeof record?.at, 'number');
  assert.equal(record?.node, 'node-b');
  door.natsAway = true;
  assert.equal((await data(plugin, h, { request: 'destroy', room: 77 })).videoroom, 'destroyed');
  door.natsAway = false;
  door.emit({ type: 'records-read' });
  await settle();
  assert.equal(door.stored.has('n77'), false, 'the destruction written once NATS is back');
  plugin.destroy();
});

test('the newer change of a room wins: an older record neither undoes a change not written yet nor one written', async () => {
  const door = new FakeDoor();
  const { plugin, attach } = await started(door);
  const h = attach();
  const description = async (): Promise<unknown> => (((await data(plugin, h, { request: 'list' })).list as JsonObject[]).find((r) => r.room === 78) ?? {}).description;
  assert.equal((await data(plugin, h, { request: 'create', room: 78, description: 'mine' })).videoroom, 'created');
  await settle();
  const mine = door.stored.get('n78')!;
  // Another node's change made earlier than this node's (it was away from NATS): not applied, ours written again.
  door.written('n78', { settings: { ...(mine.settings as JsonObject), description: 'older' }, permanent: false, at: (mine.at as number) - 1000, node: 'node-c' }, 'node-c');
  await settle();
  assert.equal(await description(), 'mine');
  assert.equal((door.stored.get('n78')?.settings as JsonObject).description, 'mine', 'our newer change written back');
  // A newer one is applied.
  door.written('n78', { settings: { ...(mine.settings as JsonObject), description: 'newer' }, permanent: false, at: (mine.at as number) + 1000, node: 'node-c' }, 'node-c');
  await settle();
  assert.equal(await description(), 'newer');
  // This node's change while NATS is away, older than what another node writes meanwhile: dropped, theirs stays.
  door.natsAway = true;
  assert.equal((await data(plugin, h, { request: 'edit', room: 78, new_description: 'mine again' })).videoroom, 'edited');
  door.natsAway = false;
  door.written('n78', { settings: { ...(mine.settings as JsonObject), description: 'newest' }, permanent: false, at: Date.now() + 60_000, node: 'node-c' }, 'node-c');
  door.emit({ type: 'records-read' });
  await settle();
  assert.equal(await description(), 'newest');
  assert.equal((door.stored.get('n78')?.settings as JsonObject).description, 'newest');
  // A destruction wins over a change not written yet.
  door.natsAway = true;
  await data(plugin, h, { request: 'edit', room: 78, new_description: 'lost' });
  door.natsAway = false;
  door.stored.delete('n78');
  door.emit({ type: 'record', key: 'n78', value: undefined, by: undefined });
  door.emit({ type: 'records-read' });
  await settle();
  assert.equal((await data(plugin, h, { request: 'exists', room: 78 })).exists, false);
  assert.equal(door.stored.has('n78'), false);
  plugin.destroy();
});

test('a publisher renegotiates: a new stream and a stream it stops sending are heard by the room (publishers), as Janus tells it', async () => {
  const { plugin, attach } = await started();
  const watcher = attach();
  const pub = attach();
  assert.equal((await data(plugin, watcher, { request: 'create', room: 79 })).videoroom, 'created');
  await data(plugin, watcher, { request: 'join', ptype: 'publisher', room: 79 });
  pub.media = [AUDIO];
  assert.equal((await sendMessage(plugin, pub, { request: 'joinandconfigure', ptype: 'publisher', room: 79, id: 5 }, OFFER)).data.videoroom, 'joined');
  plugin.setupMedia(pub);
  const streamsHeard = (): JsonObject[][] => watcher.events.flatMap((e) => ((e.data.publishers as JsonObject[] | undefined) ?? []).filter((p) => p.id === 5).map((p) => p.streams as JsonObject[]));
  assert.equal(streamsHeard().length, 1);
  pub.media = [AUDIO, VIDEO];
  const configured = await data(plugin, pub, { request: 'configure' }, OFFER);
  assert.equal(configured.configured, 'ok');
  assert.deepEqual(
    (configured.streams as JsonObject[]).map((s) => [s.type, s.mid, s.codec]),
    [
      ['audio', '0', 'opus'],
      ['video', '1', 'vp8'],
    ],
  );
  assert.equal(streamsHeard().length, 2);
  assert.deepEqual(
    streamsHeard()[1].map((s) => [s.type, s.codec]),
    [
      ['audio', 'opus'],
      ['video', 'vp8'],
    ],
  );
  // The video m-line offered inactive: the stream stays, disabled.
  pub.media = [AUDIO, { ...VIDEO, direction: 'inactive' }];
  await data(plugin, pub, { request: 'configure' }, OFFER);
  assert.equal(streamsHeard()[2][1].disabled, true);
  const listed = ((await data(plugin, watcher, { request: 'listparticipants', room: 79 })).participants as JsonObject[]).find((p) => p.id === 5);
  assert.equal(listed?.publisher, true);
  plugin.destroy();
});

test('a publisher kicked while it crosses to another node: the copy made there after the kick goes as kicked; a new name reaches a copy that is up', async () => {
  const door = new FakeDoor();
  door.others = ['node-c'];
  const { plugin, attach } = await started(door);
  const admin = attach();
  assert.equal((await data(plugin, admin, { request: 'create', room: 80 })).videoroom, 'created');
  const publish = async (id: number): Promise<FakePluginHandle> => {
    const h = attach();
    h.media = [AUDIO, VIDEO];
    await sendMessage(plugin, h, { request: 'joinandconfigure', ptype: 'publisher', room: 80, id, display: `p${id}` }, OFFER);
    plugin.setupMedia(h);
    await settle();
    return h;
  };
  const asked = (request: string, id: number) => door.asked.filter((a) => a.body.request === request && ((a.body.publisher as JsonObject | undefined)?.id ?? a.body.id) === id);

  await publish(6);
  const [add] = asked('span_add', 6);
  assert.ok(add, 'node-c is asked to make a copy');
  // The kick comes before node-c's answer: the removal it sends arrives before the copy exists there.
  assert.equal((await data(plugin, admin, { request: 'kick', room: 80, id: 6 })).videoroom, 'success');
  assert.deepEqual(
    asked('span_remove', 6).map((a) => a.body.how),
    ['kicked'],
  );
  add.answer({ port: 20000, rtcp_port: 20001 });
  await settle();
  await settle();
  assert.deepEqual(
    asked('span_remove', 6).map((a) => a.body.how),
    ['kicked', 'kicked'],
    'the copy made after the kick is removed as kicked',
  );

  const renamed = await publish(7);
  asked('span_add', 7)[0].answer({ port: 20002, rtcp_port: 20003 });
  for (let i = 0; i < 5; i++) await settle();
  assert.equal((await data(plugin, renamed, { request: 'configure', display: 'seven' })).configured, 'ok');
  const update = door.asked.find((a) => a.body.request === 'span_update' && a.body.renamed === true);
  assert.equal((update?.body.publisher as JsonObject | undefined)?.display, 'seven', 'the copy is renamed');
  plugin.destroy();
});

test("the copy of another node's publisher latches that node's RTCP only: its keyframe request goes there, not to a stranger", async () => {
  const door = new FakeDoor();
  door.others = ['node-c'];
  // The host has node-c's media address (loopback, as the door says) and a stranger's.
  const network = new FakeNetwork({
    host: {
      ipv6Available: false,
      interfaces: [
        { name: 'lo', address: '127.0.0.1', family: 4, internal: true },
        { name: 'eth0', address: '10.0.0.66', family: 4, internal: false },
      ],
    },
  });
  const { plugin, attach } = await started(door, network);
  const here = attach();
  assert.equal((await data(plugin, here, { request: 'create', room: 81 })).videoroom, 'created');
  await data(plugin, here, { request: 'join', ptype: 'publisher', room: 81 });
  const added = await door.served!('node-c', { request: 'span_add', room: 81, publisher: { id: 9, streams: [{ type: 'video', mindex: 0, mid: '0', codec: 'vp8' }] } });
  const rtcpPort = added.rtcp_port as number;
  assert.ok(rtcpPort > 0, JSON.stringify(added));
  const stranger = await network.openUdp({ what: 'stranger', bind: '10.0.0.66' });
  const node = await network.openUdp({ what: 'node-c', bind: '127.0.0.1' });
  const hello = Buffer.from([0x80, 201, 0, 1, 0, 0, 0x03, 0xe8]);
  stranger.send(hello, rtcpPort, '127.0.0.1');
  for (let i = 0; i < 5; i++) await settle();
  const plis = (): string[] => network.sent.filter((d) => d.data.length >= 12 && d.data[1] === 206).map((d) => `${d.to.address}:${d.to.port}`);
  assert.deepEqual(plis(), [], 'nothing latched from a stranger');
  node.send(hello, rtcpPort, '127.0.0.1');
  for (let i = 0; i < 5; i++) await settle();
  assert.deepEqual(plis(), [`127.0.0.1:${node.port}`], "the keyframe request waiting since the copy was announced goes to node-c's socket");
  plugin.destroy();
});

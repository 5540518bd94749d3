// Streaming's destroy() (what a SIGTERM ends in): every recording is closed whole, every socket freed, and no
// viewer's on-demand playback keeps running; and an internal fault reaches the client as a Janus error without
// its exception text. Driven through the plugin door with stand-in handles.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { Logger } from '../../../src/logging/logger.js';
import { StreamingPlugin } from '../../../src/plugins/streaming/streaming.js';
import type { JsonObject, PluginHandle } from '../../../src/plugins/plugin.js';
import { sleep } from '../../../support/wait.js';
import { rtpPacket } from '../../../support/rtp-packets.js';
import { PlainRelayGroup } from '../../../src/core/plain-relay-group.js';

const quiet = Logger.create({ level: 0, sink: { write: () => undefined } });

interface StandIn {
  readonly handle: PluginHandle;
  readonly pushed: Array<{ transaction: string | undefined; data: JsonObject }>;
  relayed: number;
}

function standIn(id: number): StandIn {
  const nothing = (): void => undefined;
  const s: StandIn = {
    pushed: [],
    relayed: 0,
    handle: {
      id,
      sessionId: 1,
      log: quiet,
      pushEvent: (transaction, data) => s.pushed.push({ transaction, data }),
      notifyEvent: nothing,
      answerOffer: () => Promise.reject(new Error('not here')),
      createOffer: () => Promise.resolve({ type: 'offer', sdp: 'v=0\r\n' }),
      restartIce: () => Promise.reject(new Error('not here')),
      negotiatedMedia: () => [],
      relayRtp: () => {
        s.relayed++;
      },
      relayRtcp: nothing,
      restartRtp: nothing,
      skipRtp: nothing,
      relayData: nothing,
      requestKeyframe: nothing,
      sendRemb: nothing,
      closePc: nothing,
      end: nothing,
    },
  };
  return s;
}

async function started(): Promise<{ plugin: StreamingPlugin; recordings: string }> {
  const recordings = mkdtempSync(join(tmpdir(), 'portunus-streaming-destroy-'));
  const host = await discoverNetworkHost();
  // Run again under the no-IPv6 shim (streaming-without-ipv6.test.ts): there the host must have no IPv6.
  if (process.env.PORTUNUS_EXPECT_NO_IPV6 === '1') assert.equal(host.ipv6Available, false);
  const plugin = new StreamingPlugin();
  // Ports away from 10000, where servers of other test files (their default single_port) get ICE checks.
  await plugin.init({ log: quiet, network: new HostNetwork(host), config: { general: { rtp_port_range: '47000-47999' } }, recordingsDir: recordings, relayGroup: () => new PlainRelayGroup() });
  return { plugin, recordings };
}

async function request(plugin: StreamingPlugin, who: StandIn, body: JsonObject): Promise<JsonObject> {
  const transaction = `t${who.pushed.length}-${body.request as string}`;
  const r = await plugin.handleMessage(who.handle, { transaction, body });
  if (r.kind === 'ok') return r.data;
  assert.equal(r.kind, 'ack');
  for (let i = 0; i < 200; i++) {
    const answer = who.pushed.find((p) => p.transaction === transaction);
    if (answer) return answer.data;
    await sleep(5);
  }
  throw new Error(`no answer to ${JSON.stringify(body)}`);
}

/** Frames of a .mjr file; fails when one is torn. */
function mjrFrames(file: string): number {
  const b = readFileSync(file);
  assert.equal(b.toString('latin1', 0, 8), 'MJR00002', `${file}: header`);
  if (b.length === 8) return 0;
  let at = 10 + b.readUInt16BE(8);
  let frames = 0;
  while (at < b.length) {
    assert.equal(b.toString('latin1', at, at + 4), 'MEET', `${file}: frame ${frames}`);
    const length = b.readUInt16BE(at + 8);
    assert.ok(at + 10 + length <= b.length, `${file}: frame ${frames} torn`);
    at += 10 + length;
    frames++;
  }
  return frames;
}

test('destroy(): recordings are whole with every packet received, and the ports are free again once it settles', async () => {
  const { plugin, recordings } = await started();
  const admin = standIn(1);
  plugin.createSession(admin.handle);
  const mountpoints: Array<{ id: number; port: number }> = [];
  for (const id of [11, 12]) {
    const created = await request(plugin, admin, { request: 'create', type: 'rtp', id, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus', iface: '127.0.0.1' }] });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    const port = ((created.stream as JsonObject).ports as Array<{ port: number }>)[0].port;
    assert.equal((await request(plugin, admin, { request: 'recording', id, action: 'start', media: [{ mid: 'a', filename: `mp-${id}` }] })).streaming, 'ok');
    mountpoints.push({ id, port });
  }
  const sender = dgram.createSocket('udp4');
  const count = 200;
  for (let seq = 0; seq < count; seq++) {
    const p = rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: 0x22222222, ssrc: 0x1234, payload: Buffer.alloc(48, 0x22) });
    for (const { port } of mountpoints) await new Promise<void>((r) => sender.send(p, port, '127.0.0.1', () => r()));
  }
  sender.close();
  // Every packet reached the plugin before the stop.
  const packets = async (id: number): Promise<number> => (((await request(plugin, admin, { request: 'info', id })).info as JsonObject).media as Array<{ packets: number }>)[0].packets;
  for (let i = 0; i < 100 && (await packets(11)) + (await packets(12)) < 2 * count; i++) await sleep(20);
  for (const { id } of mountpoints) assert.equal(await packets(id), count);
  await plugin.destroy();
  for (const { id } of mountpoints) assert.equal(mjrFrames(join(recordings, `mp-${id}.mjr`)), count, `mp-${id}.mjr`);
  for (const { port } of mountpoints) {
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve());
    });
    again.close();
  }
});

test("destroy(): an on-demand viewer's playback stops with it", async () => {
  const { plugin, recordings } = await started();
  writeFileSync(join(recordings, 'tone.alaw'), Buffer.alloc(160 * 50, 0xd5));
  const admin = standIn(1);
  plugin.createSession(admin.handle);
  assert.equal((await request(plugin, admin, { request: 'create', type: 'ondemand', id: 21, audio: true, filename: 'tone.alaw' })).streaming, 'created');
  const viewer = standIn(2);
  plugin.createSession(viewer.handle);
  assert.deepEqual((await request(plugin, viewer, { request: 'watch', id: 21 })).result, { status: 'preparing' });
  plugin.setupMedia(viewer.handle);
  for (let i = 0; i < 100 && viewer.relayed < 5; i++) await sleep(10);
  assert.ok(viewer.relayed >= 5, `playing (${viewer.relayed} packets)`);
  await plugin.destroy();
  const after = viewer.relayed;
  await sleep(200);
  assert.equal(viewer.relayed, after, 'nothing played after destroy');
});

test('an internal fault (the offer cannot be made) is a Janus error without the exception text', async () => {
  const { plugin } = await started();
  const admin = standIn(1);
  plugin.createSession(admin.handle);
  assert.equal((await request(plugin, admin, { request: 'create', type: 'rtp', id: 31, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] })).streaming, 'created');
  const viewer = standIn(2);
  const broken: PluginHandle = { ...viewer.handle, createOffer: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'sdp') at /srv/portunus/x.js:12")) };
  plugin.createSession(broken);
  const r = await request(plugin, { ...viewer, handle: broken }, { request: 'watch', id: 31 });
  assert.equal(r.error_code, 470, JSON.stringify(r));
  assert.doesNotMatch(String(r.error), /Cannot read|undefined|\.js|TypeError/);
  await plugin.destroy();
});

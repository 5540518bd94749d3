// Many werift viewers watch one mountpoint fed over UDP: each gets every packet in order; viewers joining
// and leaving meanwhile disturb nobody; a data stream reaches the viewers' data channel.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { nativeAddon } from '../../src/native/native-addon.js';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import type { Network } from '../../src/net/network.js';
import { startInProcess } from '../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { watch, type Viewer } from '../../support/streaming-viewer.js';
import { sleep, waitUntil } from '../../support/wait.js';

/** The longest run of consecutive sequence numbers (mod 2^16) at the end of `seqs`. */
function gaps(seqs: number[]): number {
  let g = 0;
  for (let i = 1; i < seqs.length; i++) if (((seqs[i] - seqs[i - 1]) & 0xffff) !== 1) g++;
  return g;
}

interface Fixture {
  readonly srv: Awaited<ReturnType<typeof startInProcess>>;
  readonly network: Network;
  readonly admin: JanusWs;
  readonly session: number;
  readonly handle: number;
  /** The test's RTP source socket. */
  readonly sender: dgram.Socket;
  /** A source loop, stopped with the fixture. */
  every(fn: () => void, ms: number): void;
  /** A viewer of mountpoint `id`; it leaves with the fixture at the latest (a failed assertion must not leave a live PeerConnection holding the test process). */
  watchIt(id: number): Promise<Viewer>;
}

/** A server, an admin session attached to the Streaming plugin and a source socket, all torn down after `body`. */
async function withFixture(body: (f: Fixture) => Promise<void>): Promise<void> {
  const srv = await startInProcess();
  const network = new HostNetwork(await discoverNetworkHost());
  const admin = await JanusWs.open(srv.wsUrl);
  const sender = dgram.createSocket('udp4');
  const timers: NodeJS.Timeout[] = [];
  const viewers: Viewer[] = [];
  const watchIt = async (id: number): Promise<Viewer> => {
    const v = await watch(srv.wsUrl, network, id);
    const leave = v.leave.bind(v);
    let left = false;
    v.leave = async () => {
      if (left) return;
      left = true;
      await leave();
    };
    viewers.push(v);
    return v;
  };
  try {
    const session = ((await admin.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await admin.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    await body({ srv, network, admin, session, handle, sender, every: (fn, ms) => timers.push(setInterval(fn, ms)), watchIt });
  } finally {
    for (const t of timers) clearInterval(t);
    await Promise.all(viewers.map((v) => v.leave().catch(() => {})));
    sender.close();
    admin.close();
    await srv.stop();
  }
}

test('fan-out: 6 viewers get every packet in order while others join and leave and two stop consuming; data reaches them', { timeout: 90_000 }, async () => {
  await withFixture(async ({ srv, admin, session, handle, sender, every, watchIt }) => {
    const created = await admin.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: {
        request: 'create',
        type: 'rtp',
        media: [
          { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
          { type: 'data', mid: 'd', port: 0, datatype: 'text' },
        ],
      },
    });
    const stream = ((created.plugindata as Msg).data as Msg).stream as { id: number; ports: Array<{ mid: string; port: number }> };
    const aport = stream.ports.find((p) => p.mid === 'a')!.port;
    const dport = stream.ports.find((p) => p.mid === 'd')!.port;
    // The source: 100 packets/s with a running sequence number and the number in the payload; data every 50.
    let seq = 0;
    every(() => {
      for (let k = 0; k < 2; k++) {
        const b = Buffer.alloc(12 + 8);
        b[0] = 0x80;
        b[1] = 111;
        b.writeUInt16BE(seq & 0xffff, 2);
        b.writeUInt32BE((seq * 480) >>> 0, 4);
        b.writeUInt32BE(0xabcdef, 8);
        b.write(String(seq).padStart(8, '0'), 12);
        sender.send(b, aport, '127.0.0.1');
        if (seq % 50 === 0) sender.send(Buffer.from(`data ${seq}`), dport, '127.0.0.1');
        seq++;
      }
    }, 20);

    const steady = [];
    for (let i = 0; i < 6; i++) steady.push(await watchIt(stream.id));
    // Two viewers stop consuming without leaving (their sockets close): the server's sends to them fail, and
    // nobody else notices.
    const gone = [await watchIt(stream.id), await watchIt(stream.id)];
    for (const g of gone) await g.vanish();
    // Churn: viewers come and go while the steady ones keep watching.
    for (let i = 0; i < 4; i++) {
      const passer = await watchIt(stream.id);
      await sleep(200);
      await passer.leave();
    }
    await sleep(1000);
    for (const [i, v] of steady.entries()) {
      assert.ok(v.seqs.length > 150, `viewer ${i} received ${v.seqs.length}`);
      assert.equal(gaps(v.seqs), 0, `viewer ${i} saw a gap or reorder`);
      // Payloads are the source's, in order, without holes.
      const nums = v.payloads.map(Number);
      for (let k = 1; k < nums.length; k++) assert.equal(nums[k], nums[k - 1] + 1, `viewer ${i} payload continuity at ${k}`);
      assert.ok(
        v.data.some((d) => d.startsWith('data ')),
        `viewer ${i} got data`,
      );
    }
    // With the addon, the audio stream's viewers were one native fan-out group (one call per packet for all).
    const groups = srv.server.gateway.media?.status?.().relay_groups as { native_members: number; sent: number; failed: number };
    if (nativeAddon()) {
      assert.ok(groups.native_members >= 6 && groups.sent > 6 * 150 && groups.failed === 0, JSON.stringify(groups));
    } else assert.equal(groups.native_members, 0);
    await Promise.all([...steady, ...gone].map((v) => v.leave()));
  });
});

test('switch between mountpoints, and pause then start, keep one continuous stream for the viewer', { timeout: 60_000 }, async () => {
  await withFixture(async ({ srv, admin, session, handle, sender, every, watchIt }) => {
    const make = async (id: number): Promise<number> => {
      const r = await admin.request({
        janus: 'message',
        session_id: session,
        handle_id: handle,
        body: { request: 'create', type: 'rtp', id, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] },
      });
      return (((r.plugindata as Msg).data as Msg).stream as { ports: Array<{ port: number }> }).ports[0].port;
    };
    const ports = [await make(501), await make(502)];
    // Two sources with unrelated SSRCs, sequence numbers and timestamps; payload names the source.
    let n = 0;
    every(() => {
      for (const [i, port] of ports.entries()) {
        const b = Buffer.alloc(16);
        b[0] = 0x80;
        b[1] = 111;
        b.writeUInt16BE((n + (i === 0 ? 100 : 40000)) & 0xffff, 2);
        b.writeUInt32BE((n * 960 + (i === 0 ? 0 : 123456789)) >>> 0, 4);
        b.writeUInt32BE(i === 0 ? 0xaaaa : 0xbbbb, 8);
        b.write(i === 0 ? 'AAAA' : 'BBBB', 12);
        sender.send(b, port, '127.0.0.1');
      }
      n++;
    }, 10);
    const v = await watchIt(501);
    await sleep(700);
    await v.switchTo(502);
    await sleep(700);
    const firstB = v.payloads.indexOf('BBBB');
    assert.ok(firstB > 10 && v.payloads.lastIndexOf('AAAA') < firstB, 'A before the switch, B after it');
    assert.ok(v.payloads.length - firstB > 10, 'B flows after the switch');
    for (let k = 1; k < v.seqs.length; k++) {
      const d = (v.seqs[k] - v.seqs[k - 1]) & 0xffff;
      assert.equal(d, 1, `sequence step ${d} at ${k} (switch at ${firstB})`);
    }
    // The clock goes on across the switch: the step is about the 10 ms between packets, not a jump.
    const tsStep = (v.timestamps[firstB] - v.timestamps[firstB - 1]) >>> 0;
    assert.ok(tsStep > 0 && tsStep < 48000, `timestamp step ${tsStep} at the switch`);
    // Our own sender (not the stack's) carried the stream.
    assert.ok(
      srv.logs.some((l) => l.includes('fast sender (AES_CM_128_HMAC_SHA1_80)')),
      'fast sender with AES-CM in use',
    );

    // Pause for half a second while the source goes on, then start again: still one stream, the clock advanced
    // by about the pause.
    const before = v.seqs.length;
    await v.pause();
    await sleep(500);
    const paused = v.seqs.length;
    await v.resume();
    await sleep(400);
    assert.ok(paused - before < 20, 'nothing flows while paused');
    assert.ok(v.seqs.length - paused > 10, 'the stream resumes');
    for (let k = before + 1; k < v.seqs.length; k++) {
      assert.equal((v.seqs[k] - v.seqs[k - 1]) & 0xffff, 1, `sequence step at ${k} around pause/start`);
    }
    const gap = (v.timestamps[paused] - v.timestamps[paused - 1]) >>> 0;
    assert.ok(gap > 0.3 * 48000 && gap < 2 * 48000, `timestamp advance ${gap} over a ~0.5 s pause`);
    await v.leave();
  });
});

test('simulcast ports: a viewer gets one layer (the highest by default), configure substream switches on a keyframe, one continuous stream', { timeout: 60_000 }, async () => {
  await withFixture(async ({ admin, session, handle, sender, every, watchIt }) => {
    const created = await admin.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { request: 'create', type: 'rtp', id: 701, media: [{ type: 'video', mid: 'v', port: 0, port2: 0, port3: 0, simulcast: true, pt: 100, codec: 'vp8' }] },
    });
    const port = ((((created.plugindata as Msg).data as Msg).stream as Msg).ports as Array<{ port: number; port_2: number; port_3: number }>)[0];
    assert.ok(port.port > 0 && port.port_2 > 0 && port.port_3 > 0, JSON.stringify(port));
    // Three layers with their own SSRC and sequence numbers; VP8 keyframe every 10th packet; payload names the layer.
    let n = 0;
    every(() => {
      for (const [layer, p] of [port.port, port.port_2, port.port_3].entries()) {
        const b = Buffer.alloc(12 + 2 + 6);
        b[0] = 0x80;
        b[1] = 100;
        b.writeUInt16BE((n + layer * 10000) & 0xffff, 2);
        b.writeUInt32BE((n * 3000) >>> 0, 4);
        b.writeUInt32BE(0x5000 + layer, 8);
        b[12] = 0x10; // VP8 descriptor: start of partition 0
        b[13] = n % 10 === 0 ? 0x00 : 0x01; // P bit clear: keyframe
        b.write(`layer${layer}`, 14);
        sender.send(b, p, '127.0.0.1');
      }
      n++;
    }, 10);
    const v = await watchIt(701);
    await sleep(600);
    const layersSeen = new Set(v.payloads.map((p) => p.slice(2)));
    assert.deepEqual([...layersSeen], ['layer2'], 'only the highest layer by default');
    const before = v.payloads.length;
    await v.configure({ substream: 0 });
    await sleep(600);
    const after = v.payloads.slice(before).map((p) => p.slice(2));
    const firstLow = after.indexOf('layer0');
    assert.ok(firstLow >= 0, 'layer 0 after configure');
    assert.ok(
      after.slice(firstLow).every((p) => p === 'layer0'),
      'only layer 0 after the switch',
    );
    for (let k = 1; k < v.seqs.length; k++) assert.equal((v.seqs[k] - v.seqs[k - 1]) & 0xffff, 1, `sequence step at ${k}`);
    await v.leave();
  });
});

test('bufferkf and buffermsg: a viewer joining a silent source still gets the last keyframe onwards and the last message', { timeout: 60_000 }, async () => {
  await withFixture(async ({ admin, session, handle, sender, watchIt }) => {
    const created = await admin.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: {
        request: 'create',
        type: 'rtp',
        id: 702,
        buffermsg: true,
        media: [
          { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8', bufferkf: true },
          { type: 'data', mid: 'd', port: 0 },
        ],
      },
    });
    const stream = ((created.plugindata as Msg).data as Msg).stream as { ports: Array<{ mid: string; port: number }> };
    const vport = stream.ports.find((p) => p.mid === 'v')!.port;
    const dport = stream.ports.find((p) => p.mid === 'd')!.port;
    // An old keyframe and its deltas, a newer keyframe and its deltas, one data message; then silence.
    const frames = ['kf1', 'a', 'kf2', 'b', 'c'];
    for (const [i, text] of frames.entries()) {
      const b = Buffer.alloc(12 + 2 + text.length);
      b[0] = 0x80;
      b[1] = 100;
      b.writeUInt16BE(100 + i, 2);
      b.writeUInt32BE(3000 * i, 4);
      b.writeUInt32BE(0x7777, 8);
      b[12] = 0x10;
      b[13] = text.startsWith('kf') ? 0x00 : 0x01;
      b.write(text, 14);
      await new Promise<void>((r) => sender.send(b, vport, '127.0.0.1', () => r()));
    }
    await new Promise<void>((r) => sender.send(Buffer.from('the last word'), dport, '127.0.0.1', () => r()));
    await sleep(200);
    const info = ((((await admin.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'info', id: 702 } })).plugindata as Msg).data as Msg).info as Msg).media as Msg[];
    assert.equal(info[0].bufferkf, true);
    assert.equal(info[1].buffermsg, true);
    const v = await watchIt(702);
    await waitUntil(() => v.payloads.length >= 3 && v.data.length >= 1, { timeout: 5000, interval: 50 });
    assert.deepEqual(
      v.payloads.map((p) => p.slice(2)),
      ['kf2', 'b', 'c'],
    );
    assert.deepEqual(v.data, ['the last word']);
    for (let k = 1; k < v.seqs.length; k++) assert.equal((v.seqs[k] - v.seqs[k - 1]) & 0xffff, 1);
  });
});

test('temporal: a viewer asking for layer 0 gets the base layer only, sequence numbers and picture IDs without holes', { timeout: 60_000 }, async () => {
  await withFixture(async ({ admin, session, handle, sender, every, watchIt }) => {
    const created = await admin.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { request: 'create', type: 'rtp', id: 703, media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' }] },
    });
    const port = ((((created.plugindata as Msg).data as Msg).stream as Msg).ports as Array<{ port: number }>)[0].port;
    // One packet per frame; frames alternate TL0 / TL1 (every TL1 a layer-sync frame), a keyframe every 20.
    let n = 0;
    every(() => {
      const b = Buffer.alloc(12 + 6 + 4);
      b[0] = 0x80;
      b[1] = 0x80 | 100;
      b.writeUInt16BE(n & 0xffff, 2);
      b.writeUInt32BE((n * 3000) >>> 0, 4);
      b.writeUInt32BE(0x7030, 8);
      b[12] = 0x90; // X, S, partition 0
      b[13] = 0xe0; // I, L, T
      b[14] = 0x80 | ((n >> 8) & 0x7f);
      b[15] = n & 0xff;
      b[16] = (n >> 1) & 0xff; // TL0PICIDX
      b[17] = ((n % 2) << 6) | 0x20;
      b[18] = n % 20 === 0 ? 0x00 : 0x01; // VP8 header: keyframe bit
      b.write(`T${n % 2}`, 19);
      sender.send(b, port, '127.0.0.1');
      n++;
    }, 10);
    const v = await watchIt(703);
    await sleep(400);
    await v.configure({ temporal: 0 });
    const from = v.raw.length;
    await sleep(800);
    const after = v.raw.slice(from + 2); // packets in flight when it was asked
    assert.ok(after.length > 20, `${after.length} packets`);
    const tids = new Set(after.map((p) => p[5] >> 6));
    assert.deepEqual([...tids], [0], 'base layer only');
    const pids = after.map((p) => ((p[2] & 0x7f) << 8) | p[3]);
    for (let k = 1; k < pids.length; k++) assert.equal((pids[k] - pids[k - 1]) & 0x7fff, 1, `picture ID step at ${k}`);
    for (let k = 1; k < v.seqs.length; k++) assert.equal((v.seqs[k] - v.seqs[k - 1]) & 0xffff, 1, `sequence step at ${k}`);
  });
});

// Streaming mountpoints through the Janus API: the network matrix, bad input, and no leaked sockets.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { SrtcpSession } from 'werift';
import { SrtpRtpProtector } from '../../../src/rtp/srtp/srtp-protector.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../../src/rtp/srtp/srtp-keys.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { parseRtpHeader } from '../../../src/rtp/rtp-header.js';
import { watch, type Viewer } from '../../../support/streaming-viewer.js';
import { clientOffer, createLoopbackClient } from '../../../support/werift-client.js';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { sleep } from '../../../support/wait.js';
import { rtcpPacket, rtpPacket } from '../../../support/rtp-packets.js';
import { runFfmpegSource } from '../../../support/ffmpeg-source.js';

const rtp = (seq: number, payload = 'x'): Buffer => rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0x1234, payload });

class StreamingClient {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}
  static async open(url: string): Promise<StreamingClient> {
    const ws = await JanusWs.open(url);
    const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    return new StreamingClient(ws, session, handle);
  }
  async send(body: Msg, jsep?: Msg): Promise<Msg> {
    const r = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    return (r.plugindata as Msg).data as Msg;
  }
  close(): void {
    this.ws.close();
  }
}

async function sendTo(port: number, host: string, count = 5): Promise<void> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (let i = 0; i < count; i++) await new Promise<void>((r) => s.send(rtp(i), port, host, () => r()));
  s.close();
}

async function packetsOf(c: StreamingClient, id: number): Promise<number[]> {
  const info = (await c.send({ request: 'info', id })).info as Msg;
  return (info.media as Array<{ packets: number }>).map((m) => m.packets);
}

async function waitPackets(c: StreamingClient, id: number, atLeast: number): Promise<number[]> {
  const deadline = Date.now() + 3000;
  let p = await packetsOf(c, id);
  while (p[0] < atLeast && Date.now() < deadline) {
    await sleep(50);
    p = await packetsOf(c, id);
  }
  return p;
}

const audio = (extra: Msg = {}): Msg => ({ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus', ...extra });

let srv: StartedServer;
let c: StreamingClient;
/** general.recordings_dir of the shared server: recordings are named relative to it. */
let recordingsDir: string;
before(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  recordingsDir = mkdtempSync(join(tmpdir(), 'portunus-rec-'));
  srv = await startInProcess([['general.recordings_dir', recordingsDir]]);
  c = await StreamingClient.open(srv.wsUrl);
});
after(async () => {
  c?.close();
  await srv?.stop();
});

test('RTP header parser: valid packets, extensions, padding; garbage is rejected (fuzz)', () => {
  assert.deepEqual(parseRtpHeader(rtp(7)), { payloadType: 111, marker: false, sequence: 7, timestamp: 6720, ssrc: 0x1234, headerLength: 12 });
  const ext = Buffer.concat([Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 1, 2, 3, 4]), Buffer.from('p')]);
  assert.equal(parseRtpHeader(ext)?.headerLength, 20);
  assert.equal(parseRtpHeader(Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 9])), undefined);
  assert.equal(parseRtpHeader(Buffer.from('hello world, not rtp')), undefined);
  let seed = 5;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 20000; i++) {
    const b = Buffer.alloc(Math.floor(rand() * 40));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
    if (rand() < 0.5 && b.length > 0) b[0] = (b[0] & 0x3f) | 0x80;
    const h = parseRtpHeader(b);
    if (h) assert.ok(h.headerLength <= b.length);
  }
});

test('create with ports 0 (the request from Janus issue #3470): ports from the range, packets counted, IPv4 and IPv6 senders', async () => {
  const created = await c.send({ request: 'create', type: 'rtp', media: [audio(), { type: 'data', mid: 'd', port: 0 }] });
  assert.equal(created.streaming, 'created');
  const stream = created.stream as { id: number; ports: Array<{ port: number; host?: string }> };
  assert.ok(stream.ports.every((p) => p.port >= 10000 && p.port <= 60000 && p.host === undefined));
  await sendTo(stream.ports[0].port, '127.0.0.1');
  if (srv.server.network.ipv6Available) await sendTo(stream.ports[0].port, '::1');
  const packets = await waitPackets(c, stream.id, srv.server.network.ipv6Available ? 10 : 5);
  assert.equal(packets[0], srv.server.network.ipv6Available ? 10 : 5);
  const list = (await c.send({ request: 'list' })).list as Array<{ id: number }>;
  assert.ok(list.some((m) => m.id === stream.id));
  assert.equal((await c.send({ request: 'destroy', id: stream.id })).destroyed, stream.id);
});

test('legacy single-stream create (as janode sends it) answers with flat ports and a deprecation warning', async () => {
  const r = await c.send({
    request: 'create',
    type: 'rtp',
    id: 4242,
    audio: true,
    audioport: 0,
    audiopt: 111,
    audiortpmap: 'opus/48000/2',
    video: true,
    videoport: 0,
    videortcpport: 0,
    videopt: 100,
    videortpmap: 'VP8/90000',
  });
  assert.equal(r.streaming, 'created');
  const s = r.stream as Msg;
  assert.equal(s.id, 4242);
  assert.equal(s.warning, 'deprecated_api');
  for (const k of ['audio_port', 'video_port', 'video_rtcp_port']) assert.equal(typeof s[k], 'number', k);
  await c.send({ request: 'destroy', id: 4242 });
});

test('iface 0.0.0.0 gives an IPv4 socket and host "0.0.0.0"; multicast on loopback receives', async () => {
  const r = await c.send({ request: 'create', type: 'rtp', media: [audio({ iface: '0.0.0.0' })] });
  const port = (r.stream as { id: number; ports: Array<{ port: number; host: string }> }).ports[0];
  assert.equal(port.host, '0.0.0.0');
  const id = (r.stream as { id: number }).id;
  await sendTo(port.port, '127.0.0.1');
  assert.equal((await waitPackets(c, id, 5))[0], 5);
  await c.send({ request: 'destroy', id });

  const m = await c.send({ request: 'create', type: 'rtp', media: [audio({ mcast: '232.5.6.7', iface: '127.0.0.1', port: 47777 })] });
  assert.equal(m.streaming, 'created', JSON.stringify(m));
  const mid = (m.stream as { id: number }).id;
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((r2) => sender.bind(0, '127.0.0.1', () => r2()));
  sender.setMulticastInterface('127.0.0.1');
  for (let i = 0; i < 3; i++) await new Promise<void>((r2) => sender.send(rtp(i), 47777, '232.5.6.7', () => r2()));
  sender.close();
  assert.equal((await waitPackets(c, mid, 3))[0], 3);
  await c.send({ request: 'destroy', id: mid });
});

test('SRTP sources: keyframe requests for a joining viewer go back to the source as SRTCP under the same key', { timeout: 30_000 }, async () => {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const r = await c.send({
    request: 'create',
    type: 'rtp',
    id: 883,
    srtpsuite: 80,
    srtpcrypto: Buffer.concat([key, salt]).toString('base64'),
    media: [{ type: 'video', mid: 'v', port: 0, rtcpport: 0, pt: 96, codec: 'vp8' }],
  });
  assert.equal(r.streaming, 'created', JSON.stringify(r));
  const ports = (r.stream as { ports: Array<{ port: number; rtcp_port: number }> }).ports[0];
  const source = dgram.createSocket('udp4');
  await new Promise<void>((res) => source.bind(0, '127.0.0.1', () => res()));
  const protector = new SrtpRtpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, key, salt));
  const srtcp = new SrtcpSession({ keys: { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(14), remoteMasterKey: key, remoteMasterSalt: salt }, profile: SRTP_AES128_CM_HMAC_SHA1_80 });
  const received: Buffer[] = [];
  source.on('message', (m) => received.push(m));
  // The source says hello on the RTCP port (so the server knows where it is), then sends SRTP video.
  source.send(rtcpPacket(201, 1, Buffer.from([0, 0, 0x56, 0x78])), ports.rtcp_port, '127.0.0.1'); // RR from SSRC 0x5678 (its block left out)
  let seq = 0;
  const sending = setInterval(() => {
    const vp8 = Buffer.alloc(28);
    vp8[0] = 0x10; // VP8 descriptor: start of partition
    const p = rtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 0x5678, payload: vp8 });
    const enc = protector.protect(p, p.length, 0);
    if (enc) source.send(Buffer.from(enc), ports.port, '127.0.0.1');
    seq++;
  }, 20);
  const network = new HostNetwork(await discoverNetworkHost());
  let viewer: Viewer | undefined;
  try {
    viewer = await watch(srv.wsUrl, network, 883);
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.ok(received.length > 0, 'RTCP reached the source');
    const pli = srtcp.decrypt(received[0]);
    assert.equal(pli[1], 206, 'payload-specific feedback');
    assert.equal(pli[0] & 0x1f, 1, 'PLI');
    assert.equal(pli.readUInt32BE(8), 0x5678, "for the source's SSRC");
    assert.notDeepEqual(received[0].subarray(8, 12), pli.subarray(8, 12), 'not in the clear');
  } finally {
    clearInterval(sending);
    await viewer?.leave();
    source.close();
    await c.send({ request: 'destroy', id: 883 });
  }
});

test('watch with an answer nobody asked for is refused (469); the viewer can still watch', async () => {
  const r = await c.send({ request: 'create', type: 'rtp', id: 884, media: [audio()] });
  assert.equal(r.streaming, 'created', JSON.stringify(r));
  const viewer = await StreamingClient.open(srv.wsUrl);
  const client = createLoopbackClient(new HostNetwork(await discoverNetworkHost()));
  try {
    const sdp = await clientOffer(client);
    // The core stops an answer nobody asked for before the plugin sees it, as Janus does.
    const answer = await viewer.ws.request({ janus: 'message', session_id: viewer.session, handle_id: viewer.handle, body: { request: 'watch', id: 884 }, jsep: { type: 'answer', sdp } });
    assert.equal((answer.error as Msg | undefined)?.code, 469, JSON.stringify(answer));
    const ack = await viewer.ws.request({ janus: 'message', session_id: viewer.session, handle_id: viewer.handle, body: { request: 'watch', id: 884 } });
    const ev = await viewer.ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'watch event');
    const ok = (ev.plugindata as Msg).data as Msg;
    assert.deepEqual(ok.result, { status: 'preparing' }, JSON.stringify(ok));
  } finally {
    await client.close();
    viewer.close();
    await c.send({ request: 'destroy', id: 884 });
  }
});

test('collision: a second source is ignored while the first one is active, and takes over once it went quiet; e2ee is announced', async () => {
  const r = await c.send({ request: 'create', type: 'rtp', id: 885, collision: 400, e2ee: true, media: [audio()] });
  assert.equal(r.streaming, 'created', JSON.stringify(r));
  assert.equal((await c.send({ request: 'create', type: 'rtp', collision: -1, media: [audio()] })).error_code, 454, 'a negative collision is refused');
  const port = (r.stream as { ports: Array<{ port: number }> }).ports[0].port;
  const s = dgram.createSocket('udp4');
  const send = (ssrc: number, seq: number): Promise<void> =>
    new Promise((res) => {
      const b = rtp(seq);
      b.writeUInt32BE(ssrc, 8);
      s.send(b, port, '127.0.0.1', () => res());
    });
  try {
    for (let i = 0; i < 10; i++) {
      await send(0x1111, i);
      await send(0x2222, i); // the intruder, interleaved
    }
    assert.deepEqual(await waitPackets(c, 885, 10), [10]);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(await packetsOf(c, 885), [10], 'the second SSRC counted nothing');
    await new Promise((res) => setTimeout(res, 500)); // longer than collision without the first source
    for (let i = 0; i < 5; i++) await send(0x2222, 100 + i);
    assert.deepEqual(await waitPackets(c, 885, 15), [15], 'the second source took over');
    const info = (await c.send({ request: 'info', id: 885 })).info as Msg;
    assert.equal(info.collision, 400);
    assert.equal(info.e2ee, true);
    // A viewer's offer carries the e2ee flag, as janus.js expects it.
    const viewer = await StreamingClient.open(srv.wsUrl);
    try {
      const ack = await viewer.ws.request({ janus: 'message', session_id: viewer.session, handle_id: viewer.handle, body: { request: 'watch', id: 885 } });
      const ev = await viewer.ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'watch event');
      assert.equal((ev.jsep as Msg | undefined)?.e2ee, true, JSON.stringify(ev.jsep).slice(0, 80));
    } finally {
      viewer.close();
    }
  } finally {
    s.close();
    await c.send({ request: 'destroy', id: 885 });
  }
});

test('string_ids: mountpoints named by strings (create, info, list, watch, destroy); numbers refused; without it strings refused', async () => {
  const strSrv = await startInProcess([['streaming.string_ids', 'true']]);
  const sc = await StreamingClient.open(strSrv.wsUrl);
  try {
    const r = await sc.send({ request: 'create', type: 'rtp', id: 'cam-1', media: [audio()] });
    assert.equal(r.streaming, 'created', JSON.stringify(r));
    assert.equal((r.stream as { id: unknown }).id, 'cam-1');
    assert.equal(((await sc.send({ request: 'info', id: 'cam-1' })).info as Msg).id, 'cam-1');
    assert.equal((await sc.send({ request: 'info', id: 5 })).error_code, 454, 'a number where a string is expected');
    const anon = await sc.send({ request: 'create', type: 'rtp', media: [audio()] });
    assert.equal(typeof (anon.stream as { id: unknown }).id, 'string', 'a generated id is a string too');
    const list = ((await sc.send({ request: 'list' })).list as Array<{ id: unknown }>).map((m) => m.id);
    assert.ok(list.includes('cam-1'));
    const ack = await sc.ws.request({ janus: 'message', session_id: sc.session, handle_id: sc.handle, body: { request: 'watch', id: 'cam-1' } });
    const ev = await sc.ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'watch event');
    assert.deepEqual(((ev.plugindata as Msg).data as Msg).result, { status: 'preparing' });
    await sc.ws.request({ janus: 'message', session_id: sc.session, handle_id: sc.handle, body: { request: 'stop' } });
    assert.equal((await sc.send({ request: 'destroy', id: 'cam-1' })).streaming, 'destroyed');
  } finally {
    sc.close();
    await strSrv.stop();
  }
  assert.equal((await c.send({ request: 'info', id: 'cam-1' })).error_code, 454, 'without string_ids a string id is refused');
});

test('bad input: clear Janus errors and nothing half-created', async () => {
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '0.0.0.0', () => r()));
  const busy = holder.address().port;
  const inUse = await c.send({ request: 'create', type: 'rtp', id: 777, media: [audio({ mid: 'a2', port: 0 }), audio({ port: busy, iface: '0.0.0.0' })] });
  assert.equal(inUse.error_code, 456);
  assert.match(String(inUse.error), /already in use/);
  holder.close();
  assert.equal((await c.send({ request: 'info', id: 777 })).error_code, 455, 'the failed mountpoint does not exist');
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [audio({ port: 70000 })] })).error_code, 454);
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [audio({ codec: 'nopecodec' })] })).error_code, 456);
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [audio({ iface: 'nosuchif0' })] })).error_code, 456);
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [] })).error_code, 456);
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [{ type: 'audio', mid: 'a', pt: 111, codec: 'opus' }] })).error_code, 453);
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [audio({ type: 'smell' })] })).error_code, 454);
  assert.equal((await c.send({ request: 'create' })).error_code, 453);
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [audio({ simulcast: true, port2: 0, port3: 0 })] })).error_code, 454, 'simulcast is video only');
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8', simulcast: true, port2: 0 }] })).error_code, 453, 'port3 missing');
  assert.equal((await c.send({ request: 'create', type: 'rtp', media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8', simulcast: true, port2: 0, port3: 70000 }] })).error_code, 454);
  assert.equal((await c.send({ request: 'bogus' })).error_code, 452);
  const ok = await c.send({ request: 'create', type: 'rtp', id: 778, secret: 's3cret', pin: '1234', is_private: true, media: [audio()] });
  assert.equal(ok.streaming, 'created');
  assert.equal((await c.send({ request: 'create', type: 'rtp', id: 778, media: [audio()] })).error_code, 456, 'duplicate id');
  assert.equal((await c.send({ request: 'destroy', id: 778 })).error_code, 453);
  assert.equal((await c.send({ request: 'destroy', id: 778, secret: 'nope' })).error_code, 457);
  assert.ok(!((await c.send({ request: 'list' })).list as Array<{ id: number }>).some((m) => m.id === 778), 'private mountpoints are not listed');
  const port = (ok.stream as { ports: Array<{ port: number }> }).ports[0].port;
  const junk = dgram.createSocket('udp4');
  for (const g of [Buffer.from('garbage'), Buffer.alloc(3), Buffer.from([0x80, 0xc8, 0, 1, 0, 0, 0, 0])]) await new Promise<void>((r) => junk.send(g, port, '127.0.0.1', () => r()));
  junk.close();
  await sleep(100);
  assert.deepEqual(await packetsOf(c, 778), [0], 'garbage is not counted as media');
  assert.equal((await c.send({ request: 'destroy', id: 778, secret: 's3cret' })).streaming, 'destroyed');
  // The destroyed mountpoint's port can be bound again (a dual-stack leftover would hold the IPv4 port too).
  const again = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.bind({ port, address: '0.0.0.0', exclusive: true }, () => resolve());
  });
  again.close();
});

test('network matrix on a host that cannot create IPv6 sockets (errno 97)', { timeout: 30_000 }, async () => {
  const child: ChildServer = await startChildServer([], await noIpv6Env());
  const n = await StreamingClient.open(child.wsUrl);
  try {
    assert.match(child.log(), /IPv6 unavailable: mountpoints will use IPv4 sockets only/);
    const plain = await n.send({ request: 'create', type: 'rtp', media: [audio()] });
    assert.equal(plain.streaming, 'created', JSON.stringify(plain));
    const p1 = plain.stream as { id: number; ports: Array<{ port: number }> };
    await sendTo(p1.ports[0].port, '127.0.0.1');
    // At least ours: another test file running beside this one may land a stray datagram on the same ephemeral port.
    assert.ok((await waitPackets(n, p1.id, 5))[0] >= 5);
    const any4 = await n.send({ request: 'create', type: 'rtp', media: [audio({ iface: '0.0.0.0' })] });
    assert.equal((any4.stream as { ports: Array<{ host: string }> }).ports[0].host, '0.0.0.0');
    const v6 = await n.send({ request: 'create', type: 'rtp', media: [audio({ iface: '::' })] });
    assert.equal(v6.error_code, 456);
    assert.match(String(v6.error), /IPv6 address but this host cannot create IPv6 sockets/);
    assert.equal(child.child.exitCode, null);
  } finally {
    n.close();
    await child.stop();
  }
});

test('mountpoints from the configuration file at start-up; a broken one is skipped with a log line', { timeout: 20_000 }, async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'portunus-streaming-cfg-'));
  const file = join(dir, 'portunus.jcfg');
  writeFileSync(
    file,
    `streaming: {
  general: { rtp_port_range = "41000-41100" }
  radio: { type = "rtp", id = 99, description = "Radio", media = ( { type = "audio", mid = "a", port = 0, pt = 111, codec = "opus" } ) }
  broken: { type = "rtp", id = 100, media = ( { type = "audio", mid = "a", port = 0, pt = 111, codec = "nope" } ) }
}
`,
  );
  const child = await startChildServer(['--config', file]);
  const n = await StreamingClient.open(child.wsUrl);
  try {
    const list = (await n.send({ request: 'list' })).list as Array<{ id: number; description: string }>;
    assert.deepEqual(
      list.map((m) => [m.id, m.description]),
      [[99, 'Radio']],
    );
    const info = (await n.send({ request: 'info', id: 99 })).info as { media: Array<{ port: number }> };
    assert.ok(info.media[0].port >= 41000 && info.media[0].port <= 41100, `port ${info.media[0].port} from the configured range`);
    assert.match(child.log(), /mountpoint 'broken' in the configuration skipped: .*unsupported audio codec 'nope'/);
  } finally {
    n.close();
    await child.stop();
  }
});

test('permanent mountpoints: saved to the state folder with their ports, edited, back after a restart, removed only by a permanent destroy', { timeout: 30_000 }, async () => {
  const { mkdtempSync, readFileSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'portunus-state-'));
  const file = join(dir, 'janus.plugin.streaming.jcfg');
  // Without a state folder, permanent is refused (as Janus does without a configuration file).
  assert.match(String((await c.send({ request: 'create', type: 'rtp', permanent: true, media: [audio()] })).error), /can't create permanent/);

  let srv = await startInProcess([['general.state_dir', dir]]);
  let p = await StreamingClient.open(srv.wsUrl);
  let port: number;
  try {
    const created = await p.send({ request: 'create', type: 'rtp', id: 4242, description: 'Kept', secret: 'k', permanent: true, media: [audio({ port: 0 })] });
    assert.equal(created.permanent, true);
    port = (created.stream as { ports: Array<{ port: number }> }).ports[0].port;
    assert.ok(existsSync(file), 'state file written');
    assert.match(readFileSync(file, 'utf8'), new RegExp(`port = ${port};`));
    const edited = await p.send({ request: 'edit', id: 4242, secret: 'k', new_description: 'Kept and edited', permanent: true });
    assert.equal(edited.permanent, true);
    assert.match(readFileSync(file, 'utf8'), /Kept and edited/);
    // A destroy without permanent leaves it saved: it comes back at the next start.
    assert.equal((await p.send({ request: 'destroy', id: 4242, secret: 'k' })).streaming, 'destroyed');
  } finally {
    p.close();
    await srv.stop();
  }
  srv = await startInProcess([['general.state_dir', dir]]);
  p = await StreamingClient.open(srv.wsUrl);
  try {
    const info = (await p.send({ request: 'info', id: 4242, secret: 'k' })).info as { description: string; media: Array<{ port: number }> };
    assert.equal(info.description, 'Kept and edited');
    assert.equal(info.media[0].port, port, 'the same port as before the restart');
    await sendTo(port, '127.0.0.1', 3);
    let packets = 0;
    for (let i = 0; i < 60 && packets < 3; i++) {
      await sleep(50);
      packets = ((await p.send({ request: 'info', id: 4242, secret: 'k' })).info as { media: Array<{ packets: number }> }).media[0].packets;
    }
    assert.ok(packets >= 3, `media flows into the restored mountpoint (${packets})`);
    assert.equal((await p.send({ request: 'destroy', id: 4242, secret: 'k', permanent: true })).streaming, 'destroyed');
    assert.doesNotMatch(readFileSync(file, 'utf8'), /4242/);
  } finally {
    p.close();
    await srv.stop();
  }
});

test('SRTP sources: ffmpeg sends SRTP (SDES key) into a mountpoint with srtpsuite/srtpcrypto; a wrong key counts nothing', { timeout: 30_000 }, async () => {
  const key = randomBytes(30).toString('base64');
  const other = randomBytes(30).toString('base64');
  assert.equal((await c.send({ request: 'create', type: 'rtp', srtpsuite: 40, srtpcrypto: key, media: [audio()] })).error_code, 454);
  assert.equal((await c.send({ request: 'create', type: 'rtp', srtpsuite: 80, srtpcrypto: 'c2hvcnQ=', media: [audio()] })).error_code, 454);
  assert.equal((await c.send({ request: 'create', type: 'rtp', srtpsuite: 80, media: [audio()] })).error_code, 453);
  const good = await c.send({ request: 'create', type: 'rtp', id: 881, srtpsuite: 80, srtpcrypto: key, media: [audio()] });
  const wrong = await c.send({ request: 'create', type: 'rtp', id: 882, srtpsuite: 80, srtpcrypto: other, media: [audio()] });
  const portOf = (r: Msg): number => (r.stream as { ports: Array<{ port: number }> }).ports[0].port;
  const run = (port: number) => runFfmpegSource({ audioPort: port, audioSrtpKey: key, seconds: 1.5 });
  await Promise.all([run(portOf(good)), run(portOf(wrong))]);
  await sleep(200);
  const info = (await c.send({ request: 'info', id: 881 })).info as { srtp?: boolean; media: Array<{ packets: number }> };
  assert.equal(info.srtp, true);
  assert.ok(info.media[0].packets > 40, `${info.media[0].packets} SRTP packets decrypted and counted`);
  assert.deepEqual(await packetsOf(c, 882), [0], 'a wrong key lets nothing through');
  await c.send({ request: 'destroy', id: 881 });
  await c.send({ request: 'destroy', id: 882 });
});

test(
  "recording: ffmpeg VP8+Opus into a mountpoint, recorded to .mjr, turned into .webm/.opus by Janus's janus-pp-rec",
  { timeout: 60_000, skip: !(await import('node:fs')).existsSync('/usr/bin/janus-pp-rec') && 'no janus-pp-rec' },
  async () => {
    const { spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = recordingsDir;
    const created = await c.send({ request: 'create', type: 'rtp', id: 991, secret: 'rec', media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' }, audio({ mid: 'a' })] });
    const ports = (created.stream as { ports: Array<{ mid: string; port: number }> }).ports;
    assert.equal((await c.send({ request: 'recording', id: 991, secret: 'nope', action: 'start', media: [{ mid: 'a', filename: 'x' }] })).error_code, 457);
    assert.equal((await c.send({ request: 'recording', id: 991, secret: 'rec', action: 'begin' })).error_code, 454);
    assert.equal((await c.send({ request: 'recording', id: 991, secret: 'rec', action: 'start', media: [] })).error_code, 452);
    const start = await c.send({
      request: 'recording',
      id: 991,
      secret: 'rec',
      action: 'start',
      media: [
        { mid: 'v', filename: 'video' },
        { mid: 'a', filename: 'audio' },
      ],
    });
    assert.equal(start.streaming, 'ok', JSON.stringify(start));
    assert.equal((await c.send({ request: 'recording', id: 991, secret: 'rec', action: 'start', media: [{ mid: 'a', filename: 'again' }] })).error_code, 452, 'already recording');
    const vport = ports.find((p) => p.mid === 'v')!.port;
    const aport = ports.find((p) => p.mid === 'a')!.port;
    await runFfmpegSource({ videoPort: vport, audioPort: aport, seconds: 2, videoBitrate: '200k' });
    const info = (await c.send({ request: 'info', id: 991, secret: 'rec' })).info as { media: Array<{ recording?: string }> };
    assert.ok(
      info.media.every((m) => typeof m.recording === 'string' && m.recording.endsWith('.mjr')),
      JSON.stringify(info),
    );
    assert.equal((await c.send({ request: 'recording', id: 991, secret: 'rec', action: 'stop', media: [{ mid: 'v' }, { mid: 'a' }] })).streaming, 'ok');
    await sleep(200);
    for (const [name, ext] of [
      ['video', 'webm'],
      ['audio', 'opus'],
    ] as const) {
      const mjr = join(dir, `${name}.mjr`);
      assert.ok(existsSync(mjr), `${mjr} written`);
      const out = join(dir, `${name}.${ext}`);
      const pp = spawnSync('janus-pp-rec', [mjr, out], { encoding: 'utf8' });
      assert.equal(pp.status, 0, `janus-pp-rec ${name}: ${pp.stderr}`);
      const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out], { encoding: 'utf8' });
      const seconds = Number(probe.stdout.trim());
      assert.ok(seconds > 1 && seconds < 4, `${name}: ${seconds} s after janus-pp-rec (${probe.stderr})`);
    }
    await c.send({ request: 'destroy', id: 991, secret: 'rec' });
  },
);

// /metrics on a real server: sessions, handles and a werift EchoTest call's media counters as the Admin API
// reports them, a Streaming mountpoint's source, the rooms of the room plugins, process and Node.js metrics;
// every scrape checked by promtool (Debian's prometheus) and by a strict reader of the text format. The listener
// is off by default and its secret is enforced.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import type { RtpPacket } from 'werift';
import { loadConfig } from '../../../src/config/load.js';
import { PORTUNUS_VERSION } from '../../../src/core/version.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { rtpPacket } from '../../../support/rtp-packets.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../../support/werift-client.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { checkWithPromtool, parseExposition, samplesOf, valueOf, type Exposition } from '../../helpers/prometheus-text.js';

tolerateLeftoverTimers("werift's timers after its peers closed");

const ECHO = 'janus.plugin.echotest';
let srv: StartedServer;
let metricsUrl: string;
let adminUrl: string;
before(async () => {
  srv = await startInProcess([
    ['metrics.enabled', 'true'],
    ['metrics.ip', '127.0.0.1'],
    ['metrics.port', '0'],
    ['http.admin_http', 'true'],
    ['http.admin_ip', '127.0.0.1'],
    ['http.admin_port', '0'],
  ]);
  metricsUrl = `http://127.0.0.1:${srv.server.listeners.find((l) => l.name.startsWith('Metrics'))?.port ?? 0}/metrics`;
  adminUrl = `http://127.0.0.1:${srv.server.listeners.find((l) => l.name.startsWith('Admin API'))?.port ?? 0}/admin`;
});
after(async () => {
  await srv?.stop();
});

async function scrape(url = metricsUrl): Promise<Exposition> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  checkWithPromtool(text);
  return parseExposition(text);
}

const admin = async (path: string, body: Msg): Promise<Msg> => (await (await fetch(`${adminUrl}${path}`, { method: 'POST', body: JSON.stringify({ transaction: 't', ...body }) })).json()) as Msg;

type Totals = Record<string, number>;
interface StreamInfo {
  readonly type: 'audio' | 'video';
  readonly totals: Totals;
}

/** handle_info's per-m-line totals summed by kind, and its data channel counters. */
async function handleTotals(session: number, handle: number): Promise<{ audio: Totals; video: Totals; data: Totals; state: string }> {
  const info = (await admin(`/${session}/${handle}`, { janus: 'handle_info' })).info as Msg;
  const webrtc = info.webrtc as { state: string; streams: StreamInfo[]; data: Totals };
  const sum = (kind: string): Totals => {
    const out: Totals = {};
    for (const s of webrtc.streams.filter((x) => x.type === kind)) for (const [k, v] of Object.entries(s.totals)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { audio: sum('audio'), video: sum('video'), data: webrtc.data, state: webrtc.state };
}

/** The Admin totals' names and the metric each one is. */
const RTP_METRICS: Array<[string, string]> = [
  ['packets_received', 'portunus_media_received_packets_total'],
  ['bytes_received', 'portunus_media_received_bytes_total'],
  ['packets_sent', 'portunus_media_sent_packets_total'],
  ['bytes_sent', 'portunus_media_sent_bytes_total'],
  ['nacks_sent', 'portunus_rtp_nacks_sent_total'],
  ['nacks_received', 'portunus_rtp_nacks_received_total'],
  ['retransmitted', 'portunus_rtp_retransmitted_packets_total'],
  ['plis_sent', 'portunus_rtp_plis_sent_total'],
  ['plis_received', 'portunus_rtp_plis_received_total'],
  ['lost', 'portunus_rtp_lost_packets_total'],
];
const DATA_METRICS: Array<[string, string]> = [
  ['messages_received', 'portunus_media_received_packets_total'],
  ['bytes_received', 'portunus_media_received_bytes_total'],
  ['messages_sent', 'portunus_media_sent_packets_total'],
  ['bytes_sent', 'portunus_media_sent_bytes_total'],
];

function metricTotals(e: Exposition): Record<'audio' | 'video' | 'data', Totals> {
  const out = { audio: {} as Totals, video: {} as Totals, data: {} as Totals };
  for (const kind of ['audio', 'video'] as const) for (const [k, m] of RTP_METRICS) out[kind][k] = valueOf(e, m, { plugin: ECHO, kind });
  for (const [k, m] of DATA_METRICS) out.data[k] = valueOf(e, m, { plugin: ECHO, kind: 'data' });
  return out;
}

test('sessions, handles and the media counters of a werift EchoTest call are what the Admin API reports, and stay after hangup', { timeout: 60_000 }, async () => {
  const network = new HostNetwork(await discoverNetworkHost());
  const client = createLoopbackClient(network);
  const c = await JanusWs.open(srv.wsUrl);
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: ECHO })).data as { id: number }).id;
    let m = await scrape();
    assert.equal(valueOf(m, 'portunus_sessions'), ((await admin('', { janus: 'list_sessions' })).sessions as number[]).length);
    assert.equal(valueOf(m, 'portunus_handles', { plugin: ECHO }), ((await admin(`/${session}`, { janus: 'list_handles' })).handles as number[]).length);
    assert.equal(valueOf(m, 'portunus_handles', { plugin: ECHO }), 1);
    assert.equal(valueOf(m, 'portunus_handles', { plugin: 'janus.plugin.videoroom' }), 0);
    assert.deepEqual(samplesOf(m, 'portunus_peerconnections', { plugin: ECHO }), []);

    const audioBack: string[] = [];
    const videoBack: string[] = [];
    const dataBack: string[] = [];
    client.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p: RtpPacket) => audioBack.push(p.payload.toString())));
    client.video.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p: RtpPacket) => videoBack.push(p.payload.toString())));
    client.channel.onMessage.subscribe((d: string | Buffer) => dataBack.push(d.toString()));
    const ack = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true, video: true }, jsep: { type: 'offer', sdp: await clientOffer(client) } });
    const ev = await c.wait((x) => x.janus === 'event' && x.transaction === ack.transaction, 10_000, 'echotest answer');
    await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly((ev.jsep as { sdp: string }).sdp) });
    await c.wait((x) => x.janus === 'webrtcup' && x.sender === handle, 15_000, 'webrtcup');
    m = await scrape();
    assert.equal(valueOf(m, 'portunus_peerconnections', { plugin: ECHO, state: 'up' }), 1);

    for (let seq = 1; seq <= 40; seq++) {
      await client.audio.sender.sendRtp(rtpWithText(seq, 1111, client.audio.sender.codec?.payloadType ?? 111, `audio-${seq}`));
      await client.video.sender.sendRtp(rtpWithText(seq, 2222, client.video.sender.codec?.payloadType ?? 96, `video-${seq}`));
      if (seq === 20) await waitFor(() => client.channel.readyState === 'open', { timeout: 5000, what: 'data channel open' });
      if (seq === 20) client.channel.send('hello metrics');
      await sleep(15);
    }
    await waitFor(() => audioBack.length >= 30 && videoBack.length >= 30 && dataBack.length === 1, { timeout: 10_000, what: 'echoed media' });
    const kf = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { keyframe: true } });
    await c.wait((x) => x.janus === 'event' && x.transaction === kf.transaction, 5000, 'keyframe result');
    await sleep(300);

    // Nothing flows any more: Admin before and after the scrape agree, and so does the scrape.
    let during: Exposition | undefined;
    let admin1 = await handleTotals(session, handle);
    for (let i = 0; i < 5; i++) {
      during = await scrape();
      const admin2 = await handleTotals(session, handle);
      if (JSON.stringify(admin1) === JSON.stringify(admin2)) break;
      admin1 = admin2;
      await sleep(200);
    }
    assert.ok(during);
    const metrics = metricTotals(during);
    assert.deepEqual(metrics, { audio: admin1.audio, video: admin1.video, data: admin1.data });
    assert.ok(metrics.audio.packets_received >= 40 && metrics.video.packets_received >= 40, JSON.stringify(metrics));
    assert.ok(metrics.audio.packets_sent >= 30 && metrics.video.packets_sent >= 30, JSON.stringify(metrics));
    assert.ok(metrics.video.bytes_sent > 0 && metrics.audio.bytes_received > 0);
    assert.ok(metrics.video.plis_sent >= 1, 'keyframe: true sent a PLI');
    assert.deepEqual([metrics.data.messages_received, metrics.data.bytes_received], [1, 'hello metrics'.length]);
    assert.equal(metrics.data.messages_sent, 1);
    // Forwarding CPU per packet: the server has run for more than a second and sent packets.
    const cpu = valueOf(during, 'portunus_forwarding_cpu_seconds_per_packet');
    assert.ok(cpu > 0 && cpu < 1, String(cpu));

    assert.equal((await c.request({ janus: 'hangup', session_id: session, handle_id: handle })).janus, 'success');
    await c.wait((x) => x.janus === 'hangup' && x.sender === handle, 5000, 'hangup');
    m = await scrape();
    assert.deepEqual(samplesOf(m, 'portunus_peerconnections', { plugin: ECHO }), []);
    assert.equal(valueOf(m, 'portunus_peerconnection_hangups_total', { reason: 'Janus API' }), 1);
    assert.equal(valueOf(m, 'portunus_ice_failures_total'), 0);
    assert.equal(valueOf(m, 'portunus_dtls_failures_total'), 0);
    // The closed PeerConnection's counts are kept: no counter went down.
    const afterHangup = metricTotals(m);
    for (const kind of ['audio', 'video', 'data'] as const) for (const [k, v] of Object.entries(metrics[kind])) assert.ok(afterHangup[kind][k] >= v, `${kind} ${k}`);

    await c.request({ janus: 'detach', session_id: session, handle_id: handle });
    await c.request({ janus: 'destroy', session_id: session });
    m = await scrape();
    assert.equal(valueOf(m, 'portunus_sessions'), 0);
    assert.equal(valueOf(m, 'portunus_handles', { plugin: ECHO }), 0);
  } finally {
    c.close();
    await client.close();
  }
});

test('rooms of the room plugins, a Streaming mountpoint and its source, process and Node.js metrics', { timeout: 30_000 }, async () => {
  const c = await JanusWs.open(srv.wsUrl);
  const sock = dgram.createSocket('udp4');
  try {
    let m = await scrape();
    // Room 1234 exists by default in each (as in Janus's sample configurations).
    for (const plugin of ['janus.plugin.videoroom', 'janus.plugin.audiobridge', 'janus.plugin.textroom']) {
      assert.equal(valueOf(m, 'portunus_plugin_rooms', { plugin }), 1, plugin);
      assert.equal(valueOf(m, 'portunus_plugin_participants', { plugin }), 0, plugin);
    }
    assert.equal(valueOf(m, 'portunus_plugin_publishers', { plugin: 'janus.plugin.videoroom' }), 0);
    assert.equal(m.types.get('portunus_plugin_mountpoint_source_packets_total'), 'counter');

    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const send = async (body: Msg): Promise<Msg> => ((await c.request({ janus: 'message', session_id: session, handle_id: handle, body })).plugindata as Msg).data as Msg;
    const created = await send({ request: 'create', type: 'rtp', id: 4242, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] });
    const port = (created.stream as { ports: Array<{ port: number }> }).ports[0].port;
    const started = Date.now();
    let seq = 0;
    while (Date.now() - started < 1500) {
      seq++;
      const packet = rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0x4242, payload: Buffer.alloc(100, seq) });
      await new Promise<void>((r) => sock.send(packet, port, '127.0.0.1', () => r()));
      await sleep(20);
    }
    await sleep(100);
    const info = (await send({ request: 'info', id: 4242 })).info as { media: Array<{ packets: number }> };
    m = await scrape();
    const labels = { plugin: 'janus.plugin.streaming', mountpoint: '4242', mid: 'a', type: 'audio' };
    assert.equal(valueOf(m, 'portunus_plugin_mountpoint_source_packets_total', labels), info.media[0].packets);
    assert.ok(info.media[0].packets >= 30);
    assert.equal(valueOf(m, 'portunus_plugin_mountpoint_source_bytes_total', labels), info.media[0].packets * 112);
    const rate = valueOf(m, 'portunus_plugin_mountpoint_source_bytes_per_second', labels);
    assert.ok(rate > 2500 && rate < 6000, `about 112 bytes every 20-something ms: ${rate}`);
    assert.ok(valueOf(m, 'portunus_plugin_mountpoints', { plugin: 'janus.plugin.streaming' }) >= 1);
    assert.equal(valueOf(m, 'portunus_plugin_mountpoint_viewers', { plugin: 'janus.plugin.streaming', mountpoint: '4242' }), 0);
    await send({ request: 'destroy', id: 4242 });
    m = await scrape();
    assert.deepEqual(samplesOf(m, 'portunus_plugin_mountpoint_source_packets_total', { mountpoint: '4242' }), []);

    // The process and Node.js metrics (prom-client's names), GC included, and the event-loop monitor's figures.
    assert.equal(m.types.get('process_cpu_seconds_total'), 'counter');
    assert.ok(valueOf(m, 'process_resident_memory_bytes') > 0);
    assert.equal(m.types.get('nodejs_gc_duration_seconds'), 'histogram');
    assert.equal(m.types.get('portunus_event_loop_lag_seconds'), 'gauge');
    assert.ok(valueOf(m, 'portunus_event_loop_lag_seconds', { stat: 'max' }) >= 0);
    assert.equal(valueOf(m, 'portunus_info', { version: PORTUNUS_VERSION }), 1);
    await c.request({ janus: 'destroy', session_id: session });
  } finally {
    sock.close();
    c.close();
  }
});

test('the metrics listener is off by default', async () => {
  assert.equal(loadConfig({}).core.metrics.enabled, false);
  const plain = await startInProcess();
  try {
    assert.deepEqual(
      plain.server.listeners.map((l) => l.name).filter((n) => n.startsWith('Metrics')),
      [],
    );
  } finally {
    await plain.stop();
  }
});

test('metrics.secret: a scrape needs it as a bearer token or basic-auth password; other paths and methods are refused', async () => {
  const guarded = await startInProcess([
    ['metrics.enabled', 'true'],
    ['metrics.ip', '127.0.0.1'],
    ['metrics.port', '0'],
    ['metrics.secret', 's3cret'],
    ['metrics.path', '/custom/metrics'],
    ['metrics.process_metrics', 'false'],
  ]);
  try {
    const url = `http://127.0.0.1:${guarded.server.listeners.find((l) => l.name.startsWith('Metrics'))?.port ?? 0}/custom/metrics`;
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer realm="portunus metrics"/);
    await none.text();
    for (const authorization of ['Bearer wrong', `Basic ${Buffer.from('prometheus:wrong').toString('base64')}`, 's3cret', 'Bearer s3cret extra']) {
      const r = await fetch(url, { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
      await r.text();
    }
    const bearer = await fetch(url, { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(bearer.status, 200);
    const text = await bearer.text();
    checkWithPromtool(text);
    const e = parseExposition(text);
    assert.equal(valueOf(e, 'portunus_sessions'), 0);
    assert.equal(e.types.get('process_cpu_seconds_total'), undefined, 'process_metrics = false');
    const basic = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('prometheus:s3cret').toString('base64')}` } });
    assert.equal(basic.status, 200);
    await basic.text();
    const other = await fetch(url.replace('/custom/metrics', '/metrics'), { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(other.status, 404);
    await other.text();
    const post = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer s3cret' }, body: 'x' });
    assert.equal(post.status, 405);
    await post.text();
    // Still serving.
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
  } finally {
    await guarded.stop();
  }
});

test("the Admin API's access list guards the metrics listener: other addresses are closed, X-Forwarded-For too", async () => {
  const listed = async (acl: string): Promise<StartedServer> =>
    startInProcess([
      ['metrics.enabled', 'true'],
      ['metrics.ip', '127.0.0.1'],
      ['metrics.port', '0'],
      ['http.admin_acl', acl],
      ['http.admin_acl_forwarded', 'true'],
    ]);
  const urlOf = (s: StartedServer): string => `http://127.0.0.1:${s.server.listeners.find((l) => l.name.startsWith('Metrics'))?.port ?? 0}/metrics`;
  const outside = await listed('10.,192.168.');
  try {
    await assert.rejects(fetch(urlOf(outside)), '127.0.0.1 is not in admin_acl');
    assert.ok(outside.logs.some((l) => l.includes('Metrics (http): 127.0.0.1 is not in the access list')));
  } finally {
    await outside.stop();
  }
  const inside = await listed('127.');
  try {
    const ok = await fetch(urlOf(inside));
    assert.equal(ok.status, 200);
    checkWithPromtool(await ok.text());
    await assert.rejects(fetch(urlOf(inside), { headers: { 'X-Forwarded-For': '203.0.113.9' } }), 'forwarded for an address outside the list');
    assert.equal((await fetch(urlOf(inside))).status, 200, 'still serving');
  } finally {
    await inside.stop();
  }
});

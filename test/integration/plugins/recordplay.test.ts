// janus.plugin.recordplay against a server in this process: a werift client records audio, video and data; the
// .nfo and .mjr files are written as Janus lays them out; the recording is listed and played back to a second
// werift client with its packets in order and its timing kept; Janus's own sample recording (the first .mjr
// format) plays too; a recorder renegotiates (an ICE restart with `record` + `update`) and goes on in the same
// files; janode's Record&Play wrapper drives every request it has, over WebSocket and the Unix socket; bad requests
// get Janus's codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Janode from 'janode';
import RecordPlayPlugin from 'janode/plugins/recordplay';
import { RTCPeerConnection, useOPUS, useSdesMid, useVP8, type RtpPacket } from 'werift';
import { UdpIceTransport } from '../../../src/media/udp-ice-transport.js';
import { takeOverIceGathering } from '../../../src/media/werift/ice-gathering.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network } from '../../../src/net/network.js';
import { readMjr } from '../../../src/plugins/mjr/mjr-reader.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JANODE_TRANSPORTS, JanodeSockets, janodeTransportUnavailable } from '../../helpers/janode-transports.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { candidatesOn } from '../../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, iceUfrag, rtpWithText, startIceChecks, type LoopbackClient } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';

tolerateLeftoverTimers('werift keeps timers of closed peers');

const JANUS_SAMPLES = '/usr/share/janus/recordings';

let srv: StartedServer;
let network: Network;
let folder: string;
const sockets = new JanodeSockets();

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'portunus-recordplay-'));
  // Janus's sample recording, as Janus's sample configuration points its folder at it.
  if (existsSync(join(JANUS_SAMPLES, '1234.nfo'))) for (const f of readdirSync(JANUS_SAMPLES)) copyFileSync(join(JANUS_SAMPLES, f), join(folder, f));
  srv = await startInProcess([['recordplay.path', folder], ...sockets.overrides()]);
  network = new HostNetwork(await discoverNetworkHost());
});

after(async () => {
  await srv?.stop();
  rmSync(folder, { recursive: true, force: true });
  sockets.remove();
});

/** A Record&Play handle over the Janus API. */
class Rp {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}

  static async open(): Promise<Rp> {
    const ws = await JanusWs.open(srv.wsUrl);
    const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.recordplay' })).data as { id: number }).id;
    return new Rp(ws, session, handle);
  }

  /** A request answered in `success` (list, update, configure, errors before queueing). */
  async now(body: Msg): Promise<Msg> {
    const r = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    return (r.plugindata as Msg).data as Msg;
  }

  /** A queued request: its event (data and jsep). */
  async event(body: Msg, jsep?: Msg): Promise<{ data: Msg; jsep?: Msg }> {
    const ack = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    if (ack.janus === 'success') return { data: (ack.plugindata as Msg).data as Msg };
    if (ack.janus === 'error') return { data: { core_error: (ack.error as Msg).code } };
    const ev = await this.ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, `answer to ${String(body.request)}`);
    return { data: (ev.plugindata as Msg).data as Msg, jsep: ev.jsep as Msg | undefined };
  }

  waitFor(what: string, match: (data: Msg) => boolean, timeoutMs = 15_000): Promise<Msg> {
    return this.ws.wait((m) => m.janus === 'event' && m.sender === this.handle && match(((m.plugindata as Msg | undefined)?.data as Msg | undefined) ?? {}), timeoutMs, what);
  }

  async close(): Promise<void> {
    await this.ws.request({ janus: 'destroy', session_id: this.session }).catch(() => undefined);
    this.ws.close();
  }
}

/** A werift client that takes the server's offer and counts what it receives, by kind. */
async function player(rp: Rp, offer: Msg): Promise<{ audio: RtpPacket[]; video: RtpPacket[]; data: string[]; pc: RTCPeerConnection; close(): Promise<void> }> {
  const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, codecs: { audio: [useOPUS()], video: [useVP8()] }, headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] } });
  const sockets: UdpIceTransport[] = [];
  const got = { audio: [] as RtpPacket[], video: [] as RtpPacket[], data: [] as string[] };
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p: RtpPacket) => (track.kind === 'audio' ? got.audio : got.video).push(p)));
  pc.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((d: string | Buffer) => got.data.push(d.toString())));
  await pc.setRemoteDescription({ type: 'offer', sdp: candidatesOn(offer.sdp as string, '127.0.0.1') });
  takeOverIceGathering(
    pc,
    async () => {
      const t = new UdpIceTransport(await network.openUdp({ what: 'test player ICE', bind: '127.0.0.1' }), () => {});
      sockets.push(t);
      return [{ transport: t, advertise: '127.0.0.1' }];
    },
    () => {},
  );
  await pc.setLocalDescription(await pc.createAnswer());
  const started = await rp.event({ request: 'start' }, { type: 'answer', sdp: pc.localDescription?.sdp ?? '' });
  assert.deepEqual(started.data, { recordplay: 'event', result: { status: 'playing' } });
  return {
    ...got,
    pc,
    async close() {
      await pc.close().catch(() => undefined);
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
}

test('record → .nfo and .mjr files as Janus lays them out → list → play back in order, with its timing; stop → stopped, done', { timeout: 60_000 }, async () => {
  const rec = await Rp.open();
  const client = createLoopbackClient(network);
  let id = 0;
  try {
    const offer = await clientOffer(client);
    const r = await rec.event({ request: 'record', name: 'A test recording', filename: 'calls/first' }, { type: 'offer', sdp: offer });
    assert.equal((r.data.result as Msg).status, 'recording', JSON.stringify(r.data));
    id = (r.data.result as Msg).id as number;
    assert.ok(Number.isSafeInteger(id) && id > 0, 'a numeric id');
    assert.equal(r.jsep?.type, 'answer');
    assert.match(r.jsep?.sdp as string, /a=recvonly/, 'the recorder only receives');
    await client.pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn(r.jsep?.sdp as string, '127.0.0.1') });
    await rec.ws.wait((m) => m.janus === 'webrtcup' && m.sender === rec.handle, 15_000, 'webrtcup');
    await waitFor(() => client.channel.readyState === 'open', { timeout: 10_000, what: 'data channel open' });
    const apt = client.audio.sender.codec?.payloadType ?? 111;
    const vpt = client.video.sender.codec?.payloadType ?? 96;
    // 100 audio packets 20 ms apart (their timestamps say so too), a few video packets and data messages.
    for (let i = 0; i < 100; i++) {
      await client.audio.sender.sendRtp(rtpWithText(i, 4242, apt, `a${i}`));
      if (i % 10 === 0) await client.video.sender.sendRtp(rtpWithText(i, 5151, vpt, `v${i}`));
      if (i % 25 === 0) client.channel.send(`d${i}`);
      await sleep(20);
    }
    // As Janus's demo page does: `stop` and the hang-up sent at once. Whichever the server handles first, the
    // `stopped` event names the recording (the page shows "Recording completed" only then).
    const stopTx = rec.ws.send({ janus: 'message', session_id: rec.session, handle_id: rec.handle, body: { request: 'stop' } });
    rec.ws.send({ janus: 'hangup', session_id: rec.session, handle_id: rec.handle });
    const stopped = await rec.ws.wait((m) => m.janus === 'event' && m.transaction === stopTx, 10_000, 'stopped');
    assert.deepEqual((stopped.plugindata as Msg).data, { recordplay: 'event', result: { status: 'stopped', id } });
    // The page lists the recordings as soon as it reads `stopped`: this one is in the list by then.
    const listed = (await rec.now({ request: 'list' })).list as Msg[];
    assert.ok(
      listed.some((e) => e.id === id),
      JSON.stringify(listed),
    );
    await rec.waitFor('done', (d) => d.result === 'done');
  } finally {
    await client.close();
    await rec.close();
  }
  const nfo = readFileSync(join(folder, `${id}.nfo`), 'utf8');
  assert.match(
    nfo,
    new RegExp(
      `^\\[${id}\\]\\r\\nname = A test recording\\r\\ndate = \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\r\\naudio = calls/first-audio.mjr\\r\\nvideo = calls/first-video.mjr\\r\\ndata = calls/first-data.mjr\\r\\n$`,
    ),
    nfo,
  );
  const audio = readMjr(readFileSync(join(folder, 'calls', 'first-audio.mjr')));
  assert.equal(audio.stopped, undefined, 'a whole audio file');
  assert.equal(audio.info?.codec, 'opus');
  assert.ok(audio.frames.length >= 95, `audio frames recorded: ${audio.frames.length}`);
  assert.equal(readMjr(readFileSync(join(folder, 'calls', 'first-video.mjr'))).info?.codec, 'vp8');
  // Janus's own converter reads what was recorded: 100 packets 20 ms apart make a 2 s Opus file.
  if (existsSync('/usr/bin/janus-pp-rec') && existsSync('/usr/bin/ffprobe')) {
    const out = join(folder, 'first.opus');
    const pp = spawnSync('janus-pp-rec', [join(folder, 'calls', 'first-audio.mjr'), out], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(pp.status, 0, pp.stderr);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out], { encoding: 'utf8', timeout: 20_000 });
    const seconds = Number(probe.stdout.trim());
    assert.ok(seconds > 1.8 && seconds < 2.2, `janus-pp-rec made ${seconds} s of Opus`);
  }
  const data = readMjr(readFileSync(join(folder, 'calls', 'first-data.mjr')));
  assert.deepEqual(
    data.frames.map((f) => Buffer.from(f.payload).toString()),
    ['d0', 'd25', 'd50', 'd75'],
  );

  const viewer = await Rp.open();
  try {
    const list = await viewer.now({ request: 'list' });
    const entry = (list.list as Msg[]).find((e) => e.id === id);
    assert.deepEqual(entry, { id, name: 'A test recording', date: entry?.date, audio: true, audio_codec: 'opus', video: true, video_codec: 'vp8', data: true });
    const prepared = await viewer.event({ request: 'play', id });
    assert.deepEqual(prepared.data, { recordplay: 'event', result: { status: 'preparing', id } });
    assert.equal(prepared.jsep?.type, 'offer');
    assert.match(prepared.jsep?.sdp as string, /a=sendonly/);
    const started = performance.now();
    const p = await player(viewer, prepared.jsep);
    try {
      await viewer.waitFor('done at the end of the recording', (d) => d.result === 'done', 20_000);
      const tookMs = performance.now() - started;
      const texts = p.audio.map((x) => x.payload.toString()).filter((t) => t.startsWith('a'));
      assert.ok(texts.length >= 90, `audio played back: ${texts.length} packets`);
      const order = texts.map((t) => Number(t.slice(1)));
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        'in the order recorded',
      );
      assert.ok(
        p.video.some((x) => x.payload.toString() === 'v50'),
        'video played back',
      );
      assert.deepEqual(p.data, ['d0', 'd25', 'd50', 'd75'], 'data played back');
      // 2 s of recording, paced by its timestamps (not sent at once): the playout takes about as long.
      assert.ok(tookMs > 1500, `played in ${tookMs.toFixed(0)} ms`);
    } finally {
      await p.close();
    }
  } finally {
    await viewer.close();
  }
});

/** The client's ICE-restart offer (new credentials, gathered anew). */
async function restartOffer(client: LoopbackClient): Promise<string> {
  await client.pc.setLocalDescription(await client.pc.createOffer({ iceRestart: true }));
  const sdp = client.pc.localDescription?.sdp;
  if (!sdp) throw new Error('client produced no offer');
  return sdp;
}

/** The server's answer applied, and the restarted checks started (see startIceChecks). */
async function restartAnswered(client: LoopbackClient, answer: Msg | undefined): Promise<void> {
  assert.equal(answer?.type, 'answer');
  await client.pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn(answer?.sdp as string, '127.0.0.1') });
  startIceChecks(client.pc);
}

/** The `tag<n>` numbers a .mjr file holds, in order. */
function taggedIn(file: string, tag: string): number[] {
  return readMjr(readFileSync(join(folder, file)))
    .frames.map((f) => new RegExp(`${tag}(\\d+)`).exec(Buffer.from(f.payload).toString('latin1'))?.[1])
    .filter((n) => n !== undefined)
    .map(Number);
}

test('record + update: an ICE restart renegotiates a running recorder; the same recording and files go on', { timeout: 60_000 }, async () => {
  const rec = await Rp.open();
  const client = createLoopbackClient(network);
  let id: number;
  try {
    // `update` on a handle that records nothing is ignored (a warning), as Janus does: a new recording.
    const first = await rec.event({ request: 'record', name: 'renegotiated', filename: 'renego', update: true }, { type: 'offer', sdp: await clientOffer(client) });
    assert.equal((first.data.result as Msg).status, 'recording', JSON.stringify(first.data));
    id = (first.data.result as Msg).id as number;
    await client.pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn(first.jsep?.sdp as string, '127.0.0.1') });
    await rec.ws.wait((m) => m.janus === 'webrtcup' && m.sender === rec.handle, 15_000, 'webrtcup');
    await waitFor(() => client.channel.readyState === 'open', { timeout: 10_000, what: 'data channel open' });
    const apt = client.audio.sender.codec?.payloadType ?? 111;
    const vpt = client.video.sender.codec?.payloadType ?? 96;
    const send = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        await client.audio.sender.sendRtp(rtpWithText(i, 4343, apt, `u${i}`));
        if (i % 10 === 0) await client.video.sender.sendRtp(rtpWithText(i, 5252, vpt, `w${i}`));
        await sleep(20);
      }
    };
    await send(0, 40);
    client.channel.send('before');
    await waitFor(() => taggedIn('renego-audio.mjr', 'u').length >= 30, { timeout: 5000, what: 'audio on disk before the update' });
    const sizeBefore = readFileSync(join(folder, 'renego-audio.mjr')).length;
    const filesBefore = readdirSync(folder).sort();

    // A new offer without the video m-line cannot update the recorder: 419, and the recording goes on.
    const withoutVideo = (client.pc.localDescription?.sdp ?? '')
      .split(/\r\n(?=m=)/)
      .filter((section) => !section.startsWith('m=video'))
      .join('\r\n');
    const refused = await rec.event({ request: 'record', name: 'renegotiated', update: true }, { type: 'offer', sdp: withoutVideo });
    assert.equal(refused.data.error_code, 419, JSON.stringify(refused.data));
    const offer = await restartOffer(client);
    assert.notEqual(iceUfrag(offer), iceUfrag(first.jsep?.sdp as string), 'new ICE credentials offered');
    const updated = await rec.event({ request: 'record', name: 'renegotiated', update: true }, { type: 'offer', sdp: offer });
    assert.deepEqual(updated.data, { recordplay: 'event', result: { status: 'recording', id } }, 'the same recording');
    assert.match(updated.jsep?.sdp as string, /a=recvonly/);
    assert.notEqual(iceUfrag(updated.jsep?.sdp as string), iceUfrag(first.jsep?.sdp as string), 'new ICE credentials answered');
    await restartAnswered(client, updated.jsep);
    assert.ok(
      srv.logs.some((l) => l.includes('ICE restart') && l.includes(`handle=${rec.handle}`)),
      'the server restarted ICE',
    );
    await send(100, 140);
    client.channel.send('after');
    await waitFor(() => taggedIn('renego-audio.mjr', 'u').some((n) => n >= 120), { timeout: 10_000, what: 'audio from after the update on disk' });
    const stopped = await rec.event({ request: 'stop' });
    assert.deepEqual(stopped.data, { recordplay: 'event', result: { status: 'stopped', id } });
    await rec.waitFor('done', (d) => d.result === 'done');
    assert.deepEqual(readdirSync(folder).sort(), [...filesBefore, `${id}.nfo`].sort(), 'no new files but the .nfo');
    assert.ok(readFileSync(join(folder, 'renego-audio.mjr')).length > sizeBefore, 'the audio file grew');
  } finally {
    await client.close();
    await rec.close();
  }
  const audio = taggedIn('renego-audio.mjr', 'u');
  assert.ok(audio.filter((n) => n < 40).length >= 30 && audio.filter((n) => n >= 100).length >= 30, `before and after the update, one file: ${audio.join(' ')}`);
  assert.ok(taggedIn('renego-video.mjr', 'w').includes(120), 'video after the update');
  assert.deepEqual(
    readMjr(readFileSync(join(folder, 'renego-data.mjr'))).frames.map((f) => Buffer.from(f.payload).toString()),
    ['before', 'after'],
  );
  const viewer = await Rp.open();
  try {
    const listed = ((await viewer.now({ request: 'list' })).list as Msg[]).filter((e) => e.name === 'renegotiated');
    assert.deepEqual(
      listed.map((e) => e.id),
      [id],
      'one recording',
    );
    // An offer on a handle that plays (its PeerConnection offered by the server) cannot update anything.
    const prepared = await viewer.event({ request: 'play', id });
    assert.equal((prepared.data.result as Msg).status, 'preparing');
    const other = createLoopbackClient(network);
    try {
      const refused = await viewer.event({ request: 'record', name: 'x', update: true }, { type: 'offer', sdp: await clientOffer(other) });
      assert.deepEqual(refused.data, { recordplay: 'event', error_code: 418, error: "Not a recording session, can't update" });
    } finally {
      await other.close();
    }
  } finally {
    await viewer.close();
  }
});

test("Janus's sample recording (the first .mjr format) is listed and plays", { timeout: 60_000, skip: !existsSync(join(JANUS_SAMPLES, '1234.nfo')) && 'no Janus sample recording here' }, async () => {
  const viewer = await Rp.open();
  try {
    const list = await viewer.now({ request: 'list' });
    const sample = (list.list as Msg[]).find((e) => e.id === 1234);
    assert.deepEqual(sample, { id: 1234, name: 'Lorenzo says hello!', date: '2014-10-22 14:44:36', audio: true, audio_codec: 'opus', video: true, video_codec: 'vp8', data: false });
    const prepared = await viewer.event({ request: 'play', id: 1234 });
    assert.equal((prepared.data.result as Msg).status, 'preparing');
    const p = await player(viewer, prepared.jsep as Msg);
    try {
      await waitFor(() => p.audio.length > 50 && p.video.length > 20, { timeout: 15_000, what: 'the sample plays' });
      const stopped = await viewer.event({ request: 'stop' });
      assert.deepEqual(stopped.data, { recordplay: 'event', result: { status: 'stopped', id: 1234 } });
      await viewer.waitFor('done', (d) => d.result === 'done');
    } finally {
      await p.close();
    }
  } finally {
    await viewer.close();
  }
});

test('bad requests get Record&Play codes; the handle and the server keep serving', { timeout: 30_000 }, async () => {
  const rp = await Rp.open();
  const code = async (body: Msg, jsep?: Msg): Promise<unknown> => (await rp.event(body, jsep)).data.error_code;
  try {
    assert.equal(await code({ request: 'dance' }), 413, 'unknown request');
    assert.equal(await code({ request: 42 }), 414, 'request not a string');
    assert.equal(await code({}), 415, 'no request');
    assert.equal(await code({ request: 'play', id: 99999 }), 416, 'no such recording');
    assert.equal(await code({ request: 'play' }), 415, 'play without id');
    assert.equal(await code({ request: 'play', id: 'x' }), 414, 'id not a number');
    assert.equal(await code({ request: 'start' }), 418, 'start before play');
    assert.equal(await code({ request: 'record', name: 'x' }), 415, 'record without an offer');
    const client = createLoopbackClient(network);
    try {
      const offer = { type: 'offer', sdp: await clientOffer(client) };
      assert.equal(await code({ request: 'record' }, offer), 415, 'record without a name');
      assert.equal(await code({ request: 'record', name: '' }, offer), 414, 'an empty name');
      assert.equal(await code({ request: 'record', name: 'x', filename: '../outside' }, offer), 414, 'a file name outside the folder');
      if (existsSync(join(folder, '1234.nfo'))) assert.equal(await code({ request: 'record', name: 'x', id: 1234 }, offer), 420, 'an id that exists');
      // An offer that is not SDP is refused by the core before the plugin sees it, as Janus's core does.
      assert.deepEqual((await rp.event({ request: 'record', name: 'x' }, { type: 'offer', sdp: 'garbage' })).data, { core_error: 465 });
    } finally {
      await client.close();
    }
    assert.equal(await code({ request: 'configure', 'video-bitrate-max': -5 }), 414, 'a negative bitrate');
    const configured = await rp.now({ request: 'configure', 'video-bitrate-max': 512000, 'video-keyframe-interval': 5000 });
    assert.deepEqual(configured, { recordplay: 'configure', status: 'ok', settings: { 'video-keyframe-interval': 5000, 'video-bitrate-max': 512000 } });
    assert.deepEqual((await rp.event({ request: 'pause' })).data, { recordplay: 'event' }, 'pause with nothing recorded: an event without result, as Janus');
    assert.deepEqual(await rp.now({ request: 'update' }), { recordplay: 'ok' });
    assert.ok(Array.isArray((await rp.now({ request: 'LIST' })).list), 'request names in any case');
  } finally {
    await rp.close();
  }
});

interface JanodeRecordPlay {
  listRecordings(o: object): Promise<{ list: Msg[] }>;
  updateRecordings(o: object): Promise<unknown>;
  configure(o: { maxBitrate?: number; keyframeInterval?: number }): Promise<unknown>;
  record(o: { name: string; filename?: string; update?: boolean; jsep: Msg }): Promise<{ id: number; jsep: Msg }>;
  pause(): Promise<unknown>;
  resume(): Promise<unknown>;
  play(o: { id: number }): Promise<{ id: number; jsep: Msg }>;
  start(o: { jsep: Msg }): Promise<unknown>;
  stop(): Promise<unknown>;
  detach(): Promise<void>;
}
interface JanodeSession {
  attach(plugin: { id: string; Handle: unknown }): Promise<JanodeRecordPlay>;
  destroy(): Promise<void>;
}
const janodeConnect = (config: object): Promise<{ create(): Promise<JanodeSession>; close(): Promise<void> }> =>
  (Janode as unknown as { connect: (c: object) => Promise<{ create(): Promise<JanodeSession>; close(): Promise<void> }> }).connect(config);

for (const transport of JANODE_TRANSPORTS) {
  test(
    `janode's Record&Play wrapper over ${transport}: list, update, configure, record, pause, resume, record with update, stop, play, start, stop`,
    { timeout: 60_000, skip: janodeTransportUnavailable(transport) },
    async () => {
      (Janode as unknown as { Logger: { setLevel: (l: string) => void } }).Logger.setLevel('none');
      const connection = await janodeConnect({ address: { url: sockets.url(transport, srv.wsUrl) } });
      const name = transport === 'WebSocket' ? 'janode' : 'janode-unix';
      const session = await connection.create();
      const client = createLoopbackClient(network);
      try {
        const rp = await session.attach(RecordPlayPlugin);
        assert.ok(Array.isArray((await rp.listRecordings({})).list));
        await rp.updateRecordings({});
        await rp.configure({ maxBitrate: 300000, keyframeInterval: 10000 });
        const recorded = await rp.record({ name: 'janode recording', filename: name, jsep: { type: 'offer', sdp: await clientOffer(client) } });
        assert.ok(recorded.id > 0);
        await client.pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn(recorded.jsep.sdp as string, '127.0.0.1') });
        await waitFor(() => client.pc.connectionState === 'connected', { timeout: 15_000, what: 'recorder connected' });
        const apt = client.audio.sender.codec?.payloadType ?? 111;
        for (let i = 0; i < 30; i++) {
          if (i === 10) await rp.pause();
          if (i === 20) await rp.resume();
          await client.audio.sender.sendRtp(rtpWithText(i, 777, apt, `j${i}`));
          await sleep(20);
        }
        // record({update: true}) with an ICE-restart offer: the same recording goes on.
        const updated = await rp.record({ name: 'janode recording', update: true, jsep: { type: 'offer', sdp: await restartOffer(client) } });
        assert.equal(updated.id, recorded.id, 'the same recording after the update');
        await restartAnswered(client, updated.jsep);
        for (let i = 30; i < 60; i++) {
          await client.audio.sender.sendRtp(rtpWithText(i, 777, apt, `j${i}`));
          await sleep(20);
        }
        await rp.stop();
        const kept = readMjr(readFileSync(join(folder, `${name}-audio.mjr`)))
          .frames.map((f) => /j\d+/.exec(Buffer.from(f.payload).toString('latin1'))?.[0] ?? '')
          .filter((t) => t !== '');
        assert.ok(!kept.some((t) => ['j12', 'j15', 'j18'].includes(t)), `nothing recorded while paused: ${kept.join(' ')}`);
        assert.ok(kept.includes('j5') && kept.includes('j25'), `recorded before and after the pause: ${kept.join(' ')}`);
        assert.ok(kept.filter((t) => Number(t.slice(1)) >= 40).length >= 15, `recorded after the update: ${kept.join(' ')}`);
        await waitFor(async () => (await rp.listRecordings({})).list.some((e) => e.id === recorded.id), { timeout: 5000, what: 'the recording listed' });
        const player2 = await session.attach(RecordPlayPlugin);
        const prepared = await player2.play({ id: recorded.id });
        assert.equal(prepared.id, recorded.id);
        assert.equal(prepared.jsep.type, 'offer');
        const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false });
        await pc.setRemoteDescription({ type: 'offer', sdp: prepared.jsep.sdp as string });
        await pc.setLocalDescription(await pc.createAnswer());
        await player2.start({ jsep: { type: 'answer', sdp: pc.localDescription?.sdp ?? '' } });
        await player2.stop();
        await pc.close();
        await player2.detach();
        await rp.detach();
      } finally {
        await client.close();
        await session.destroy().catch(() => undefined);
        await connection.close().catch(() => undefined);
      }
    },
  );
}

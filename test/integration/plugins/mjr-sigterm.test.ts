// SIGTERM while recording: the real server (a child process) records an EchoTest call from a werift client and is
// stopped mid-stream. Every .mjr must read whole (our reader and Janus's janus-pp-rec agree on every frame), hold
// every packet the client saw echoed (the server records before it echoes), and the server must exit 0 once stopped.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RtpPacket } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { readMjr } from '../../../src/plugins/mjr/mjr-reader.js';
import { parseRtpHeader } from '../../../src/rtp/rtp-header.js';
import { freePorts } from '../../helpers/child-server.js';
import { JanusWs } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { noIpv6Env, repoRoot } from '../../helpers/no-ipv6.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';

// werift paces its RTCP reports and DTLS retransmissions with node:timers/promises timers that close() does not
// cancel; they run out on their own, up to half a minute after the last peer closed.
tolerateLeftoverTimers('werift RTCP and DTLS timers outlive close()');

const ppRec = existsSync('/usr/bin/janus-pp-rec');
/** What janus-pp-rec says of a frame cut short. */
const TORN = /Didn't manage to read|Invalid header|not enough bytes/;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Running {
  readonly child: ReturnType<typeof spawn>;
  readonly wsUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

/** The real server in `dir` (its working folder and general.recordings_dir), so client file names land there. */
async function startServer(dir: string, env: NodeJS.ProcessEnv): Promise<Running> {
  const [httpPort, wsPort] = await freePorts(2);
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist', 'src', 'main.js'),
      `--http.port=${httpPort}`,
      `--websockets.ws_port=${wsPort}`,
      '--websockets.ws_ip=127.0.0.1',
      '--http.ip=127.0.0.1',
      '--nat.ice_enforce_list=lo',
      `--general.recordings_dir=${dir}`,
    ],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(() => out.includes('Portunus is ready') || child.exitCode !== null, { timeout: 15_000, what: 'Portunus is ready' });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  assert.ok(out.includes('Portunus is ready'), out);
  return { child, wsUrl: `ws://127.0.0.1:${wsPort}`, output: () => out, exited };
}

/** One call recorded and cut by SIGTERM; returns what the client saw echoed, by kind. */
async function recordAndTerminate(
  dir: string,
  name: string,
  env: NodeJS.ProcessEnv,
  signals = 1,
  signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM',
): Promise<{ echoed: Map<string, Set<string>>; output: string }> {
  const server = await startServer(dir, env);
  const network = new HostNetwork(await discoverNetworkHost());
  const client = createLoopbackClient(network);
  const c = await JanusWs.open(server.wsUrl);
  const echoed = new Map<string, Set<string>>([
    ['audio', new Set()],
    ['video', new Set()],
    ['data', new Set()],
  ]);
  let pumping = true;
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
    client.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p: RtpPacket) => echoed.get('audio')?.add(p.payload.toString())));
    client.video.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p: RtpPacket) => echoed.get('video')?.add(p.payload.toString())));
    client.channel.onMessage.subscribe((d: string | Buffer) => echoed.get('data')?.add(d.toString().replace(/^.*?(data-)/, '$1')));
    const ack = await c.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { audio: true, video: true, data: true, record: true, filename: name },
      jsep: { type: 'offer', sdp: await clientOffer(client) },
    });
    const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'echotest answer');
    await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly((ev.jsep as { sdp: string }).sdp) });
    await c.wait((m) => m.janus === 'webrtcup', 15_000, 'webrtcup');
    // Packets flow on all three kinds until the server is gone; SIGTERM comes while they do.
    let seq = 0;
    const pump = (async () => {
      while (pumping && seq < 5000) {
        seq++;
        await client.audio.sender.sendRtp(rtpWithText(seq, 1111, client.audio.sender.codec?.payloadType ?? 111, `audio-${seq}`)).catch(() => {});
        await client.video.sender.sendRtp(rtpWithText(seq, 2222, client.video.sender.codec?.payloadType ?? 96, `video-${seq}-${'v'.repeat(900)}`)).catch(() => {});
        if (client.channel.readyState === 'open' && seq % 5 === 0) client.channel.send(`data-${seq}`);
        await sleep(4);
      }
    })();
    await waitFor(() => [...echoed.values()].every((s) => s.size >= 20), { timeout: 10_000, what: 'echoes of every kind' });
    // A second SIGTERM right after the first (an impatient operator, a service manager) exits at once.
    for (let i = 0; i < signals; i++) server.child.kill(signal);
    const code = await Promise.race([server.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    pumping = false;
    await pump;
    if (code === 'hung') server.child.kill('SIGKILL');
    if (signals === 1) {
      assert.equal(code, 0, `the server exits 0 after ${signal}:\n${server.output().slice(-3000)}`);
      assert.match(server.output(), new RegExp(`${signal} received, stopping[\\s\\S]*stopped`));
    } else assert.notEqual(code, 'hung', 'a second SIGTERM ends the process');
    return { echoed, output: server.output() };
  } finally {
    pumping = false;
    c.close();
    await client.close();
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}

/** Every .mjr of `name` in `dir`: whole for our reader and for janus-pp-rec, holding every packet echoed. */
function checkRecordings(dir: string, name: string, echoed: Map<string, Set<string>>): void {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.mjr'));
  assert.deepEqual(files.map((f) => f.slice(name.length + 1, -4)).sort(), ['audio', 'data', 'video'], `files: ${files.join(', ')}`);
  for (const file of files) {
    const kind = file.slice(name.length + 1, -4);
    const r = checkWhole(dir, file, kind as 'audio' | 'video' | 'data');
    const recorded = new Set(
      r.frames.map((f) => {
        const p = Buffer.from(f.payload);
        const h = kind === 'data' ? undefined : parseRtpHeader(p);
        return (h ? p.subarray(h.headerLength) : p).toString();
      }),
    );
    const first = Math.min(...[...recorded].map((p) => Number(p.split('-')[1])));
    const missing = [...(echoed.get(kind) ?? [])].filter((p) => Number(p.split('-')[1]) >= first && !recorded.has(p));
    assert.deepEqual(missing, [], `${file}: every ${kind} packet echoed since the recording began is in it (${recorded.size} recorded)`);
  }
}

/** One .mjr: whole for our reader and for janus-pp-rec (same frame count, no torn frame; audio and data convert). */
function checkWhole(dir: string, file: string, kind: 'audio' | 'video' | 'data'): ReturnType<typeof readMjr> {
  const bytes = readFileSync(join(dir, file));
  const r = readMjr(bytes);
  assert.equal(r.stopped, undefined, `${file} (${bytes.length} bytes) reads whole: ${JSON.stringify(r.stopped)}`);
  assert.equal(r.info?.kind, kind);
  assert.ok(r.frames.length > 0, `${file} has frames`);
  if (!ppRec) return r;
  const pp = spawnSync('janus-pp-rec', ['-p', join(dir, file)], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(pp.status, 0, `janus-pp-rec -p ${file}: ${pp.stderr}`);
  const counted = /Counted (\d+) frame packets/.exec(pp.stdout + pp.stderr);
  assert.equal(Number(counted?.[1]), r.frames.length, `janus-pp-rec counts the frames our reader read in ${file}`);
  assert.doesNotMatch(pp.stdout + pp.stderr, TORN, `janus-pp-rec -p ${file} finds no torn frame`);
  if (kind === 'video') return r; // text payloads are no VP8 a .webm could hold
  const out = join(dir, `${file}.${kind === 'audio' ? 'opus' : 'srt'}`);
  const conv = spawnSync('janus-pp-rec', [join(dir, file), out], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(conv.status, 0, `janus-pp-rec ${file}: ${conv.stderr}`);
  assert.doesNotMatch(conv.stdout + conv.stderr, TORN, `janus-pp-rec reads ${file} whole`);
  assert.ok(existsSync(out));
  return r;
}

test('SIGTERM (once, or twice at once; SIGINT once) while an EchoTest call records: every .mjr whole, holding every echoed packet; exit 0 after one', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-sigterm-'));
  dirs.push(dir);
  for (let round = 1; round <= 8; round++) {
    const name = `call-${round}`;
    const { echoed } = await recordAndTerminate(dir, name, process.env, round % 2 === 0 ? 2 : 1, round === 3 ? 'SIGINT' : 'SIGTERM');
    checkRecordings(dir, name, echoed);
  }
});

test('the same on a host without IPv6', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-sigterm6-'));
  dirs.push(dir);
  const { echoed, output } = await recordAndTerminate(dir, 'call', await noIpv6Env());
  assert.match(output, /IPv6 is unavailable/);
  checkRecordings(dir, 'call', echoed);
});

/** A plugin message's answer: the sync success, or after an ack the event with its transaction. */
async function ask(c: JanusWs, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const first = await c.request({ janus: 'message', ...request });
  if (first.janus !== 'ack') return first;
  return c.wait((m) => m.janus === 'event' && m.transaction === first.transaction, 10_000, `answer to ${JSON.stringify(request.body)}`);
}

const pluginData = (m: Record<string, unknown>): Record<string, unknown> => (m.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {};

/** VideoRoom publishers recording (room `record: true`) when the server is stopped; returns the recording folder. */
async function recordRoomAndTerminate(dir: string, signals: number): Promise<string> {
  const server = await startServer(dir, process.env);
  const network = new HostNetwork(await discoverNetworkHost());
  const clients = [createLoopbackClient(network), createLoopbackClient(network)];
  const sockets: JanusWs[] = [];
  let pumping = true;
  try {
    const admin = await JanusWs.open(server.wsUrl);
    sockets.push(admin);
    const as = ((await admin.request({ janus: 'create' })).data as { id: number }).id;
    const ah = ((await admin.request({ janus: 'attach', session_id: as, plugin: 'janus.plugin.videoroom' })).data as { id: number }).id;
    const created = await ask(admin, { session_id: as, handle_id: ah, body: { request: 'create', room: 4321, publishers: 4, record: true, rec_dir: 'room-4321' } });
    assert.equal(pluginData(created).videoroom, 'created', JSON.stringify(created));
    let pumps: Array<Promise<void>> = [];
    for (const [i, client] of clients.entries()) {
      const c = await JanusWs.open(server.wsUrl);
      sockets.push(c);
      const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
      const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data as { id: number }).id;
      const joined = await ask(c, { session_id: session, handle_id: handle, body: { request: 'join', ptype: 'publisher', room: 4321, display: `p${i}` } });
      assert.equal(pluginData(joined).videoroom, 'joined', JSON.stringify(joined));
      const ev = await ask(c, { session_id: session, handle_id: handle, body: { request: 'publish' }, jsep: { type: 'offer', sdp: await clientOffer(client) } });
      assert.equal(pluginData(ev).configured, 'ok', JSON.stringify(ev).slice(0, 400));
      await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly((ev.jsep as { sdp: string }).sdp) });
      await c.wait((m) => m.janus === 'webrtcup', 15_000, 'webrtcup');
      pumps.push(
        (async () => {
          for (let seq = 1; pumping && seq < 5000; seq++) {
            await client.audio.sender.sendRtp(rtpWithText(seq, 1111 + i, client.audio.sender.codec?.payloadType ?? 111, `audio-${seq}`)).catch(() => {});
            await client.video.sender.sendRtp(rtpWithText(seq, 2222 + i, client.video.sender.codec?.payloadType ?? 96, `video-${seq}-${'v'.repeat(900)}`)).catch(() => {});
            if (client.channel.readyState === 'open' && seq % 5 === 0) client.channel.send(`data-${seq}`);
            await sleep(4);
          }
        })(),
      );
    }
    const folder = join(dir, 'room-4321');
    // Recording: every stream of both publishers has a file with frames in it.
    await waitFor(() => existsSync(folder) && readdirSync(folder).filter((f) => readFileSync(join(folder, f)).length > 2000).length >= 6, { timeout: 15_000, what: 'six recordings under way' });
    for (let i = 0; i < signals; i++) server.child.kill('SIGTERM');
    const code = await Promise.race([server.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    pumping = false;
    await Promise.all(pumps);
    pumps = [];
    if (code === 'hung') server.child.kill('SIGKILL');
    if (signals === 1) assert.equal(code, 0, `the server exits 0 after SIGTERM:\n${server.output().slice(-3000)}`);
    else assert.notEqual(code, 'hung');
    return folder;
  } finally {
    pumping = false;
    for (const c of sockets) c.close();
    await Promise.all(clients.map((c) => c.close()));
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}

test('SIGTERM (once, or twice at once) while VideoRoom publishers record: every .mjr of every stream reads whole', { timeout: 120_000 }, async () => {
  for (let round = 1; round <= 4; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'portunus-sigterm-room-'));
    dirs.push(dir);
    const folder = await recordRoomAndTerminate(dir, round % 2 === 0 ? 2 : 1);
    const files = readdirSync(folder).filter((f) => f.endsWith('.mjr'));
    assert.equal(files.length, 6, `two publishers, three streams each: ${files.join(', ')}`);
    for (const f of files) checkWhole(folder, f, f.includes('-audio-') ? 'audio' : f.includes('-video-') ? 'video' : 'data');
  }
});

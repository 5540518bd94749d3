// ffmpeg sends VP8 and Opus over RTP into a mountpoint created through the API with ports 0; janus.js in
// headless Chromium watches it and decodes frames. The same runs on a server that cannot create IPv6 sockets.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { serveJanusPage, STATS_SCRIPT } from '../helpers/janusjs-page.js';
import { freePort, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { noIpv6Env, repoRoot } from '../helpers/no-ipv6.js';
import { sleep, waitUntil } from '../../support/wait.js';
import { startFfmpegSource } from '../../support/ffmpeg-source.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>streaming</title>
<video id="remote" autoplay playsinline muted></video>
<audio id="remote-audio" autoplay></audio>
<script src="/adapter.js"></script>
<script type="module">
import Janus from '/janus.es.js';
const w = window;
w.result = { events: [], error: null, webrtcUp: false };
w.watch = (server, id) => new Promise((resolve) => {
  Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: () => {
    const janus = new Janus({ server, iceServers: [], error: (e) => { w.result.error = String(e); resolve(); },
      success: () => janus.attach({ plugin: 'janus.plugin.streaming',
        error: (e) => { w.result.error = String(e); resolve(); },
        success: (h) => { w.handle = h; h.send({ message: { request: 'watch', id } }); resolve(); },
        onmessage: (msg, jsep) => {
          w.result.events.push(msg);
          if (jsep) w.handle.createAnswer({ jsep, tracks: [{ type: 'data' }],
            success: (answer) => w.handle.send({ message: { request: 'start' }, jsep: answer }),
            error: (e) => { w.result.error = 'createAnswer: ' + String(e); } });
        },
        webrtcState: (on) => { w.result.webrtcUp = on; },
        onremotetrack: (track, mid, on) => {
          if (on && track.kind === 'video') document.getElementById('remote').srcObject = new MediaStream([track]);
          if (on && track.kind === 'audio') document.getElementById('remote-audio').srcObject = new MediaStream([track]);
        } }) });
    w.janus = janus;
  } });
});
// Viewer-offers mode: the page offers to receive, the server answers.
w.watchWithOffer = (server, id) => new Promise((resolve) => {
  Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: () => {
    const janus = new Janus({ server, iceServers: [], error: (e) => { w.result.error = String(e); resolve(); },
      success: () => janus.attach({ plugin: 'janus.plugin.streaming',
        error: (e) => { w.result.error = String(e); resolve(); },
        success: (h) => {
          w.handle = h;
          h.createOffer({ tracks: [{ type: 'audio', capture: false, recv: true }, { type: 'video', capture: false, recv: true }],
            success: (jsep) => { h.send({ message: { request: 'watch', id }, jsep }); resolve(); },
            error: (e) => { w.result.error = 'createOffer: ' + String(e); resolve(); } });
        },
        onmessage: (msg, jsep) => { w.result.events.push(msg); if (jsep) w.handle.handleRemoteJsep({ jsep }); },
        webrtcState: (on) => { w.result.webrtcUp = on; },
        onremotetrack: (track, mid, on) => {
          if (on && track.kind === 'video') document.getElementById('remote').srcObject = new MediaStream([track]);
          if (on && track.kind === 'audio') document.getElementById('remote-audio').srcObject = new MediaStream([track]);
        } }) });
    w.janus = janus;
  } });
});
${STATS_SCRIPT}
</script>`;

const servePage = (): Promise<{ server: Server; url: string }> => serveJanusPage(PAGE);

function startFfmpeg(videoPort: number, audioPort: number): ChildProcess {
  return startFfmpegSource({ videoPort, audioPort, seconds: 60, stdio: ['ignore', 'ignore', 'pipe'] });
}

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync('/usr/bin/ffmpeg') && 'no ffmpeg');
let browser: Browser;
let page: { server: Server; url: string };
before(async () => {
  if (skip) return;
  page = await servePage();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  page?.server.close();
});

for (const variant of ['normal host', 'host without IPv6'] as const) {
  test(`ffmpeg → mountpoint (ports 0) → janus.js decodes video and gets audio (${variant})`, { timeout: 90_000, skip }, async () => {
    const srv: ChildServer = await startChildServer([], variant === 'normal host' ? process.env : await noIpv6Env());
    const c = await JanusWs.open(srv.wsUrl);
    let ffmpeg: ChildProcess | undefined;
    const context = await browser.newContext();
    try {
      const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
      const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
      const created = await c.request({
        janus: 'message',
        session_id: session,
        handle_id: handle,
        body: {
          request: 'create',
          type: 'rtp',
          description: 'ffmpeg test',
          media: [
            { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
            { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
          ],
        },
      });
      const data = (created.plugindata as Msg).data as Msg;
      assert.equal(data.streaming, 'created', JSON.stringify(data));
      const stream = data.stream as { id: number; ports: Array<{ mid: string; port: number }> };
      const vport = stream.ports.find((p) => p.mid === 'v')!.port;
      const aport = stream.ports.find((p) => p.mid === 'a')!.port;
      assert.ok(vport >= 10000 && vport <= 60000 && aport >= 10000 && aport <= 60000, `ports in range: ${vport} ${aport}`);
      ffmpeg = startFfmpeg(vport, aport);
      const p = await context.newPage();
      await p.goto(page.url);
      await p.waitForFunction(() => typeof (window as unknown as { watch?: unknown }).watch === 'function');
      await p.evaluate(([s, id]) => (window as unknown as { watch: (s: string, id: number) => Promise<void> }).watch(s, id), [srv.wsUrl, stream.id] as const);
      await p.waitForFunction(
        () => {
          const r = (window as unknown as { result: { webrtcUp: boolean; error: string | null } }).result;
          return r.webrtcUp || r.error !== null;
        },
        undefined,
        { timeout: 30_000 },
      );
      const r = await p.evaluate(() => (window as unknown as { result: { error: string | null; events: Array<{ result?: { status?: string } }> } }).result);
      assert.equal(r.error, null);
      assert.deepEqual(
        r.events
          .map((e) => e.result?.status)
          .filter(Boolean)
          .slice(0, 2),
        ['preparing', 'starting'],
      );
      await p.waitForFunction(async () => (await (window as unknown as { stats: () => Promise<{ framesDecoded: number }> }).stats()).framesDecoded > 10, undefined, { timeout: 20_000 });
      const s1 = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number; audioPackets: number }> }).stats());
      await p.waitForTimeout(1500);
      const s2 = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number; audioPackets: number }> }).stats());
      assert.ok(s2.framesDecoded > s1.framesDecoded, `frames decoded rising ${s1.framesDecoded} → ${s2.framesDecoded}`);
      assert.ok(s2.audioPackets > s1.audioPackets, `audio rising ${s1.audioPackets} → ${s2.audioPackets}`);
      const info = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'info', id: stream.id } });
      const media = (((info.plugindata as Msg).data as Msg).info as Msg).media as Array<{ packets: number }>;
      assert.ok(media.every((m) => m.packets > 0));
      if (variant === 'normal host') {
        // watch with restart: the server offers new ICE credentials ("updating"), janus.js answers, video goes on.
        const pair = () => p.evaluate(() => (window as unknown as { selectedPair: () => Promise<string> }).selectedPair());
        const before = await pair();
        await p.evaluate((id) => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: { request: 'watch', id, restart: true } }), stream.id);
        await p.waitForFunction(() => (window as unknown as { result: { events: Array<{ result?: { status?: string } }> } }).result.events.some((e) => e.result?.status === 'updating'), undefined, {
          timeout: 10_000,
        });
        const deadline = Date.now() + 15_000;
        while ((await pair()) === before && Date.now() < deadline) await p.waitForTimeout(200);
        assert.notEqual(await pair(), before, 'a new candidate pair after the restart');
        const s3 = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number }> }).stats());
        await p.waitForTimeout(1500);
        const s4 = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number }> }).stats());
        assert.ok(s4.framesDecoded > s3.framesDecoded, `frames decoded after the restart ${s3.framesDecoded} → ${s4.framesDecoded}`);
      }
      assert.equal(srv.child.exitCode, null);
    } finally {
      ffmpeg?.kill('SIGKILL');
      await context.close();
      c.close();
      await srv.stop();
    }
  });
}

test('viewer-offers mode: janus.js offers to receive, the server answers, video and audio decode', { timeout: 90_000, skip }, async () => {
  const srv: ChildServer = await startChildServer([]);
  const c = await JanusWs.open(srv.wsUrl);
  let ffmpeg: ChildProcess | undefined;
  const context = await browser.newContext();
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const created = await c.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: {
        request: 'create',
        type: 'rtp',
        id: 66,
        media: [
          { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
          { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
        ],
      },
    });
    const stream = ((created.plugindata as Msg).data as Msg).stream as { ports: Array<{ mid: string; port: number }> };
    ffmpeg = startFfmpeg(stream.ports.find((p) => p.mid === 'v')!.port, stream.ports.find((p) => p.mid === 'a')!.port);
    const p = await context.newPage();
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { watchWithOffer?: unknown }).watchWithOffer === 'function');
    await p.evaluate(([s, id]) => (window as unknown as { watchWithOffer: (s: string, id: number) => Promise<void> }).watchWithOffer(s, id), [srv.wsUrl, 66] as const);
    await p.waitForFunction(
      () => {
        const r = (window as unknown as { result: { webrtcUp: boolean; error: string | null } }).result;
        return r.webrtcUp || r.error !== null;
      },
      undefined,
      { timeout: 30_000 },
    );
    const r = await p.evaluate(() => (window as unknown as { result: { error: string | null; events: Array<{ result?: { status?: string } }> } }).result);
    assert.equal(r.error, null);
    assert.equal(r.events[0]?.result?.status, 'starting');
    type Stats = { framesDecoded: number; audioPackets: number };
    await p.waitForFunction(async () => (await (window as unknown as { stats: () => Promise<Stats> }).stats()).framesDecoded > 10, undefined, { timeout: 20_000 });
    const s1 = await p.evaluate(() => (window as unknown as { stats: () => Promise<Stats> }).stats());
    await p.waitForTimeout(1500);
    const s2 = await p.evaluate(() => (window as unknown as { stats: () => Promise<Stats> }).stats());
    assert.ok(s2.framesDecoded > s1.framesDecoded, `frames decoded rising ${s1.framesDecoded} → ${s2.framesDecoded}`);
    assert.ok(s2.audioPackets > s1.audioPackets, `audio rising ${s1.audioPackets} → ${s2.audioPackets}`);
  } finally {
    ffmpeg?.kill('SIGKILL');
    await context.close();
    c.close();
    await srv.stop();
  }
});

test('a live mountpoint playing an Ogg Opus file: janus.js decodes the audio', { timeout: 60_000, skip }, async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'portunus-live-'));
  const file = join(dir, 'tone.opus');
  assert.equal(spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libopus', file]).status, 0);
  // A file named over the API is read inside general.recordings_dir.
  const srv: ChildServer = await startChildServer([`--general.recordings_dir=${dir}`]);
  const c = await JanusWs.open(srv.wsUrl);
  const context = await browser.newContext();
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const created = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'create', type: 'live', id: 77, audio: true, filename: 'tone.opus' } });
    assert.equal(((created.plugindata as Msg).data as Msg).streaming, 'created', JSON.stringify(created));
    const p = await context.newPage();
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { watch?: unknown }).watch === 'function');
    await p.evaluate(([s, id]) => (window as unknown as { watch: (s: string, id: number) => Promise<void> }).watch(s, id), [srv.wsUrl, 77] as const);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean; error: string | null } }).result.webrtcUp, undefined, { timeout: 30_000 });
    type Stats = { audioPackets: number; audioSamples: number; concealedSamples: number };
    const read = () => p.evaluate(() => (window as unknown as { stats: () => Promise<Stats> }).stats());
    await p.waitForFunction(async () => (await (window as unknown as { stats: () => Promise<Stats> }).stats()).audioPackets > 20, undefined, { timeout: 20_000 });
    const s1 = await read();
    await p.waitForTimeout(2500); // longer than the file: playback loops
    const s2 = await read();
    const samples = s2.audioSamples - s1.audioSamples;
    const concealed = s2.concealedSamples - s1.concealedSamples;
    assert.ok(s2.audioPackets - s1.audioPackets > 80, `audio packets rising ${s1.audioPackets} → ${s2.audioPackets}`);
    assert.ok(samples > 48000, `samples decoded rising by ${samples}`);
    assert.ok(concealed < samples * 0.2, `little concealment: ${concealed} of ${samples}`);
  } finally {
    await context.close();
    c.close();
    await srv.stop();
  }
});

/** GStreamer's RTSP server as the camera (test/fixtures/gst-rtsp-camera.py), ready when it says so. */
async function startCamera(port: number): Promise<ChildProcess> {
  const cam = spawn('/usr/bin/python3', [join(repoRoot, 'test', 'fixtures', 'gst-rtsp-camera.py'), String(port), '/cam'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  cam.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  cam.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!out.includes('ready')) {
    if (cam.exitCode !== null || Date.now() > deadline) {
      cam.kill('SIGKILL');
      throw new Error(`the RTSP camera did not start: ${out}`);
    }
    await sleep(50);
  }
  return cam;
}

const noGstRtsp = !existsSync('/usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib') && 'no GStreamer RTSP server';

test('an rtsp mountpoint pulls from a GStreamer RTSP camera; janus.js decodes it, also after the camera restarts', { timeout: 120_000, skip: skip || noGstRtsp }, async () => {
  const camPort = await freePort();
  let cam = await startCamera(camPort);
  const srv: ChildServer = await startChildServer([]);
  const c = await JanusWs.open(srv.wsUrl);
  const context = await browser.newContext();
  type Stats = { framesDecoded: number; audioPackets: number };
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const created = await c.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { request: 'create', type: 'rtsp', id: 88, url: `rtsp://127.0.0.1:${camPort}/cam`, rtsp_reconnect_delay: 1 },
    });
    assert.equal(((created.plugindata as Msg).data as Msg).streaming, 'created', JSON.stringify(created));
    const p = await context.newPage();
    const read = () => p.evaluate(() => (window as unknown as { stats: () => Promise<Stats> }).stats());
    const decodingMore = async (than: Stats, what: string): Promise<Stats> => {
      const deadline = Date.now() + 20_000;
      let s = await read();
      while ((s.framesDecoded <= than.framesDecoded + 10 || s.audioPackets <= than.audioPackets + 20) && Date.now() < deadline) {
        await p.waitForTimeout(250);
        s = await read();
      }
      assert.ok(s.framesDecoded > than.framesDecoded + 10, `${what}: frames decoded ${than.framesDecoded} → ${s.framesDecoded}`);
      assert.ok(s.audioPackets > than.audioPackets + 20, `${what}: audio packets ${than.audioPackets} → ${s.audioPackets}`);
      return s;
    };
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { watch?: unknown }).watch === 'function');
    await p.evaluate(([s, id]) => (window as unknown as { watch: (s: string, id: number) => Promise<void> }).watch(s, id), [srv.wsUrl, 88] as const);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean; error: string | null } }).result.webrtcUp, undefined, { timeout: 30_000 });
    const before = await decodingMore({ framesDecoded: 0, audioPackets: 0 }, 'from the camera');
    // The camera goes away and comes back on the same address: the server sets the session up again.
    cam.kill('SIGKILL');
    await sleep(1500);
    const stalled = await read();
    cam = await startCamera(camPort);
    await waitUntil(() => /RTSP session re-established/.test(srv.log()), { timeout: 20_000, interval: 200 });
    assert.match(srv.log(), /RTSP session lost/);
    assert.match(srv.log(), /RTSP session re-established/);
    await decodingMore(stalled, 'after the camera restarted');
    assert.ok(stalled.framesDecoded >= before.framesDecoded);
    assert.equal(srv.child.exitCode, null);
  } finally {
    cam.kill('SIGKILL');
    await context.close();
    c.close();
    await srv.stop();
  }
});

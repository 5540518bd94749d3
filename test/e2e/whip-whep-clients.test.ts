// WHIP and WHEP with real clients, the server on a host without IPv6: headless Chromium publishes over WHIP
// (simulcast, an ICE restart by PATCH) into a VideoRoom where a janus.js subscriber decodes it; GStreamer's
// webrtcbin publishes over WHIP too (test/fixtures/gst-whip-client.py); Chromium and GStreamer watch over WHEP
// a mountpoint fed by ffmpeg and a VideoRoom publisher; Chromium and GStreamer publish over WHIP into Streaming
// mountpoints that janus.js viewers watch. Frames decoded are counted at every receiver.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser, openTestPage, type TestPage } from '../../support/browser.js';
import { startFfmpegSource } from '../../support/ffmpeg-source.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { pollUntil } from '../../support/wait.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { serveJanusPage, STATS_SCRIPT } from '../helpers/janusjs-page.js';
import { noIpv6Env, repoRoot } from '../helpers/no-ipv6.js';

const ROOM = 1234; // the VideoRoom's demo room, there by default
const PYTHON = '/usr/bin/python3';
const skip =
  (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') ||
  (!existsSync('/usr/bin/ffmpeg') && 'no ffmpeg') ||
  (!existsSync('/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstwebrtc.so') && 'no GStreamer webrtcbin (gstreamer1.0-plugins-bad)');

// The WHIP/WHEP page: plain fetch and RTCPeerConnection, as a WHIP client library does.
const CLIENT_PAGE = `<!doctype html><meta charset="utf-8"><title>whip</title><video id="v" autoplay muted playsinline></video>
<script>
const gathered = (pc) => new Promise((resolve) => {
  if (pc.iceGatheringState === 'complete') return resolve();
  pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
});
async function post(url, pc, token) {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const headers = { 'content-type': 'application/sdp' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(url, { method: 'POST', headers, body: pc.localDescription.sdp });
  const body = await res.text();
  if (res.status !== 201) return { status: res.status, body };
  window.answer = body;
  window.resource = new URL(res.headers.get('location'), url).href;
  window.etag = res.headers.get('etag');
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  return { status: res.status, location: res.headers.get('location'), etag: window.etag, link: res.headers.get('link') };
}
window.whip = async (url, simulcast) => {
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  const pc = (window.pc = new RTCPeerConnection({ iceServers: [] }));
  const sendEncodings = simulcast ? [{ rid: 'h' }, { rid: 'm', scaleResolutionDownBy: 2 }, { rid: 'l', scaleResolutionDownBy: 4 }] : undefined;
  pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', sendEncodings });
  pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly' });
  return post(url, pc);
};
window.whep = async (url) => {
  const pc = (window.pc = new RTCPeerConnection({ iceServers: [] }));
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.ontrack = (e) => { if (e.track.kind === 'video') document.getElementById('v').srcObject = new MediaStream([e.track]); };
  return post(url, pc);
};
// An ICE restart as RFC 9725 4.4 has it: new credentials and candidates by PATCH (If-Match: *), the server's in the 200.
window.restartIce = async () => {
  const pc = window.pc;
  pc.restartIce();
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const sdp = pc.localDescription.sdp;
  const first = sdp.split('\\r\\nm=')[1].split('\\r\\n');
  const lines = ['a=ice-ufrag:' + /a=ice-ufrag:(\\S+)/.exec(sdp)[1], 'a=ice-pwd:' + /a=ice-pwd:(\\S+)/.exec(sdp)[1], 'm=' + first[0].replace(/^(\\S+) \\d+/, '$1 9'),
    'a=mid:' + /a=mid:(\\S+)/.exec(sdp)[1], ...first.filter((l) => l.startsWith('a=candidate:') && / 127\\.0\\.0\\.1 /.test(l)), 'a=end-of-candidates'];
  const res = await fetch(window.resource, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': '*' }, body: lines.join('\\r\\n') + '\\r\\n' });
  const frag = await res.text();
  if (res.status !== 200) return { status: res.status, body: frag };
  const ufrag = /a=ice-ufrag:(\\S+)/.exec(frag)[1];
  const pwd = /a=ice-pwd:(\\S+)/.exec(frag)[1];
  const candidates = frag.split('\\r\\n').filter((l) => l.startsWith('a=candidate:'));
  // The answer as it was, with the server's new credentials and candidates (WHIP renegotiates nothing else).
  const sections = window.answer.replace(/a=ice-ufrag:\\S+/g, 'a=ice-ufrag:' + ufrag).replace(/a=ice-pwd:\\S+/g, 'a=ice-pwd:' + pwd)
    .split('\\r\\n').filter((l) => !l.startsWith('a=candidate:'));
  const at = sections.findIndex((l) => l.startsWith('a=ice-pwd:'));
  sections.splice(at + 1, 0, ...candidates);
  await pc.setRemoteDescription({ type: 'answer', sdp: sections.join('\\r\\n') });
  const old = window.etag;
  window.etag = res.headers.get('etag');
  return { status: res.status, etag: window.etag, oldEtag: old };
};
window.patchWithEtag = async (etag) => (await fetch(window.resource, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': etag }, body: 'a=end-of-candidates\\r\\n' })).status;
window.remove = async () => (await fetch(window.resource, { method: 'DELETE' })).status;
window.framesDecoded = async () => {
  let n = 0;
  let width = 0;
  (await window.pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') { n += s.framesDecoded || 0; width = s.frameWidth || width; } });
  return { n, width };
};
window.connected = () => window.pc && window.pc.connectionState;
</script>`;

// janus.js on a handle of `plugin` whose first message has the server offer (a VideoRoom subscriber's `join`, as
// its demo sends it, or a Streaming viewer's `watch`); `configure` for a substream.
const JANUS_PAGE = `<!doctype html><meta charset="utf-8"><title>janus.js</title><video id="remote" autoplay muted playsinline></video>
<script src="/adapter.js"></script>
<script type="module">
import Janus from '/janus.es.js';
window.errors = [];
const open = (server, plugin, message) => new Promise((resolve) => {
  Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: () => {
    const janus = new Janus({ server, iceServers: [], error: (e) => resolve('session: ' + String(e)), success: () => {
      janus.attach({ plugin,
        error: (e) => resolve('attach: ' + String(e)),
        success: (h) => { window.handle = h; h.send({ message }); resolve(null); },
        onmessage: (msg, jsep) => {
          if (msg.error) window.errors.push(msg.error);
          if (jsep) window.handle.createAnswer({ jsep, tracks: [{ type: 'data' }],
            success: (ans) => window.handle.send({ message: { request: 'start' }, jsep: ans }),
            error: (e) => window.errors.push(String(e)) });
        },
        onremotetrack: (track, mid, on) => { if (on && track.kind === 'video') document.getElementById('remote').srcObject = new MediaStream([track]); },
      });
    } });
  } });
});
window.subscribe = (server, room, feed) => open(server, 'janus.plugin.videoroom', { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
window.watch = (server, id) => open(server, 'janus.plugin.streaming', { request: 'watch', id });
window.substream = (n) => window.handle.send({ message: { request: 'configure', substream: n } });
</script>
<script>${STATS_SCRIPT}</script>`;

let srv: ChildServer;
let base: string;
let browser: Browser;
let janusPage: { server: Server; url: string };
let ws: JanusWs;
const pages: TestPage[] = [];
const children: ChildProcess[] = [];

async function pluginRequest(plugin: string, body: Msg): Promise<Msg> {
  // A session of its own each time: the tests are longer than a session lives without keepalives.
  const session = Number(((await ws.request({ janus: 'create' })).data as Msg).id);
  return ws.pluginRequest(session, plugin, body);
}

before(async () => {
  if (skip) return;
  srv = await startChildServer([], { ...(await noIpv6Env()), PORTUNUS_EXPECT_NO_IPV6: '1' });
  assert.match(srv.log(), /IPv6 is unavailable/);
  base = srv.restUrl.replace(/\/janus$/, '');
  browser = await launchBrowser();
  janusPage = await serveJanusPage(JANUS_PAGE);
  ws = await JanusWs.open(srv.wsUrl);
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const p of pages) await p.close();
  ws?.close();
  await browser?.close();
  if (janusPage) await new Promise<void>((resolve) => janusPage.server.close(() => resolve()));
  await srv?.stop();
});

async function clientPage(): Promise<TestPage> {
  const p = await openTestPage(browser, CLIENT_PAGE);
  pages.push(p);
  return p;
}

/** A janus.js page in a context of its own: a subscriber of a VideoRoom feed (`subscribe`), or a mountpoint's viewer (`watch`). */
async function janusjsPage(call: 'subscribe' | 'watch', args: readonly number[]): Promise<TestPage['page']> {
  const context = await browser.newContext();
  const page = await context.newPage();
  pages.push({ page, url: janusPage.url, close: () => context.close() });
  await page.goto(janusPage.url);
  await page.waitForFunction(() => typeof (window as unknown as { watch?: unknown }).watch === 'function');
  const err = await page.evaluate(({ name, server, rest }) => (window as unknown as Record<string, (server: string, ...rest: number[]) => Promise<string | null>>)[name](server, ...rest), {
    name: call,
    server: srv.wsUrl,
    rest: [...args],
  });
  assert.equal(err, null);
  return page;
}

const subscriberPage = (feed: number): Promise<TestPage['page']> => janusjsPage('subscribe', [ROOM, feed]);
const streamingViewer = (id: number): Promise<TestPage['page']> => janusjsPage('watch', [id]);

/** Asks janus.js's handle for substream 0 and waits until what it decodes is a small layer. */
async function picksSmallLayer(page: TestPage['page']): Promise<void> {
  await page.evaluate(() => (window as unknown as { substream(n: number): void }).substream(0));
  const low = await pollUntil(
    () => page.evaluate(() => (window as unknown as { stats(): Promise<{ framesDecoded: number; frameWidth: number }> }).stats()),
    (st) => st.frameWidth > 0 && st.frameWidth <= 320,
    { timeout: 20_000, interval: 250 },
  );
  assert.ok(low.frameWidth <= 320, `substream 0 is a small layer (${low.frameWidth} px wide)`);
}

/** janus.js's frames decoded (STATS_SCRIPT) until they pass `min`. */
async function janusFrames(page: TestPage['page'], min: number): Promise<{ framesDecoded: number; frameWidth: number }> {
  return pollUntil(
    () => page.evaluate(() => (window as unknown as { stats(): Promise<{ framesDecoded: number; frameWidth: number }> }).stats()),
    (s) => s.framesDecoded >= min,
    { timeout: 20_000, interval: 250 },
  );
}

type ClientWindow = {
  whip(url: string, simulcast: boolean): Promise<Msg>;
  whep(url: string): Promise<Msg>;
  restartIce(): Promise<Msg>;
  patchWithEtag(etag: string): Promise<number>;
  remove(): Promise<number>;
  framesDecoded(): Promise<{ n: number; width: number }>;
};

async function pageFrames(p: TestPage, min: number): Promise<number> {
  const r = await pollUntil(
    () => p.page.evaluate(() => (window as unknown as ClientWindow).framesDecoded()),
    (s) => s.n >= min,
    { timeout: 20_000, interval: 250 },
  );
  return r.n;
}

/** The GStreamer client for `seconds`; its lines once it is done. */
function gstClient(mode: 'whip' | 'whep', url: string, seconds: number): { done: Promise<string>; lines: () => string } {
  const child = spawn(PYTHON, [join(repoRoot, 'test', 'fixtures', 'gst-whip-client.py'), mode, url, String(seconds)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GST_DEBUG: process.env.WHIP_GST_DEBUG ?? '' },
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  if (process.env.WHIP_GST_LOG) child.stderr.pipe(createWriteStream(process.env.WHIP_GST_LOG, { flags: 'a' }));
  const done = new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
  return { done, lines: () => out };
}

const maxFrames = (out: string): number => Math.max(0, ...[...out.matchAll(/^frames (\d+)$/gm)].map((m) => Number(m[1])));

test('Chromium publishes over WHIP with simulcast into the VideoRoom; janus.js decodes it and picks a substream; an ICE restart by PATCH keeps it going', { timeout: 120_000, skip }, async () => {
  const pub = await clientPage();
  const r = await pub.page.evaluate((url) => (window as unknown as ClientWindow).whip(url, true), `${base}/whip/videoroom/${ROOM}?display=chromium&id=101`);
  assert.equal(r.status, 201, JSON.stringify(r));
  assert.match(String(r.location), /^\/whip\/resource\//);
  await pub.page.waitForFunction(() => (window as unknown as { connected(): string }).connected() === 'connected', undefined, { timeout: 15_000 });

  const sub = await subscriberPage(101);
  const first = await janusFrames(sub, 30);
  assert.ok(first.frameWidth > 0);
  await picksSmallLayer(sub);

  // WHEP out of the same publisher: Chromium and GStreamer decode it.
  const viewer = await clientPage();
  const w = await viewer.page.evaluate((url) => (window as unknown as ClientWindow).whep(url), `${base}/whep/videoroom/${ROOM}/101`);
  assert.equal(w.status, 201, JSON.stringify(w));
  await pageFrames(viewer, 30);
  const gst = gstClient('whep', `${base}/whep/videoroom/${ROOM}/101`, 10);
  const out = await gst.done;
  assert.match(out, /^status 201$/m, out);
  assert.ok(maxFrames(out) >= 20, `GStreamer decoded frames over WHEP:\n${out}\n${srv.log().slice(-3000)}`);
  assert.match(out, /^deleted 200$/m);
  assert.equal(await viewer.page.evaluate(() => (window as unknown as ClientWindow).remove()), 200);

  const restarted = await pub.page.evaluate(() => (window as unknown as ClientWindow).restartIce());
  assert.equal(restarted.status, 200, JSON.stringify(restarted));
  assert.notEqual(restarted.etag, restarted.oldEtag, 'a new entity tag after the restart');
  assert.equal(await pub.page.evaluate((e) => (window as unknown as ClientWindow).patchWithEtag(e), String(restarted.oldEtag)), 412);
  assert.equal(await pub.page.evaluate((e) => (window as unknown as ClientWindow).patchWithEtag(e), String(restarted.etag)), 204);
  const before = (await janusFrames(sub, 0)).framesDecoded;
  await janusFrames(sub, before + 30);

  assert.equal(await pub.page.evaluate(() => (window as unknown as ClientWindow).remove()), 200);
});

/** GStreamer publishes at `url` over WHIP; once it is connected, the page `watch` opens decodes its test picture. */
async function gstPublishes(url: string, watch: () => Promise<TestPage['page']>): Promise<void> {
  const gst = gstClient('whip', url, 20);
  await pollUntil(
    () => gst.lines(),
    (out) => out.includes('ice connected') || out.includes('status 4'),
    { timeout: 15_000, interval: 100 },
  );
  assert.match(gst.lines(), /^status 201$/m, gst.lines());
  const s = await janusFrames(await watch(), 30);
  assert.equal(s.frameWidth, 320, 'the test picture GStreamer encodes');
  const out = await gst.done;
  assert.match(out, /^deleted 200$/m, out);
}

test("GStreamer's webrtcbin publishes over WHIP into the VideoRoom; janus.js decodes it", { timeout: 90_000, skip }, async () => {
  await gstPublishes(`${base}/whip/videoroom/${ROOM}?display=gstreamer&id=202`, () => subscriberPage(202));
});

test('WHEP out of a mountpoint fed by ffmpeg: Chromium and GStreamer decode it', { timeout: 90_000, skip }, async () => {
  const created = await pluginRequest('janus.plugin.streaming', {
    request: 'create',
    type: 'rtp',
    id: 7007,
    media: [
      { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
      { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
    ],
  });
  const ports = (created.stream as { ports: Array<{ mid: string; port: number }> }).ports;
  const ffmpeg = startFfmpegSource({ videoPort: ports.find((p) => p.mid === 'v')!.port, audioPort: ports.find((p) => p.mid === 'a')!.port, seconds: 40 });
  children.push(ffmpeg);
  const viewer = await clientPage();
  const w = await viewer.page.evaluate((url) => (window as unknown as ClientWindow).whep(url), `${base}/whep/streaming/7007`);
  assert.equal(w.status, 201, JSON.stringify(w));
  await pageFrames(viewer, 30);
  const out = await gstClient('whep', `${base}/whep/streaming/7007`, 8).done;
  assert.match(out, /^status 201$/m, out);
  assert.ok(maxFrames(out) >= 20, `GStreamer decoded frames over WHEP:\n${out}`);
  assert.equal(await viewer.page.evaluate(() => (window as unknown as ClientWindow).remove()), 200);
  ffmpeg.kill('SIGKILL');
  await pluginRequest('janus.plugin.streaming', { request: 'destroy', id: 7007 });
});

test(
  'Chromium publishes over WHIP with simulcast into a Streaming mountpoint it makes; list shows it, a janus.js viewer decodes it and picks a substream, an ICE restart keeps it going, a second publisher is 409, DELETE removes it',
  { timeout: 120_000, skip },
  async () => {
    const pub = await clientPage();
    const r = await pub.page.evaluate((url) => (window as unknown as ClientWindow).whip(url, true), `${base}/whip/streaming/8008`);
    assert.equal(r.status, 201, JSON.stringify(r));
    await pub.page.waitForFunction(() => (window as unknown as { connected(): string }).connected() === 'connected', undefined, { timeout: 15_000 });
    const listed = (await pluginRequest('janus.plugin.streaming', { request: 'list' })).list as Msg[];
    assert.ok(
      listed.some((m) => m.id === 8008),
      JSON.stringify(listed),
    );
    const viewer = await streamingViewer(8008);
    const first = await janusFrames(viewer, 30);
    assert.ok(first.frameWidth > 0);
    await picksSmallLayer(viewer);
    const restarted = await pub.page.evaluate(() => (window as unknown as ClientWindow).restartIce());
    assert.equal(restarted.status, 200, JSON.stringify(restarted));
    const decoded = (await janusFrames(viewer, 0)).framesDecoded;
    await janusFrames(viewer, decoded + 30);
    // A WHEP viewer of the same mountpoint decodes it too.
    const whep = await clientPage();
    const w = await whep.page.evaluate((url) => (window as unknown as ClientWindow).whep(url), `${base}/whep/streaming/8008`);
    assert.equal(w.status, 201, JSON.stringify(w));
    await pageFrames(whep, 30);
    const second = await clientPage();
    const r2 = await second.page.evaluate((url) => (window as unknown as ClientWindow).whip(url, false), `${base}/whip/streaming/8008`);
    assert.equal(r2.status, 409, JSON.stringify(r2));
    assert.equal(await pub.page.evaluate(() => (window as unknown as ClientWindow).remove()), 200);
    await pollUntil(
      () => pluginRequest('janus.plugin.streaming', { request: 'info', id: 8008 }),
      (m) => m.error_code === 455,
      { timeout: 5000, interval: 100 },
    );
  },
);

test("GStreamer's webrtcbin publishes over WHIP into a Streaming mountpoint; janus.js decodes it", { timeout: 90_000, skip }, async () => {
  await gstPublishes(`${base}/whip/streaming/8009`, () => streamingViewer(8009));
});

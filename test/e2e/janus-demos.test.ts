// Janus's own demo pages (Debian's janus-demos, served as they are, with a settings.js of our own) in headless
// Chromium against Portunus with its defaults (one shared UDP port): the echo test decodes its own video back, and
// two users of the video room each decode the other, and the streaming page plays a mountpoint ffmpeg feeds. The
// pages' requests to anywhere but this machine are refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startFfmpegSource } from '../../support/ffmpeg-source.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { DEMOS, decodesRising, localContext, serveDemos } from '../helpers/demo-pages.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync(join(DEMOS, 'echotest.html')) && 'janus-demos is not installed');

/** The video bit rate the PeerConnection of the page's handle in `name` sends, over `ms`. */
async function sentVideoKbps(p: Page, name: string, ms: number): Promise<number> {
  const bytes = (): Promise<number> =>
    p.evaluate(async (global) => {
      const pc = (window as unknown as Record<string, { webrtcStuff?: { pc?: RTCPeerConnection } } | undefined>)[global]?.webrtcStuff?.pc;
      let sent = 0;
      (await pc?.getStats())?.forEach((s: { type: string; kind?: string; bytesSent?: number }) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') sent += s.bytesSent ?? 0;
      });
      return sent;
    }, name);
  const first = await bytes();
  await p.waitForTimeout(ms);
  return (((await bytes()) - first) * 8) / ms;
}

let browser: Browser;
let srv: StartedServer;
let demos: { server: Server; url: string };
let recordings = '';

before(async () => {
  if (skip) return;
  // Record&Play's folder: a fresh one (the demo's recordings are made there).
  recordings = mkdtempSync(join(tmpdir(), 'portunus-demo-recordings-'));
  srv = await startInProcess([
    ['recordplay.path', recordings],
    ['voicemail.path', join(recordings, 'voicemail')],
    ['voicemail.base', '/voicemail/'],
  ]);
  demos = await serveDemos(srv.wsUrl);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demos?.server.close();
  await srv?.stop();
  if (recordings) rmSync(recordings, { recursive: true, force: true });
});

test("Janus's echotest.html: the page's own video comes back and decodes", { timeout: 90_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const p = await context.newPage();
    await p.goto(`${demos.url}/echotest.html`);
    await p.click('#start');
    await decodesRising(p, 'echotest', 'echotest');
  } finally {
    await context.close();
  }
});

test("Janus's videoroomtest.html: two users in room 1234 each decode the other", { timeout: 120_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const pages: Page[] = [];
    for (const name of ['alice', 'bob']) {
      const p = await context.newPage();
      await p.goto(`${demos.url}/videoroomtest.html`);
      await p.click('#start');
      await p.waitForSelector('#username:not([disabled])', { state: 'visible', timeout: 30_000 });
      await p.fill('#username', name);
      await p.click('#register');
      pages.push(p);
    }
    await decodesRising(pages[0], 'feeds', 'alice sees bob');
    await decodesRising(pages[1], 'feeds', 'bob sees alice');
    // Room 1234 has bitrate 128000: the publisher's REMB caps what the browser sends (about 450 kbit/s without).
    const kbps = await sentVideoKbps(pages[0], 'sfutest', 3000);
    assert.ok(kbps > 0 && kbps < 200, `alice's video within the room's 128 kbit/s cap: ${kbps.toFixed(0)} kbit/s`);
  } finally {
    await context.close();
  }
});

test("Janus's multiopus.html: 5.1 surround audio (multiopus/48000/6) goes to the EchoTest and comes back", { timeout: 90_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const p = await context.newPage();
    await p.goto(`${demos.url}/multiopus.html`);
    await p.click('#start');
    await p.waitForFunction(() => (window as unknown as { echotest?: { webrtcStuff?: { pc?: unknown } } }).echotest?.webrtcStuff?.pc, undefined, { timeout: 30_000 });
    const audio = (): Promise<{ sent: number; received: number; codecs: string[] }> =>
      p.evaluate(async () => {
        const pc = (window as unknown as { echotest?: { webrtcStuff?: { pc?: RTCPeerConnection } } }).echotest?.webrtcStuff?.pc;
        const out = { sent: 0, received: 0, codecs: [] as string[] };
        (await pc?.getStats())?.forEach((s: { type: string; kind?: string; packetsSent?: number; packetsReceived?: number; mimeType?: string; channels?: number }) => {
          if (s.type === 'outbound-rtp' && s.kind === 'audio') out.sent += s.packetsSent ?? 0;
          if (s.type === 'inbound-rtp' && s.kind === 'audio') out.received += s.packetsReceived ?? 0;
          if (s.type === 'codec' && s.mimeType?.toLowerCase().includes('opus')) out.codecs.push(`${s.mimeType}/${s.channels ?? ''}`);
        });
        return out;
      });
    const deadline = Date.now() + 30_000;
    let first = await audio();
    while (first.received < 20 && Date.now() < deadline) {
      await p.waitForTimeout(500);
      first = await audio();
    }
    await p.waitForTimeout(2000);
    const second = await audio();
    assert.ok(first.received >= 20 && second.received > first.received, `audio comes back: ${first.received} → ${second.received} packets`);
    assert.ok(second.sent > first.sent, `audio goes out: ${first.sent} → ${second.sent} packets`);
    assert.ok(
      second.codecs.some((c) => /multiopus\/6/i.test(c)),
      `multiopus with 6 channels negotiated: ${second.codecs.join(', ')}`,
    );
  } finally {
    await context.close();
  }
});

test("Janus's recordplaytest.html: record the page's camera, then pick the recording from the list and watch it decode", { timeout: 120_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const p = await context.newPage();
    await p.goto(`${demos.url}/recordplaytest.html`);
    await p.click('#start');
    await p.waitForSelector('#record:not([disabled])', { timeout: 30_000 });
    await p.click('#record');
    await p.fill('.bootbox-input', 'Portunus demo recording');
    await p.click('.bootbox-accept');
    // Recording: the camera goes out to the plugin; let it run a few seconds.
    await p.waitForFunction(() => (window as unknown as { recordplay?: { webrtcStuff?: { pc?: RTCPeerConnection } } }).recordplay?.webrtcStuff?.pc?.connectionState === 'connected', undefined, {
      timeout: 30_000,
    });
    await p.waitForTimeout(4000);
    await p.click('#stop');
    // The page says the recording is complete, then lists the recordings again by itself.
    const done = p.locator('.bootbox-alert .bootbox-body');
    await done.waitFor({ timeout: 30_000 });
    assert.match(await done.innerText(), /Recording completed/);
    await p.click('.bootbox-alert .bootbox-accept');
    await p.locator('.bootbox-alert').waitFor({ state: 'detached', timeout: 10_000 });
    const link = p.locator('#recslist a', { hasText: 'Portunus demo recording' });
    await link.waitFor({ state: 'attached', timeout: 15_000 });
    await link.evaluate((a) => (a as HTMLElement).click());
    await p.waitForSelector('#play:not([disabled])', { timeout: 15_000 });
    await p.click('#play');
    await decodesRising(p, 'recordplay', 'the recording plays back');
  } finally {
    await context.close();
  }
});

test("Janus's voicemailtest.html: ten seconds of the page's microphone become an Opus file the page links to", { timeout: 90_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const p = await context.newPage();
    await p.goto(`${demos.url}/voicemailtest.html`);
    await p.click('#start');
    await p.waitForSelector('#record:not([disabled])', { timeout: 30_000 });
    await p.click('#record');
    // The plugin stops by itself after ten seconds of media and gives the file's URL.
    await p.waitForFunction(() => document.querySelector('#record')?.textContent === 'Done!', undefined, { timeout: 40_000 });
    const href = await p.getAttribute('#download', 'href');
    assert.match(href ?? '', /^\/voicemail\/janus-voicemail-\d+\.opus$/);
    const file = join(recordings, 'voicemail', (href ?? '').slice('/voicemail/'.length));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8', timeout: 20_000 });
    const seconds = Number(probe.stdout.trim());
    assert.ok(seconds > 8 && seconds < 11, `the message lasts ${seconds} s (${probe.stderr.trim().slice(0, 200)})`);
  } finally {
    await context.close();
  }
});

test("Janus's streamingtest.html: a mountpoint fed by ffmpeg, picked from the page's list, plays", { timeout: 90_000, skip }, async () => {
  const api = await JanusWs.open(srv.wsUrl);
  const context = await localContext(browser);
  let ffmpeg: ReturnType<typeof startFfmpegSource> | undefined;
  try {
    const session = ((await api.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await api.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const created = await api.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { request: 'create', type: 'rtp', id: 77, description: 'ffmpeg test picture', media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' }] },
    });
    const stream = ((created.plugindata as Msg).data as Msg).stream as { ports: Array<{ port: number }> };
    ffmpeg = startFfmpegSource({ videoPort: stream.ports[0].port, seconds: 40, stdio: 'ignore' });
    const p = await context.newPage();
    await p.goto(`${demos.url}/streamingtest.html`);
    await p.click('#start');
    await p.waitForSelector('#streamslist a[id="77"]', { state: 'attached', timeout: 30_000 });
    // The page's dropdown: pick the mountpoint as a click on its entry would, then Watch.
    await p.evaluate(() => {
      const $ = (window as unknown as { $: (s: string) => { click: () => void } }).$;
      $('#streamslist a[id="77"]').click();
    });
    await p.click('#watch');
    await decodesRising(p, 'streaming', 'streaming');
  } finally {
    ffmpeg?.kill('SIGKILL');
    await context.close();
    api.close();
  }
});

// Janus's own demo pages (Debian's janus-demos, served as they are, with a settings.js of our own) in headless
// Chromium against Portunus with its defaults (one shared UDP port): the echo test decodes its own video back, and
// two users of the video room each decode the other, and the streaming page plays a mountpoint ffmpeg feeds. The
// pages' requests to anywhere but this machine are refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startFfmpegSource } from '../../support/ffmpeg-source.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { DEMOS, localContext, serveDemos } from '../helpers/janus-demo-pages.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync(join(DEMOS, 'echotest.html')) && 'janus-demos is not installed');

/** Video frames decoded by the PeerConnections of the page's handles in the global `name` (one handle or an array). */
function framesDecoded(p: Page, name: string): Promise<number> {
  return p.evaluate(async (global) => {
    const value = (window as unknown as Record<string, unknown>)[global];
    const handles = (Array.isArray(value) ? value : [value]) as Array<{ webrtcStuff?: { pc?: RTCPeerConnection } } | null | undefined>;
    let frames = 0;
    for (const h of handles) {
      const pc = h?.webrtcStuff?.pc;
      if (!pc) continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
      });
    }
    return frames;
  }, name);
}

/** Frames decoded now and a little later: they must rise. */
async function decodesRising(p: Page, name: string, what: string): Promise<void> {
  await p.waitForFunction(
    (global) => {
      const value = (window as unknown as Record<string, unknown>)[global];
      return (Array.isArray(value) ? value : [value]).some((h) => (h as { webrtcStuff?: { pc?: unknown } } | null)?.webrtcStuff?.pc);
    },
    name,
    { timeout: 30_000 },
  );
  const deadline = Date.now() + 30_000;
  let first = await framesDecoded(p, name);
  while (first < 5 && Date.now() < deadline) {
    await p.waitForTimeout(500);
    first = await framesDecoded(p, name);
  }
  await p.waitForTimeout(2500);
  const second = await framesDecoded(p, name);
  assert.ok(second > first && first >= 5, `${what}: video frames decoded ${first} → ${second}`);
}

let browser: Browser;
let srv: StartedServer;
let demos: { server: Server; url: string };

before(async () => {
  if (skip) return;
  srv = await startInProcess();
  demos = await serveDemos(srv.wsUrl);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demos?.server.close();
  await srv?.stop();
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

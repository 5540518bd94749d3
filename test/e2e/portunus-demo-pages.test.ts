// Our own demo pages (demos/, http.demos), opened in headless Chromium from the server itself: the EchoTest
// decodes its own echoed video, the Streaming page plays a mountpoint ffmpeg feeds, and two VideoRoom pages
// each decode the other's camera. The same on a server that cannot create IPv6 sockets, and the EchoTest on the
// pages' own listener with no WebSocket (the pages then take REST, across origins).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startFfmpegSource } from '../../support/ffmpeg-source.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { freePort, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { decodesRising, localContext } from '../helpers/demo-pages.js';
import { noIpv6Env } from '../helpers/no-ipv6.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync('/usr/bin/ffmpeg') && 'no ffmpeg');
let browser: Browser;

before(async () => {
  if (skip) return;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Opens `path` of the server's demo pages in a context of its own; the page's errors fail the test. */
async function open(srv: ChildServer, path: string, port = srv.httpPort): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await localContext(browser);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`http://127.0.0.1:${port}${path}`);
  return {
    page,
    close: async () => {
      await context.close();
      assert.deepEqual(errors, [], 'no script errors on the page');
    },
  };
}

async function echoTest(srv: ChildServer, port?: number): Promise<void> {
  const { page, close } = await open(srv, '/demos/echotest.html', port);
  try {
    await page.click('#start');
    await decodesRising(page, 'handle', 'EchoTest page');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'media flowing');
    assert.ok(await page.isVisible('#echo'), 'the echoed video is shown');
  } finally {
    await close();
  }
}

async function streaming(srv: ChildServer): Promise<void> {
  const { page, close } = await open(srv, '/demos/streaming.html');
  const c = await JanusWs.open(srv.wsUrl);
  let ffmpeg: ChildProcess | undefined;
  try {
    // The server starts with no mountpoint (as Janus without a configuration): the page says so.
    await page.waitForFunction(() => document.getElementById('status')?.textContent === '0 mountpoints');
    assert.ok(await page.isVisible('#empty'), 'the page says there is nothing to watch');
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const created = await c.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: {
        request: 'create',
        type: 'rtp',
        id: 42,
        description: 'ffmpeg test picture',
        media: [
          { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
          { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
        ],
      },
    });
    const stream = ((created.plugindata as Msg).data as Msg).stream as { ports: Array<{ mid: string; port: number }> };
    ffmpeg = startFfmpegSource({ videoPort: stream.ports.find((p) => p.mid === 'v')!.port, audioPort: stream.ports.find((p) => p.mid === 'a')!.port, seconds: 60 });
    await page.click('#refresh');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === '1 mountpoint');
    assert.equal(await page.isVisible('#empty'), false);
    assert.equal(await page.textContent('#mountpoints option'), '42: ffmpeg test picture');
    await page.selectOption('#mountpoints', '42');
    await page.click('#watch');
    await decodesRising(page, 'handle', 'Streaming page');
    await page.click('#stop');
    // Stopped: the video is gone and the mountpoint can be watched again.
    await page.waitForFunction(() => document.getElementById('stream') === null && !(document.getElementById('watch') as HTMLButtonElement).disabled);
  } finally {
    ffmpeg?.kill('SIGKILL');
    c.close();
    await close();
  }
}

async function videoRoom(srv: ChildServer): Promise<void> {
  const alice = await open(srv, '/demos/videoroom.html');
  const bob = await open(srv, '/demos/videoroom.html');
  try {
    for (const [p, name] of [
      [alice.page, 'alice'],
      [bob.page, 'bob'],
    ] as const) {
      await p.fill('#display', name);
      await p.click('#join');
      await p.waitForFunction(() => document.getElementById('status')?.textContent?.includes('publishing'), undefined, { timeout: 30_000 });
    }
    // Each sees the other (and not itself): one remote video, captioned with the other's name.
    await decodesRising(alice.page, 'subscriber', 'alice sees bob');
    await decodesRising(bob.page, 'subscriber', 'bob sees alice');
    assert.equal(await alice.page.textContent('figure:has(video[id^="feed-"]) figcaption'), 'bob');
    assert.equal(await bob.page.textContent('figure:has(video[id^="feed-"]) figcaption'), 'alice');
    await bob.page.click('#leave');
    // Bob's stream leaves Alice's page with him.
    await alice.page.waitForFunction(() => document.querySelector('video[id^="feed-"]') === null, undefined, { timeout: 15_000 });
  } finally {
    await alice.close();
    await bob.close();
  }
}

for (const variant of ['normal host', 'host without IPv6'] as const) {
  test(`demo pages served by Portunus (${variant}): index, EchoTest, Streaming, VideoRoom`, { timeout: 240_000, skip }, async (t) => {
    const srv = await startChildServer([], variant === 'normal host' ? process.env : await noIpv6Env());
    try {
      await t.test('the index links the three pages', async () => {
        const { page, close } = await open(srv, '/');
        try {
          const links = await page.$$eval('a[href^="/demos/"]', (as) => as.map((a) => a.getAttribute('href')));
          assert.deepEqual(links, ['/demos/echotest.html', '/demos/streaming.html', '/demos/videoroom.html']);
          // The Janus API on the same listener is untouched.
          assert.equal(((await (await fetch(`${srv.restUrl}/info`)).json()) as { janus: string }).janus, 'server_info');
          const created = (await (await fetch(srv.restUrl, { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 't' }) })).json()) as { janus: string };
          assert.equal(created.janus, 'success');
          assert.equal((await fetch(`http://127.0.0.1:${srv.httpPort}/demos/nothing.js`)).status, 404);
        } finally {
          await close();
        }
      });
      await t.test('EchoTest page decodes its own echo', () => echoTest(srv));
      await t.test('Streaming page plays an ffmpeg-fed mountpoint', () => streaming(srv));
      await t.test('two VideoRoom pages see each other', () => videoRoom(srv));
      assert.equal(srv.child.exitCode, null, 'the server still runs');
    } catch (err) {
      throw new Error(`${String(err)}\nthe server's log ends with:\n${srv.log().slice(-3000)}`, { cause: err });
    } finally {
      await srv.stop();
    }
  });
}

test('demo pages on a listener of their own (http.demos_port), no WebSocket: the EchoTest page takes REST', { timeout: 90_000, skip }, async () => {
  const demosPort = await freePort();
  const srv = await startChildServer([`--http.demos_port=${demosPort}`, '--websockets.ws=false']);
  try {
    // The REST listener no longer serves them; theirs does.
    assert.equal((await fetch(`http://127.0.0.1:${srv.httpPort}/`)).status, 404);
    const config = await (await fetch(`http://127.0.0.1:${demosPort}/demos/config.js`)).text();
    assert.match(config, new RegExp(`"http":${srv.httpPort}\\b`));
    assert.doesNotMatch(config, /"ws"/);
    await echoTest(srv, demosPort);
  } finally {
    await srv.stop();
  }
});

// Janus's own nosiptest.html (Debian's janus-demos, served as it is) in headless Chromium against Portunus: the
// page's two NoSIP handles call each other as two users would, the caller's barebone offer processed by the
// callee and the callee's barebone answer by the caller, so every packet crosses the plain RTP legs. Each side
// decodes the other's video, also after the page's video toggle renegotiated the call twice. The page's requests
// to anywhere but this machine are refused.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { DEMOS, decodesRising, localContext, serveDemos } from '../helpers/demo-pages.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync(join(DEMOS, 'nosiptest.html')) && 'janus-demos is not installed');

let browser: Browser;
let srv: StartedServer;
let demos: { server: Server; url: string };

before(async () => {
  if (skip) return;
  // The plain legs on loopback: the test sends nothing off this machine's loopback interface.
  srv = await startInProcess([['nosip.local_ip', '127.0.0.1']]);
  demos = await serveDemos(srv.wsUrl);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demos?.server.close();
  await srv?.stop();
});

test("Janus's nosiptest.html: caller and callee call each other through plain RTP, each decodes the other", { timeout: 120_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const p = await context.newPage();
    await p.goto(`${demos.url}/nosiptest.html`);
    await p.click('#start');
    await decodesRising(p, 'caller', 'the caller sees the callee');
    await decodesRising(p, 'callee', 'the callee sees the caller');
    // The page's video toggle renegotiates through both handles (generate/process with update): off, then on again.
    for (const state of ['off', 'on']) {
      await p.waitForSelector('#togglevideo:not([disabled])', { timeout: 30_000 });
      await p.click('#togglevideo');
      // The page relabels the button once the caller's handle got the renegotiated answer.
      await p.waitForSelector(`#togglevideo:not([disabled]):has-text("${state === 'off' ? 'Enable video' : 'Disable video'}")`, { timeout: 30_000 });
      if (state === 'on') await decodesRising(p, 'callee', 'the callee sees the caller again after the renegotiations');
    }
    await decodesRising(p, 'caller', 'the caller still sees the callee');
  } finally {
    await context.close();
  }
});

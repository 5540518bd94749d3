// Janus's own textroomtest.html (Debian's janus-demos, as it is) in headless Chromium: two pages join room 1234 of
// the default configuration and each shows the message the other sent.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { DEMOS, localContext, serveDemos } from '../helpers/demo-pages.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync(join(DEMOS, 'textroomtest.html')) && 'janus-demos is not installed');

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
  if (process.env.TR_DEBUG)
    console.log(
      srv.logs
        .filter((l) => /textroom|data|sctp|channel/i.test(l))
        .join('\n')
        .slice(-4000),
    );
  await browser?.close();
  demos?.server.close();
  await srv?.stop();
});

// Not passing yet: the page's janus.js opens a JanusDataChannel of its own beside the one our offer made, and what it
// sends there never reaches the plugin (the werift clients of test/integration/plugins/textroom.test.ts, which use
// the offered channel, work). Run with TR_DEBUG=1 to see the page's and the server's lines.

test("Janus's textroomtest.html: two users in room 1234 each see the other's message", { timeout: 90_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const pages: Page[] = [];
    for (const name of ['alice', 'bob']) {
      const p = await context.newPage();
      if (process.env.TR_DEBUG) p.on('console', (m) => console.log('PAGE', m.text().slice(0, 300)));
      await p.goto(`${demos.url}/textroomtest.html`);
      await p.click('#start');
      await p.waitForSelector('#username', { state: 'visible', timeout: 30_000 });
      await p.fill('#username', name);
      await p.click('#register');
      await p.waitForSelector('#datasend:not([disabled])', { timeout: 30_000 });
      pages.push(p);
    }
    for (const [i, p] of pages.entries()) {
      await p.fill('#datasend', `hello from ${i === 0 ? 'alice' : 'bob'}`);
      await p.press('#datasend', 'Enter');
    }
    await pages[0].waitForFunction(() => document.querySelector('#chatroom')?.textContent?.includes('bob: hello from bob'), undefined, { timeout: 20_000 });
    await pages[1].waitForFunction(() => document.querySelector('#chatroom')?.textContent?.includes('alice: hello from alice'), undefined, { timeout: 20_000 });
  } finally {
    await context.close();
  }
});

// Janus's own videocalltest.html (Debian's janus-demos, served as it is) in headless Chromium against Portunus:
// two pages register, the second calls the first, the first answers the page's incoming-call dialog, and each
// page decodes the other's video. The pages' requests to anywhere but this machine are refused.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { DEMOS, decodesRising, localContext, serveDemos } from '../helpers/demo-pages.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync(join(DEMOS, 'videocalltest.html')) && 'janus-demos is not installed');

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

/** Opens the demo, starts it and registers `name`; resolves once the page says it is registered. */
async function registered(p: Page, name: string): Promise<void> {
  await p.goto(`${demos.url}/videocalltest.html`);
  await p.click('#start');
  await p.waitForSelector('#username:not([disabled])', { state: 'visible', timeout: 30_000 });
  await p.fill('#username', name);
  await p.click('#register');
  await p.waitForSelector('#phone', { state: 'visible', timeout: 15_000 });
}

test("Janus's videocalltest.html: bob calls alice, alice answers, each decodes the other", { timeout: 120_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const alice = await context.newPage();
    const bob = await context.newPage();
    await registered(alice, 'alice');
    await registered(bob, 'bob');
    await bob.fill('#peer', 'alice');
    await bob.click('#call');
    // The page's bootbox dialog for the incoming call: its "Answer" button.
    const answer = alice.locator('.bootbox .btn-success', { hasText: 'Answer' });
    await answer.waitFor({ state: 'visible', timeout: 30_000 });
    await answer.click();
    await decodesRising(alice, 'videocall', 'alice sees bob');
    await decodesRising(bob, 'videocall', 'bob sees alice');
  } finally {
    await context.close();
  }
});

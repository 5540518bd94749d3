// Janus's own audiobridgetest.html (Debian's janus-demos, served as it is) in headless Chromium against Portunus:
// two pages join the demo room 1234 with the fake microphone (a beep), each lists the other and hears sound,
// which only the other can have made (a participant does not hear itself). Requests off this machine are refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { DEMOS, audioReceived, hearsSound, localContext, serveDemos } from '../helpers/demo-pages.js';

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (!existsSync(join(DEMOS, 'audiobridgetest.html')) && 'janus-demos is not installed');

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

/** Opens the demo, starts it and joins room 1234 as `name`; resolves once the page shows the room. */
async function joined(p: Page, name: string): Promise<void> {
  await p.goto(`${demos.url}/audiobridgetest.html`);
  await p.click('#start');
  await p.waitForSelector('#username', { state: 'visible', timeout: 30_000 });
  await p.fill('#username', name);
  await p.click('#register');
  await p.waitForSelector('#room', { state: 'visible', timeout: 15_000 });
}

test("Janus's audiobridgetest.html: two participants in room 1234 see each other listed and hear each other", { timeout: 120_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const alice = await context.newPage();
    await joined(alice, 'alice');
    // Alone in the room: the mix without herself is silence.
    await alice.waitForFunction(() => (window as unknown as { mixertest?: { webrtcStuff?: { pc?: RTCPeerConnection } } }).mixertest?.webrtcStuff?.pc?.connectionState === 'connected', undefined, {
      timeout: 30_000,
    });
    await alice.waitForTimeout(2500);
    const alone = await audioReceived(alice, 'mixertest');
    assert.ok(alone.samples > 0, 'alice receives the mix');
    assert.ok(alone.energy < 1e-4, `alone, alice hears nothing (energy ${alone.energy})`);

    const bob = await context.newPage();
    await joined(bob, 'bob');
    await alice.waitForSelector('#list li:has-text("bob")', { timeout: 15_000 });
    await bob.waitForSelector('#list li:has-text("alice")', { timeout: 15_000 });
    await hearsSound(alice, 'mixertest', 'alice hears bob');
    await hearsSound(bob, 'mixertest', 'bob hears alice');

    // Alice mutes herself with the page's button: Bob's list shows it.
    await alice.click('#toggleaudio');
    await bob.waitForSelector('#list li:has-text("alice") i.abmuted:visible', { timeout: 15_000 });
  } finally {
    await context.close();
  }
});

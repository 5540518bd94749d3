// Headless Debian Chromium for tests, via playwright-core, plus a tiny page served on 127.0.0.1
// (getUserMedia needs a secure context; http://127.0.0.1 is one). Loopback only, no network services.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Chromium with fake media devices and loopback ICE allowed. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30_000 });
}

export interface TestPage {
  readonly page: Page;
  readonly url: string;
  close(): Promise<void>;
}

/** Opens a blank HTML page served from 127.0.0.1 (a secure context for getUserMedia). */
export async function openTestPage(browser: Browser, html = '<!doctype html><title>portunus test</title><body></body>'): Promise<TestPage> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url, { timeout: 15_000 });
  return {
    page,
    url,
    async close() {
      await context.close().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

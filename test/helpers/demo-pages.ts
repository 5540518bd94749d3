// Janus's demo pages (Debian's janus-demos) served as they are from 127.0.0.1 with a settings.js of our own, a
// browser context that reaches nothing but this machine, and a check that a page's video decodes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const DEMOS = '/usr/share/janus/demos';
export const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.mp4': 'video/mp4',
};

/** Serves the demo folder from 127.0.0.1, with settings.js pointing the pages at `janusUrl`. */
export function serveDemos(janusUrl: string): Promise<{ server: Server; url: string }> {
  // What the Debian package's settings.js should say for a local server: no public STUN server, no token.
  const settings = `var server = ${JSON.stringify(janusUrl)};\nvar iceServers = [];\nvar token = null;\nvar apisecret = null;\n`;
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (path === '/settings.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(settings);
      return;
    }
    const file = join(DEMOS, path);
    if (!file.startsWith(DEMOS) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/** A page context that reaches nothing but this machine. */
export async function localContext(b: Browser): Promise<BrowserContext> {
  const context = await b.newContext();
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  return context;
}

/** Video frames decoded by the PeerConnections of the page's handles in the global `name` (one handle or an array). */
export function framesDecoded(p: Page, name: string): Promise<number> {
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
export async function decodesRising(p: Page, name: string, what: string): Promise<void> {
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

/** What the page's handle in the global `name` has received as audio: samples played out and their energy (getStats). */
export function audioReceived(p: Page, name: string): Promise<{ samples: number; energy: number }> {
  return p.evaluate(async (global) => {
    const h = (window as unknown as Record<string, { webrtcStuff?: { pc?: RTCPeerConnection } } | undefined>)[global];
    const got = { samples: 0, energy: 0 };
    const pc = h?.webrtcStuff?.pc;
    if (!pc) return got;
    (await pc.getStats()).forEach((s: { type: string; kind?: string; totalSamplesReceived?: number; totalAudioEnergy?: number }) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
      got.samples += s.totalSamplesReceived ?? 0;
      got.energy += s.totalAudioEnergy ?? 0;
    });
    return got;
  }, name);
}

/** Audio received now and a little later: samples and energy (sound, not silence) must both rise. */
export async function hearsSound(p: Page, name: string, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let first = await audioReceived(p, name);
  while (first.energy <= 0 && Date.now() < deadline) {
    await p.waitForTimeout(500);
    first = await audioReceived(p, name);
  }
  await p.waitForTimeout(3000);
  const second = await audioReceived(p, name);
  assert.ok(second.samples > first.samples && second.energy > first.energy, `${what}: audio samples ${first.samples} → ${second.samples}, energy ${first.energy} → ${second.energy}`);
}

// Serving Janus's demo pages (Debian's janus-demos) as they are, with a settings.js of our own, to headless
// Chromium pages that reach nothing but this machine (test/e2e/janus-demos.test.ts, janus-demo-textroom.test.ts).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';

export const DEMOS = '/usr/share/janus/demos';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon' };

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

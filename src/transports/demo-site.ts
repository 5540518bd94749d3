// The demo pages (http.demos; docs/demos.md): a fixed list of files, each read once at start, served by GET or
// HEAD at the one path it has. No path from a request ever reaches the file system, so nothing outside the list
// can be named; anything else is the Janus API's (on the REST listeners) or a 404 (on the pages' own listener).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { errorText } from '../logging/error-text.js';

/** Where the server is reachable for the Janus API; the pages connect to the host they came from, on these. */
export interface DemoEndpoints {
  readonly ws?: number;
  readonly wss?: number;
  readonly http?: number;
  readonly https?: number;
  /** http.base_path. */
  readonly basePath: string;
}

interface DemoFile {
  readonly type: string;
  readonly body: Buffer;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Our pages (the repository's demos/ folder), by request path. */
const PAGES: ReadonlyArray<readonly [string, string, string]> = [
  ['/', 'index.html', HTML],
  ['/demos/demo.css', 'demo.css', CSS],
  ['/demos/demo.js', 'demo.js', JS],
  ['/demos/echotest.html', 'echotest.html', HTML],
  ['/demos/echotest.js', 'echotest.js', JS],
  ['/demos/streaming.html', 'streaming.html', HTML],
  ['/demos/streaming.js', 'streaming.js', JS],
  ['/demos/videoroom.html', 'videoroom.html', HTML],
  ['/demos/videoroom.js', 'videoroom.js', JS],
];

/** The client libraries, from node_modules: janus.js (npm janus-gateway) and the webrtc-adapter it expects as a global. */
const LIBRARIES: ReadonlyArray<readonly [string, string]> = [
  ['/demos/janus.js', 'janus-gateway/npm/dist/janus.es.js'],
  ['/demos/adapter.js', 'webrtc-adapter/out/adapter.js'],
];

/** The pages' own scripts, styles and media; connections to any host (the API listens on other ports). */
export const DEMO_CSP = "default-src 'self'; connect-src 'self' ws: wss: http: https:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The demos/ folder: from dist/src/transports/ (where this file runs) three levels up. */
const PAGES_DIR = new URL('../../../demos/', import.meta.url);

export class DemoSite {
  private readonly files = new Map<string, DemoFile>();

  constructor(
    private readonly endpoints: () => DemoEndpoints,
    log: Logger,
    pagesDir: URL = PAGES_DIR,
  ) {
    const require = createRequire(import.meta.url);
    const load = (path: string, type: string, read: () => Buffer): void => {
      try {
        this.files.set(path, { type, body: read() });
      } catch (err) {
        // One missing file (janus-gateway not installed, say) leaves that path a 404; the rest still serve.
        log.warn(`demo pages: ${path} not served: ${errorText(err)}`, { component: 'http' });
      }
    };
    for (const [path, file, type] of PAGES) load(path, type, () => readFileSync(new URL(file, pagesDir)));
    for (const [path, module] of LIBRARIES) load(path, JS, () => readFileSync(require.resolve(module)));
  }

  /** Whether this request is for one of the pages (the REST listeners hand everything else to the Janus API). */
  claims(req: IncomingMessage): boolean {
    const method = req.method ?? 'GET';
    return (method === 'GET' || method === 'HEAD') && this.lookup(pathOf(req)) !== undefined;
  }

  /** The `request` listener of the pages' own listener (and of claimed requests on the REST listeners). */
  readonly serve = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const file = this.lookup(pathOf(req));
    if (!file) return void res.writeHead(404, { 'content-length': 0 }).end();
    if (method !== 'GET' && method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 }).end();
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': DEMO_CSP,
    });
    res.end(method === 'HEAD' ? undefined : file.body);
  };

  private lookup(path: string | undefined): DemoFile | undefined {
    if (path === undefined) return undefined;
    if (path === '/demos' || path === '/demos/' || path === '/index.html') path = '/';
    if (path === '/demos/config.js') {
      const body = Buffer.from(`// Where this server takes the Janus API (written by the server).\nexport const endpoints = ${JSON.stringify(this.endpoints())};\n`);
      return { type: JS, body };
    }
    return this.files.get(path);
  }
}

/** The request's path as sent, without its query: compared byte for byte, never decoded or resolved. */
function pathOf(req: IncomingMessage): string | undefined {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return undefined;
  return target.split(/[?#]/, 1)[0];
}

// The demo pages' routing: a fixed list of paths, nothing resolved against the file system, the right types.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { Logger } from '../../../src/logging/logger.js';
import { DEMO_CSP, DemoSite } from '../../../src/transports/demo-site.js';

const quiet = Logger.create({ level: 0, timestamps: false, sink: { write: () => {} } });
const site = new DemoSite(() => ({ ws: 8188, http: 8088, basePath: '/janus' }), quiet);

interface Answer {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

function get(url: string, method = 'GET', on = site): Answer {
  const out: Answer = { status: 0, headers: {}, body: '' };
  const res = {
    writeHead(status: number, headers: Record<string, string | number> = {}) {
      out.status = status;
      out.headers = headers;
      return res;
    },
    end(body?: Buffer) {
      out.body = body ? body.toString() : '';
      return res;
    },
  };
  on.serve({ method, url } as IncomingMessage, res as unknown as ServerResponse);
  return out;
}

test('each listed path is served with its type, and the same security headers', () => {
  const cases: Array<[string, RegExp]> = [
    ['/', /^text\/html; charset=utf-8$/],
    ['/demos/', /^text\/html/],
    ['/demos/demo.css', /^text\/css; charset=utf-8$/],
    ['/demos/demo.js', /^text\/javascript; charset=utf-8$/],
    ['/demos/janus.js', /^text\/javascript/],
    ['/demos/adapter.js', /^text\/javascript/],
    ['/demos/config.js', /^text\/javascript/],
  ];
  for (const page of ['echotest', 'streaming', 'videoroom']) {
    cases.push([`/demos/${page}.html`, /^text\/html/], [`/demos/${page}.js`, /^text\/javascript/]);
  }
  for (const [path, type] of cases) {
    const a = get(path);
    assert.equal(a.status, 200, path);
    assert.match(String(a.headers['content-type']), type, path);
    assert.equal(a.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(a.headers['content-security-policy'], DEMO_CSP, path);
    assert.equal(a.headers['content-length'], Buffer.byteLength(a.body), path);
    assert.ok(a.body.length > 0, path);
  }
  assert.match(get('/').body, /href="\/demos\/echotest.html"/);
  assert.match(get('/demos/janus.js').body, /export \{ Janus as default \}/, "npm janus-gateway's janus.js");
  assert.match(get('/demos/echotest.html?x=1').body, /echotest\.js/, 'a query does not change the file');
});

test('config.js says where the Janus API is, as the server has it now', () => {
  let ws: number | undefined = 8188;
  const live = new DemoSite(() => ({ ws, http: 8088, basePath: '/janus' }), quiet);
  assert.match(get('/demos/config.js', 'GET', live).body, /export const endpoints = \{"ws":8188,"http":8088,"basePath":"\/janus"\};/);
  ws = undefined;
  assert.match(get('/demos/config.js', 'GET', live).body, /\{"http":8088,"basePath":"\/janus"\}/);
});

test('anything else is a 404, traversal included: no path reaches the file system', () => {
  for (const path of [
    '/demos/nope.js',
    '/demos/../package.json',
    '/demos/%2e%2e/package.json',
    '/demos/..%2fpackage.json',
    '/demos//echotest.html',
    '/demos/echotest.html/',
    '/demos/%65chotest.html',
    '/demos/ECHOTEST.HTML',
    '/demos/index.html/../../src/server.ts',
    '/package.json',
    '/dist/src/main.js',
    '/node_modules/janus-gateway/package.json',
    '/janus',
    '/admin',
    '//demos/demo.js',
    'http://evil.example/demos/demo.js',
    '*',
  ]) {
    const a = get(path);
    assert.equal(a.status, 404, path);
    assert.equal(a.body, '', path);
    assert.equal(site.claims({ method: 'GET', url: path } as IncomingMessage), false, path);
  }
});

test('only GET and HEAD; HEAD has the headers and no body', () => {
  const head = get('/demos/demo.css', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.ok(Number(head.headers['content-length']) > 0);
  assert.equal(get('/demos/demo.css', 'POST').status, 405);
  assert.equal(get('/demos/demo.css', 'DELETE').headers.allow, 'GET, HEAD');
});

test('on the REST listeners only GET/HEAD of a listed path is claimed: the Janus API keeps its paths', () => {
  assert.equal(site.claims({ method: 'GET', url: '/' } as IncomingMessage), true);
  assert.equal(site.claims({ method: 'HEAD', url: '/demos/echotest.html' } as IncomingMessage), true);
  // A base_path of "/" makes POST / Janus's create: never the pages'.
  assert.equal(site.claims({ method: 'POST', url: '/' } as IncomingMessage), false);
  assert.equal(site.claims({ method: 'OPTIONS', url: '/' } as IncomingMessage), false);
  for (const path of ['/janus', '/janus/info', '/janus/123', '/admin', '/admin/dashboard', '/whip/endpoint', '/whep/1']) {
    assert.equal(site.claims({ method: 'GET', url: path } as IncomingMessage), false, path);
  }
});

test('a file that cannot be read is a 404 and a warning; the others still serve', () => {
  const warnings: string[] = [];
  const log = Logger.create({ level: 4, timestamps: false, sink: { write: (l) => warnings.push(l) } });
  const broken = new DemoSite(() => ({ basePath: '/janus' }), log, new URL('file:///nonexistent-portunus-demos/'));
  assert.equal(get('/', 'GET', broken).status, 404);
  assert.equal(get('/demos/janus.js', 'GET', broken).status, 200);
  assert.ok(warnings.some((w) => w.includes('/demos/echotest.html not served')));
});

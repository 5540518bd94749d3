// janus.js in headless Chromium on a VideoRoom room over two nodes of a cluster (docs/cluster.md): one page joins
// room 1234 through node 1, another through node 3 (node 2 is there too), each publishes the fake devices and
// subscribes to the publisher it is told of; each decodes the other's video and gets its audio. The nodes run
// without IPv6 on one nats-server with JetStream, each in a network namespace on one bridge (198.18.0.0/15) when
// the machine allows it, and on loopback.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { Cleanup, missing, NATS_SERVER } from '../helpers/brokers.js';
import { allSee, startJetStream, startNode, type NodeProcess } from '../helpers/cluster-nodes.js';
import { serveJanusPage } from '../helpers/janusjs-page.js';
import type { ChildPlace } from '../helpers/child-server.js';
import { bridgedNamespaces, namespacesUnavailable } from '../helpers/netns.js';
import { noIpv6Env } from '../helpers/no-ipv6.js';
import { pollUntil } from '../../support/wait.js';

// The page joins as a publisher, publishes, and subscribes to every publisher the room tells it of (in `joined`
// or a `publishers` event), each on a handle of its own; window.result() says what its subscribers decode.
const PAGE = `<!doctype html><meta charset="utf-8"><title>videoroom over nodes</title>
<div id="media"></div>
<script src="/adapter.js"></script>
<script type="module">
import Janus from '/janus.es.js';
const w = window;
w.errors = [];
w.feeds = [];
const subs = [];
const subscribe = (janus, room, feed) => {
  if (w.feeds.includes(feed)) return;
  w.feeds.push(feed);
  let h;
  janus.attach({ plugin: 'janus.plugin.videoroom',
    success: (handle) => { h = handle; subs.push(h); h.send({ message: { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] } }); },
    error: (e) => w.errors.push('attach subscriber: ' + String(e)),
    onmessage: (msg, jsep) => {
      if (!jsep) return;
      h.createAnswer({ jsep, tracks: [{ type: 'data' }],
        success: (ans) => h.send({ message: { request: 'start' }, jsep: ans }),
        error: (e) => w.errors.push('createAnswer: ' + String(e)) });
    },
    onremotetrack: (track, mid, on) => {
      if (!on) return;
      const el = document.createElement(track.kind === 'video' ? 'video' : 'audio');
      el.autoplay = true; el.playsInline = true; el.muted = true; el.srcObject = new MediaStream([track]);
      document.getElementById('media').appendChild(el);
    } });
};
w.start = (server, room, display) => new Promise((resolve) => {
  Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: () => {
    const janus = new Janus({ server, iceServers: [],
      error: (e) => w.errors.push('session: ' + String(e)),
      success: () => janus.attach({ plugin: 'janus.plugin.videoroom',
        error: (e) => w.errors.push('attach: ' + String(e)),
        success: (pub) => {
          w.pub = pub;
          pub.send({ message: { request: 'join', ptype: 'publisher', room, display } });
        },
        onmessage: (msg, jsep) => {
          if (jsep) w.pub.handleRemoteJsep({ jsep });
          if (msg.videoroom === 'joined') {
            w.id = msg.id;
            w.pub.createOffer({ tracks: [{ type: 'audio', capture: true, recv: false }, { type: 'video', capture: { width: 320, height: 240 }, recv: false }],
              success: (offer) => w.pub.send({ message: { request: 'configure', audio: true, video: true }, jsep: offer }),
              error: (e) => w.errors.push('createOffer: ' + String(e)) });
            resolve(null);
          }
          // A feed that goes (its copy here withdrawn) and comes back is subscribed to again, as an application does.
          const gone = msg.unpublished !== undefined ? msg.unpublished : msg.leaving;
          if (gone !== undefined && w.feeds.includes(gone)) { w.feeds = w.feeds.filter((f) => f !== gone); w.gone = (w.gone || 0) + 1; }
          for (const p of msg.publishers || []) subscribe(janus, room, p.id);
        } }) });
  } });
});
w.result = async () => {
  const out = { id: w.id, feeds: w.feeds, errors: w.errors, framesDecoded: 0, audioPackets: 0, gone: w.gone || 0 };
  for (const h of subs) {
    const pc = h.webrtcStuff && h.webrtcStuff.pc;
    if (!pc) continue;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.framesDecoded += s.framesDecoded || 0;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audioPackets += s.packetsReceived || 0;
    });
  }
  return out;
};
</script>`;

interface Result {
  id: number;
  feeds: number[];
  errors: string[];
  framesDecoded: number;
  audioPackets: number;
}

const skip = missing(NATS_SERVER) || (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium');

/** Node i at `place(i)`, its ICE candidates on interface `iface`; nats-server on `natsHost`. */
async function scenario(natsHost: string, place: (i: number) => ChildPlace, iface: string): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const nats = cleanup.add(await startJetStream(natsHost), (b) => b.stop());
    const url = `nats://${natsHost}:${nats.port}`;
    const env = await noIpv6Env();
    const nodes: NodeProcess[] = [];
    for (const [i, name] of ['node-1', 'node-2', 'node-3'].entries()) {
      nodes.push(cleanup.add(await startNode(name, url, { heartbeatMs: 250, env, place: place(i), args: [`--nat.ice_enforce_list=${iface}`] }), (n) => n.server.stop()));
    }
    await allSee(nodes, ['node-1', 'node-2', 'node-3'], 10_000);
    const served = cleanup.add(await serveJanusPage(PAGE), (s) => new Promise<void>((r) => s.server.close(() => r())));
    const browser: Browser = cleanup.add(await launchBrowser(), (b) => b.close());
    const pages: Page[] = [];
    for (const [i, node] of [nodes[0], nodes[2]].entries()) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(served.url);
      await page.evaluate(({ ws, display }) => (window as unknown as { start(s: string, r: number, d: string): Promise<null> }).start(ws, 1234, display), {
        ws: node.server.wsUrl,
        display: `page ${i + 1}`,
      });
      pages.push(page);
    }
    const result = (page: Page): Promise<Result> => page.evaluate(() => (window as unknown as { result(): Promise<Result> }).result());
    const [one, three] = await Promise.all(
      pages.map((page) =>
        pollUntil(
          () => result(page),
          (r) => r.errors.length > 0 || (r.framesDecoded > 10 && r.audioPackets > 20),
          { timeout: 30_000, interval: 250 },
        ),
      ),
    );
    // What the nodes said of the room, for a failure's message.
    const told = (): string =>
      nodes
        .map((n) =>
          n.server
            .log()
            .split('\n')
            .filter((l) => /WARN|ERROR|videoroom/.test(l))
            .slice(-15)
            .join('\n'),
        )
        .join('\n---\n');
    for (const [name, r] of [
      ['node 1', one],
      ['node 3', three],
    ] as const) {
      assert.deepEqual(r.errors, [], `${name}: page errors`);
      assert.ok(r.framesDecoded > 10 && r.audioPackets > 20, `${name}: decodes the other page (${JSON.stringify(r)})\n${told()}`);
    }
    assert.deepEqual(one.feeds, [three.id], 'the page on node 1 subscribed to the one on node 3');
    assert.deepEqual(three.feeds, [one.id], 'and the other way round');
  } finally {
    await cleanup.run();
  }
}

test('janus.js on nodes 1 and 3 of a cluster in network namespaces on one bridge: each page decodes the other', { skip: skip || namespacesUnavailable(), timeout: 120_000 }, async () => {
  const net = bridgedNamespaces(3);
  try {
    await scenario(net.hostAddress, (i) => ({ prefix: net.prefix(i), host: net.addresses[i] }), 'eth0');
  } finally {
    net.remove();
  }
});

test('the same on loopback', { skip, timeout: 120_000 }, async () => {
  await scenario('127.0.0.1', () => ({}), 'lo');
});

// ICE-TCP (nat.ice_tcp): janus.js in headless Chromium runs the EchoTest against Portunus with every UDP
// candidate of the server taken out of what the page sees, as behind a firewall that lets only TCP through; the
// browser connects to the passive TCP candidate on the shared port's number, and media and data flow over it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { DATA_PREFIX } from '../../src/plugins/echotest/echotest.js';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { serveJanusPage, STATS_SCRIPT } from '../helpers/janusjs-page.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';

// The page hides the server's UDP candidates from the browser (in the answer and in trickled ones) and counts
// the TCP ones it lets through.
const PAGE = `<!doctype html><meta charset="utf-8"><title>ice-tcp</title>
<video id="remote" autoplay playsinline muted></video>
<script src="/adapter.js"></script>
<script type="module">
import Janus from '/janus.es.js';
const w = window;
w.result = { data: [], error: null, webrtcUp: false, tcpCandidates: 0, udpHidden: 0 };
const isUdp = (c) => / udp /i.test(' ' + c + ' ');
const keep = (c) => { if (isUdp(c)) { w.result.udpHidden++; return false; } if (/ tcp /i.test(' ' + c + ' ')) w.result.tcpCandidates++; return true; };
const setRemote = RTCPeerConnection.prototype.setRemoteDescription;
RTCPeerConnection.prototype.setRemoteDescription = function (d) {
  const sdp = d.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate:') || keep(l)).join('\\r\\n');
  return setRemote.call(this, { type: d.type, sdp });
};
const addCandidate = RTCPeerConnection.prototype.addIceCandidate;
RTCPeerConnection.prototype.addIceCandidate = function (c) {
  if (c && c.candidate && !keep(c.candidate)) return Promise.resolve();
  return addCandidate.call(this, c);
};
w.startEcho = (server) => new Promise((resolve) => {
  Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: () => {
    const janus = new Janus({ server, iceServers: [], error: (e) => { w.result.error = String(e); resolve(); },
      success: () => janus.attach({ plugin: 'janus.plugin.echotest',
        error: (e) => { w.result.error = String(e); resolve(); },
        success: (h) => {
          w.handle = h;
          h.createOffer({ tracks: [{ type: 'audio', capture: true, recv: true }, { type: 'video', capture: { width: 640, height: 360 }, recv: true }, { type: 'data' }],
            success: (jsep) => h.send({ message: { audio: true, video: true }, jsep }),
            error: (e) => { w.result.error = 'createOffer: ' + String(e); resolve(); } });
          resolve();
        },
        onmessage: (msg, jsep) => { if (jsep) w.handle.handleRemoteJsep({ jsep }); },
        webrtcState: (on) => { w.result.webrtcUp = on; },
        onremotetrack: (track, mid, on) => { if (on && track.kind === 'video') document.getElementById('remote').srcObject = new MediaStream([track]); },
        ondataopen: () => w.handle.data({ text: 'over tcp' }),
        ondata: (d) => w.result.data.push(String(d)) }) });
    w.janus = janus;
  } });
});
// The protocol of both ends of the pair ICE selected.
w.pairProtocols = async () => {
  const stats = await w.handle.webrtcStuff.pc.getStats();
  let pairId = '';
  stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
  const pair = pairId ? stats.get(pairId) : undefined;
  if (!pair) return { local: '', remote: '' };
  return { local: stats.get(pair.localCandidateId).protocol, remote: stats.get(pair.remoteCandidateId).protocol };
};
${STATS_SCRIPT}
</script>`;

const skip = !existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium';
let browser: Browser;
let srv: StartedServer;
let page: { server: Server; url: string };

before(async () => {
  if (skip) return;
  srv = await startInProcess([['nat.ice_tcp', 'true']]);
  page = await serveJanusPage(PAGE);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  page?.server.close();
  await srv?.stop();
});

interface PageState {
  result: { data: string[]; error: string | null; webrtcUp: boolean; tcpCandidates: number; udpHidden: number };
  startEcho: (s: string) => Promise<void>;
  stats: () => Promise<{ framesDecoded: number; audioPackets: number }>;
  pairProtocols: () => Promise<{ local: string; remote: string }>;
  janus: { destroy: (o: object) => void };
}

// ICE-lite (the default, and what Janus requires for ice_tcp). A full ICE server checks the browser's UDP
// candidates itself, so hiding its own would not keep UDP out: that needs a real firewall.
test('janus.js echotest over ICE-TCP only: the browser connects to the passive TCP candidate; video decodes, audio and data flow', { timeout: 90_000, skip }, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  try {
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as PageState).startEcho === 'function');
    await p.evaluate((s) => (window as unknown as PageState).startEcho(s), srv.wsUrl);
    await p
      .waitForFunction(() => (window as unknown as PageState).result.webrtcUp || (window as unknown as PageState).result.error !== null, undefined, { timeout: 30_000 })
      .catch((err: unknown) => {
        throw new Error(`no webrtcup within 30 s; the server's log ends with:\n${srv.logs.slice(-40).join('\n')}`, { cause: err });
      });
    const r = await p.evaluate(() => (window as unknown as PageState).result);
    assert.equal(r.error, null);
    assert.ok(r.udpHidden > 0, 'the server offered UDP candidates (hidden from the browser)');
    assert.ok(r.tcpCandidates > 0, 'the server offered a TCP candidate');
    assert.deepEqual(await p.evaluate(() => (window as unknown as PageState).pairProtocols()), { local: 'tcp', remote: 'tcp' });
    const first = await p.evaluate(() => (window as unknown as PageState).stats());
    await p.waitForTimeout(2500);
    const second = await p.evaluate(() => (window as unknown as PageState).stats());
    assert.ok(second.framesDecoded > first.framesDecoded && second.framesDecoded > 10, `frames decoded rising: ${first.framesDecoded} → ${second.framesDecoded}`);
    assert.ok(second.audioPackets > first.audioPackets && second.audioPackets > 20, `audio packets rising: ${first.audioPackets} → ${second.audioPackets}`);
    await p.waitForFunction(() => (window as unknown as PageState).result.data.length > 0, undefined, { timeout: 10_000 });
    assert.equal((await p.evaluate(() => (window as unknown as PageState).result.data))[0], `${DATA_PREFIX}over tcp`);

    // The server's side: the handle's selected pair is TCP, and the ICE-TCP port counted the connection.
    const tcp = sharedTcpStatus(srv);
    assert.ok(tcp && tcp.proven >= 1 && tcp.open >= 1, `ICE-TCP port status: ${JSON.stringify(tcp)}`);
    await p.evaluate(() => new Promise<void>((resolve) => (window as unknown as PageState).janus.destroy({ success: resolve, error: resolve })));
  } finally {
    await context.close();
  }
});

/** Admin get_status's ICE-TCP part of the first shared socket. */
function sharedTcpStatus(s: StartedServer): { proven: number; open: number } | undefined {
  const shared = s.server.gateway.media?.status?.().single_port as { sockets?: Array<{ tcp?: { proven: number; open: number } }> } | undefined;
  return shared?.sockets?.[0]?.tcp;
}

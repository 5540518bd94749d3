// janus.js (npm janus-gateway) in headless Chromium runs the classic EchoTest against Portunus,
// over WebSocket and over REST long-poll: remote video plays, frames are decoded, audio arrives, data echoes.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { DATA_PREFIX } from '../../src/plugins/echotest/echotest.js';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { serveJanusPage, STATS_SCRIPT } from '../helpers/janusjs-page.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { startInProcess, type StartedServer } from '../helpers/in-process-server.js';
import { noIpv6Env } from '../helpers/no-ipv6.js';
import { waitUntil } from '../../support/wait.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>echotest</title>
<video id="remote" autoplay playsinline muted></video>
<script src="/adapter.js"></script>
<script type="module">
import Janus from '/janus.es.js';
const w = window;
w.result = { events: [], data: [], error: null, webrtcUp: false, done: false };
w.startEcho = (server, simulcast = false, svc = undefined) => new Promise((resolve) => {
  Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: () => {
    const janus = new Janus({ server, iceServers: [], error: (e) => { w.result.error = String(e); resolve(); },
      success: () => janus.attach({ plugin: 'janus.plugin.echotest',
        error: (e) => { w.result.error = String(e); resolve(); },
        success: (h) => {
          w.handle = h;
          h.createOffer({ tracks: [{ type: 'audio', capture: true, recv: true }, { type: 'video', capture: { width: 1280, height: 720 }, recv: true, simulcast, svc }, { type: 'data' }],
            success: (jsep) => h.send({ message: svc ? { audio: true, video: true, videocodec: 'vp9' } : { audio: true, video: true }, jsep }),
            error: (e) => { w.result.error = 'createOffer: ' + String(e); resolve(); } });
          resolve();
        },
        onmessage: (msg, jsep) => { w.result.events.push(msg); if (jsep) w.handle.handleRemoteJsep({ jsep }); },
        webrtcState: (on) => { w.result.webrtcUp = on; },
        onremotetrack: (track, mid, on) => {
          if (!on || track.kind !== 'video') return;
          document.getElementById('remote').srcObject = new MediaStream([track]);
        },
        ondataopen: () => w.handle.data({ text: 'hello janus.js' }),
        ondata: (d) => w.result.data.push(String(d)),
        oncleanup: () => { w.result.done = true; } }) });
    w.janus = janus;
  } });
});
${STATS_SCRIPT}
// The browser's own send-side bandwidth estimate (grows only with transport-wide CC feedback or REMB from us).
w.estimate = async () => { let out = 0; (await w.handle.webrtcStuff.pc.getStats()).forEach((s) => {
  if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) out = s.availableOutgoingBitrate; }); return out; };
</script>`;

const servePage = (): Promise<{ server: Server; url: string }> => serveJanusPage(PAGE);

const skip = !existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium';
let browser: Browser;
let srv: StartedServer;
let noV6: ChildServer;
let fullIce: ChildServer;
let page: { server: Server; url: string };
/** general.recordings_dir of `srv`. */
let recordings: string;

before(async () => {
  if (skip) return;
  // EchoTest recordings are written inside general.recordings_dir (the test names them relative to it).
  recordings = mkdtempSync(join(tmpdir(), 'portunus-echorec-'));
  srv = await startInProcess([['general.recordings_dir', recordings]]);
  noV6 = await startChildServer([], await noIpv6Env());
  fullIce = await startChildServer(['--nat.ice_lite=false']);
  page = await servePage();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  page?.server.close();
  await srv?.stop();
  await noV6?.stop();
  await fullIce?.stop();
});

for (const transport of ['WebSocket', 'REST long-poll', 'WebSocket, server without IPv6', 'WebSocket, full ICE (nat.ice_lite = false)'] as const) {
  test(`janus.js echotest over ${transport}`, { timeout: 90_000, skip }, async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    try {
      await p.goto(page.url);
      await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
      const server = transport === 'WebSocket' ? srv.wsUrl : transport === 'REST long-poll' ? srv.restUrl : transport === 'WebSocket, server without IPv6' ? noV6.wsUrl : fullIce.wsUrl;
      await p.evaluate((s) => (window as unknown as { startEcho: (s: string) => Promise<void> }).startEcho(s), server);
      await p
        .waitForFunction(
          () => {
            const r = (window as unknown as { result: { webrtcUp: boolean; error: string | null } }).result;
            return r.webrtcUp || r.error !== null;
          },
          undefined,
          { timeout: 30_000 },
        )
        .catch((err: unknown) => {
          // A child server's own account of the call says why it did not come up.
          const child = transport === 'WebSocket, server without IPv6' ? noV6 : transport === 'WebSocket, full ICE (nat.ice_lite = false)' ? fullIce : undefined;
          throw new Error(`no webrtcup within 30 s${child ? `; the server's log ends with:\n${child.log().slice(-3000)}` : ''}`, { cause: err });
        });
      const r0 = await p.evaluate(() => (window as unknown as { result: { error: string | null; events: unknown[] } }).result);
      assert.equal(r0.error, null);
      assert.deepEqual(r0.events[0], { echotest: 'event', result: 'ok' });
      const first = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number; audioPackets: number }> }).stats());
      await p.waitForTimeout(2500);
      const second = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number; audioPackets: number; videoTime: number }> }).stats());
      assert.ok(second.framesDecoded > first.framesDecoded && second.framesDecoded > 10, `frames decoded rising: ${first.framesDecoded} → ${second.framesDecoded}`);
      assert.ok(second.audioPackets > first.audioPackets && second.audioPackets > 20, `audio packets rising: ${first.audioPackets} → ${second.audioPackets}`);
      assert.ok(second.videoTime > 0, 'remote video element plays');
      await p.waitForFunction(() => (window as unknown as { result: { data: string[] } }).result.data.length > 0, undefined, { timeout: 10_000 });
      const data = await p.evaluate(() => (window as unknown as { result: { data: string[] } }).result.data);
      assert.equal(data[0], `${DATA_PREFIX}hello janus.js`);
      // Hang up from the page: the plugin answers "done" and the server frees the handle on destroy.
      await p.evaluate(() => new Promise<void>((resolve) => (window as unknown as { janus: { destroy: (o: object) => void } }).janus.destroy({ success: resolve, error: resolve })));
      if (transport === 'WebSocket, server without IPv6') {
        assert.equal(noV6.child.exitCode, null, 'server without IPv6 still running');
        return;
      }
      if (transport === 'WebSocket, full ICE (nat.ice_lite = false)') {
        assert.equal(fullIce.child.exitCode, null, 'full-ICE server still running');
        return;
      }
      await waitUntil(() => srv.server.gateway.sessions.size === 0, { timeout: 5000, interval: 50 });
      assert.equal(srv.server.gateway.sessions.size, 0, 'session gone after destroy');
    } finally {
      await context.close();
    }
  });
}

test('janus.js echotest: an ICE restart (janus.js iceRestart) renegotiates; media goes on', { timeout: 90_000, skip }, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  type Stats = { framesDecoded: number; audioPackets: number };
  const stats = () => p.evaluate(() => (window as unknown as { stats: () => Promise<Stats> }).stats());
  try {
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
    await p.evaluate((s) => (window as unknown as { startEcho: (s: string) => Promise<void> }).startEcho(s), srv.wsUrl);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean } }).result.webrtcUp, undefined, { timeout: 30_000 });
    await p.waitForFunction(async () => (await (window as unknown as { stats: () => Promise<Stats> }).stats()).framesDecoded > 10, undefined, { timeout: 20_000 });
    const pairBefore = await p.evaluate(() => (window as unknown as { selectedPair: () => Promise<string> }).selectedPair());
    const answers = await p.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const w = window as unknown as { result: { events: unknown[] }; handle: { createOffer: (o: object) => void; send: (o: object) => void } };
          const before = w.result.events.length;
          w.handle.createOffer({
            tracks: [{ type: 'audio', capture: true, recv: true }, { type: 'video', capture: { width: 1280, height: 720 }, recv: true }, { type: 'data' }],
            iceRestart: true,
            success: (jsep: unknown) => w.handle.send({ message: { audio: true, video: true }, jsep }),
            error: () => resolve(-1),
          });
          const t = setInterval(() => {
            if (w.result.events.length > before) {
              clearInterval(t);
              resolve(w.result.events.length - before);
            }
          }, 50);
        }),
    );
    assert.ok(answers > 0, 'the EchoTest answered the new offer');
    const s1 = await stats();
    await p.waitForTimeout(3000);
    const s2 = await stats();
    const pairAfter = await p.evaluate(() => (window as unknown as { selectedPair: () => Promise<string> }).selectedPair());
    console.log(`ICE restart: pair ${pairBefore} -> ${pairAfter}; frames ${s1.framesDecoded} -> ${s2.framesDecoded}, audio ${s1.audioPackets} -> ${s2.audioPackets}`);
    assert.notEqual(pairAfter, pairBefore, 'a new candidate pair after the restart');
    assert.ok(s2.framesDecoded > s1.framesDecoded + 10, `frames decoded after the restart: ${s1.framesDecoded} → ${s2.framesDecoded}`);
    assert.ok(s2.audioPackets > s1.audioPackets + 20, `audio after the restart: ${s1.audioPackets} → ${s2.audioPackets}`);
    // The restart gathered again on the same ports: handle_info names each local port once.
    for (const session of srv.server.gateway.sessions.values()) {
      for (const h of session.handles.values()) {
        const ports = ((h.media?.info().local_ports ?? []) as Array<{ address: string; port: number }>).map((l) => `${l.address} ${l.port}`);
        assert.equal(new Set(ports).size, ports.length, `local_ports after the restart: ${ports.join(', ')}`);
      }
    }
  } finally {
    await context.close();
  }
});

test("janus.js echotest: the browser's consent checks are answered (by the server's inbound guard) and the call goes on", { timeout: 60_000, skip }, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  type Pair = { responses: number; requests: number; state: string };
  const pair = () =>
    p.evaluate(async () => {
      const pc = (window as unknown as { handle: { webrtcStuff: { pc: RTCPeerConnection } } }).handle.webrtcStuff.pc;
      const stats = await pc.getStats();
      let id = '';
      stats.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) id = s.selectedCandidatePairId;
      });
      const s = stats.get(id) as { responsesReceived?: number; requestsSent?: number; state?: string } | undefined;
      return { responses: s?.responsesReceived ?? 0, requests: s?.requestsSent ?? 0, state: s?.state ?? '' };
    });
  try {
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
    await p.evaluate((s) => (window as unknown as { startEcho: (s: string) => Promise<void> }).startEcho(s), srv.wsUrl);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean } }).result.webrtcUp, undefined, { timeout: 30_000 });
    const first: Pair = await pair();
    // Chromium checks consent every few seconds (RFC 7675); each answer counts as a response on the pair.
    const deadline = Date.now() + 20_000;
    let now: Pair = first;
    while (now.responses < first.responses + 2 && Date.now() < deadline) {
      await p.waitForTimeout(1000);
      now = await pair();
    }
    assert.ok(now.responses >= first.responses + 2, `consent responses on the selected pair: ${first.responses} → ${now.responses} (${now.requests} requests)`);
    assert.equal(now.state, 'succeeded');
    // The answers came from the server's guard (ICE-lite, selected pair), not from the stack.
    const handles = [...srv.server.gateway.sessions.values()].flatMap((session) => [...session.handles.values()]);
    const answered = handles.map((h) => (h.media?.info().consent_answered as number | undefined) ?? 0);
    assert.ok(Math.max(0, ...answered) >= 2, `consent_answered in handle_info: ${JSON.stringify(answered)}`);
    const stats = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number }> }).stats());
    await p.waitForTimeout(1000);
    const later = await p.evaluate(() => (window as unknown as { stats: () => Promise<{ framesDecoded: number }> }).stats());
    assert.ok(later.framesDecoded > stats.framesDecoded, 'video still decodes');
  } finally {
    await context.close();
  }
});

test("janus.js echotest: transport-wide CC feedback lets the browser's bandwidth estimate grow", { timeout: 60_000, skip }, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  const estimate = () => p.evaluate(() => (window as unknown as { estimate: () => Promise<number> }).estimate());
  try {
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
    await p.evaluate((s) => (window as unknown as { startEcho: (s: string) => Promise<void> }).startEcho(s), srv.wsUrl);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean } }).result.webrtcUp, undefined, { timeout: 30_000 });
    // Chromium starts at 300 kbit/s and, without feedback on arrival times, stays there. With it, it probes
    // upwards within seconds (on a busy machine the delays the event loop adds keep it near 500 kbit/s, hence the margin).
    const deadline = Date.now() + 15_000;
    const seen: number[] = [];
    while (Math.max(0, ...seen) <= 1_000_000 && Date.now() < deadline) {
      await p.waitForTimeout(250);
      seen.push(await estimate());
    }
    if (process.env.BWE_TRACE) console.log(seen.join(' '));
    assert.ok(Math.max(...seen) > 450_000, `estimate grew well past the 300 kbit/s start: ${seen.join(' ')}`);
  } finally {
    await context.close();
  }
});

test('janus.js echotest with simulcast: one layer is echoed, it follows the browser up, and substream 0 switches down', { timeout: 90_000, skip }, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  type Stats = { framesDecoded: number; frameWidth: number };
  const stats = () => p.evaluate(() => (window as unknown as { stats: () => Promise<Stats> }).stats());
  try {
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
    await p.evaluate((s) => (window as unknown as { startEcho: (s: string, sim: boolean) => Promise<void> }).startEcho(s, true), srv.wsUrl);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean } }).result.webrtcUp, undefined, { timeout: 30_000 });
    // The browser starts with its lowest layer and adds a higher one as its estimate grows; the echo follows it
    // (the default target is the highest layer).
    await p.waitForFunction(async () => (await (window as unknown as { stats: () => Promise<Stats> }).stats()).frameWidth > 320, undefined, { timeout: 30_000 });
    const picked = Date.now() + 10_000;
    while (!srv.logs.some((l) => /echoing simulcast layer \d \(rid [hml]\)/.test(l)) && Date.now() < picked) await p.waitForTimeout(100);
    assert.ok(
      srv.logs.some((l) => /echoing simulcast layer \d \(rid [hml]\)/.test(l)),
      'the EchoTest picked a layer',
    );
    const s1 = await stats();
    await p.waitForTimeout(1500);
    const s2 = await stats();
    // Three layers arrive on one m-line; forwarding them all would interleave pictures of three sizes and the
    // decoder would stall. One layer at a time decodes steadily.
    assert.ok(s2.framesDecoded > s1.framesDecoded, `frames decoded rising with simulcast: ${s1.framesDecoded} → ${s2.framesDecoded}`);
    // Asking for substream 0 brings the picture to the lowest layer (a quarter of the 1280 captured) and keeps
    // it there, still decoding, whatever the browser's estimate does to its upper layers meanwhile.
    await p.evaluate(() => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: { substream: 0 } }));
    await p.waitForFunction(
      () =>
        (async () => {
          const s = await (window as unknown as { stats: () => Promise<Stats> }).stats();
          return s.frameWidth > 0 && s.frameWidth <= 320;
        })(),
      undefined,
      { timeout: 15_000 },
    );
    const s3 = await stats();
    await p.waitForTimeout(1500);
    const s4 = await stats();
    assert.ok(s4.framesDecoded > s3.framesDecoded, `still decoding after the switch: ${s3.framesDecoded} → ${s4.framesDecoded}`);
    assert.ok(s4.frameWidth > 0 && s4.frameWidth <= 320, `the lowest layer after substream 0: ${s4.frameWidth}`);
    // Temporal layers (VP8, Chromium sends two): temporal 0 keeps the base layer only, about half the frames,
    // still decoding; temporal 2 brings the others back (at a layer-sync frame). Frames decoded are counted
    // against frames the browser encoded on its lowest layer in the same window, so a browser that lowers its
    // frame rate under load does not look like a dropped layer.
    const ratio = async (): Promise<number> => {
      const read = () =>
        p.evaluate(async () => {
          const pc = (window as unknown as { handle: { webrtcStuff: { pc: RTCPeerConnection } } }).handle.webrtcStuff.pc;
          let decoded = 0;
          let encoded = 0;
          let lowest = Infinity;
          (await pc.getStats()).forEach((x: { type: string; kind?: string; framesDecoded?: number; framesEncoded?: number; frameWidth?: number }) => {
            if (x.type === 'inbound-rtp' && x.kind === 'video') decoded += x.framesDecoded ?? 0;
            if (x.type === 'outbound-rtp' && x.kind === 'video' && (x.frameWidth ?? Infinity) <= lowest) {
              lowest = x.frameWidth ?? Infinity;
              encoded = x.framesEncoded ?? 0;
            }
          });
          return { decoded, encoded };
        });
      const a = await read();
      await p.waitForTimeout(2500);
      const b = await read();
      return (b.decoded - a.decoded) / Math.max(1, b.encoded - a.encoded);
    };
    // A busy machine can stall the decoder for a moment (a lost packet, then a keyframe): measure again then.
    let full = await ratio();
    for (let i = 0; i < 3 && !(full > 0.5); i++) full = await ratio();
    await p.evaluate(() => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: { temporal: 0 } }));
    await p.waitForTimeout(500);
    let base = await ratio();
    for (let i = 0; i < 3 && !(base > 0.2 && base < full * 0.75); i++) base = await ratio();
    await p.evaluate(() => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: { temporal: 2 } }));
    await p.waitForTimeout(500);
    // Up again at a layer-sync frame; a decoder that stumbled on the switch asks for a keyframe: allow for it.
    let back = await ratio();
    for (let i = 0; i < 3 && !(back > base * 1.3); i++) back = await ratio();
    if (process.env.TEMPORAL_TRACE) console.log(`decoded per encoded: all layers ${full}, temporal 0 ${base}, temporal 2 again ${back}`);
    assert.ok(base > 0.2 && base < full * 0.75, `temporal 0 decodes fewer of the frames sent, still some: ${full} → ${base}`);
    assert.ok(back > base * 1.3, `temporal 2 brings the frames back: ${base} → ${back}`);
  } finally {
    await context.close();
  }
});

test('janus.js echotest with VP9 SVC (L3T3_KEY): spatial_layer 0 echoes the lowest resolution, 2 brings the full one back', { timeout: 120_000, skip }, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  const send = (message: object) => p.evaluate((m) => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: m }), message);
  // What is decoded against what the browser sends as its top layer: a busy browser scales its whole picture
  // down (1280 may become 960 or 480), the ratio between layers stays.
  type Widths = { decoded: number; frames: number; sent: number };
  const widths = (): Promise<Widths> =>
    p.evaluate(async () => {
      const pc = (window as unknown as { handle: { webrtcStuff: { pc: RTCPeerConnection } } }).handle.webrtcStuff.pc;
      const out = { decoded: 0, frames: 0, sent: 0 };
      (await pc.getStats()).forEach((x: { type: string; kind?: string; frameWidth?: number; framesDecoded?: number }) => {
        if (x.type === 'inbound-rtp' && x.kind === 'video' && (x.framesDecoded ?? 0) >= out.frames) {
          out.frames = x.framesDecoded ?? 0;
          out.decoded = x.frameWidth ?? 0;
        }
        if (x.type === 'outbound-rtp' && x.kind === 'video') out.sent = Math.max(out.sent, x.frameWidth ?? 0);
      });
      return out;
    });
  const lowest = (w: Widths): boolean => w.decoded > 0 && w.sent > 0 && w.decoded <= w.sent / 4 + 8;
  const top = (w: Widths): boolean => w.decoded > 0 && w.sent > 0 && w.decoded >= w.sent * 0.9;
  // The layer shows, and decoding goes on there (on a busy machine the browser may need a keyframe first).
  const settlesOn = async (what: string, ok: (w: Widths) => boolean): Promise<void> => {
    const deadline = Date.now() + 20_000;
    let w = await widths();
    while (!ok(w) && Date.now() < deadline) {
      await p.waitForTimeout(250);
      w = await widths();
    }
    assert.ok(ok(w), `${what}: ${JSON.stringify(w)}`);
    const from = w.frames;
    while (!(w.frames > from + 5 && ok(w)) && Date.now() < deadline + 10_000) {
      await p.waitForTimeout(250);
      w = await widths();
    }
    assert.ok(w.frames > from + 5 && ok(w), `${what}, still decoding: ${from} → ${JSON.stringify(w)}`);
  };
  try {
    await p.goto(page.url);
    await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
    await p.evaluate((s) => (window as unknown as { startEcho: (s: string, sim: boolean, svc: string) => Promise<void> }).startEcho(s, false, 'L3T3_KEY'), srv.wsUrl);
    await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean } }).result.webrtcUp, undefined, { timeout: 30_000 });
    await settlesOn('all layers echoed', top);
    await send({ spatial_layer: 0 });
    await settlesOn('the lowest layer after spatial_layer 0', lowest);
    await send({ spatial_layer: 2 });
    await settlesOn('the top layer again after spatial_layer 2', top);
    const events = await p.evaluate(() =>
      (window as unknown as { result: { events: Array<{ spatial_layer?: number }> } }).result.events.filter((e) => e.spatial_layer !== undefined).map((e) => e.spatial_layer),
    );
    assert.deepEqual(events, [0, 2], 'spatial_layer events as the layer changes');
  } finally {
    await context.close();
  }
});

test(
  "janus.js echotest with record: .mjr files that Janus's janus-pp-rec turns into .opus and .webm",
  { timeout: 90_000, skip: skip || (!existsSync('/usr/bin/janus-pp-rec') && 'no janus-pp-rec') },
  async () => {
    const { spawnSync } = await import('node:child_process');
    const base = join(recordings, 'call');
    const context = await browser.newContext();
    const p = await context.newPage();
    try {
      await p.goto(page.url);
      await p.waitForFunction(() => typeof (window as unknown as { startEcho?: unknown }).startEcho === 'function');
      await p.evaluate((s) => (window as unknown as { startEcho: (s: string) => Promise<void> }).startEcho(s), srv.wsUrl);
      await p.waitForFunction(() => (window as unknown as { result: { webrtcUp: boolean } }).result.webrtcUp, undefined, { timeout: 30_000 });
      await p.evaluate((b) => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: { record: true, filename: b } }), 'call');
      await p.waitForTimeout(2500);
      await p.evaluate(() => (window as unknown as { handle: { send: (o: object) => void } }).handle.send({ message: { record: false } }));
      await p.waitForTimeout(300);
      for (const [kind, ext] of [
        ['audio', 'opus'],
        ['video', 'webm'],
      ] as const) {
        const out = `${base}-${kind}.${ext}`;
        const pp = spawnSync('janus-pp-rec', [`${base}-${kind}.mjr`, out], { encoding: 'utf8' });
        assert.equal(pp.status, 0, `janus-pp-rec ${kind}: ${pp.stderr}`);
        const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out], { encoding: 'utf8' });
        const seconds = Number(probe.stdout.trim());
        assert.ok(seconds > 1.5 && seconds < 5, `${kind}: ${seconds} s recorded (${probe.stderr})`);
      }
    } finally {
      await context.close();
    }
  },
);

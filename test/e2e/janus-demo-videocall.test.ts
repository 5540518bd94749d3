// Janus's own videocalltest.html (Debian's janus-demos, served as it is) in headless Chromium against Portunus:
// two pages register, the second calls the first, the first answers the page's incoming-call dialog, and each
// page decodes the other's video, also after the caller and then the callee restart ICE with their own offers (the
// callee's on the PeerConnection the server offered); then a caller that simulcasts (the page's ?simulcast=true)
// and a callee that switches layers with the page's own SL buttons. The pages' requests to anywhere but this
// machine are refused.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { pollUntil } from '../../support/wait.js';
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
async function registered(p: Page, name: string, query = ''): Promise<void> {
  await p.goto(`${demos.url}/videocalltest.html${query}`);
  await p.click('#start');
  await p.waitForSelector('#username:not([disabled])', { state: 'visible', timeout: 30_000 });
  await p.fill('#username', name);
  await p.click('#register');
  await p.waitForSelector('#phone', { state: 'visible', timeout: 15_000 });
}

/** The ICE ufrag of the remote description the page's PeerConnection has now. */
function remoteUfrag(p: Page): Promise<string | undefined> {
  return p.evaluate(() => {
    const pc = (window as unknown as { videocall?: { webrtcStuff?: { pc?: RTCPeerConnection } } }).videocall?.webrtcStuff?.pc;
    return /a=ice-ufrag:(\S+)/.exec(pc?.remoteDescription?.sdp ?? '')?.[1];
  });
}

/** `caller`'s page calls `name`, whose page answers in its incoming-call dialog. */
async function call(caller: Page, callee: Page, name: string): Promise<void> {
  await caller.fill('#peer', name);
  await caller.click('#call');
  // The page's bootbox dialog for the incoming call: its "Answer" button.
  const answer = callee.locator('.bootbox .btn-success', { hasText: 'Answer' });
  await answer.waitFor({ state: 'visible', timeout: 30_000 });
  await answer.click();
}

test("Janus's videocalltest.html: bob calls alice, alice answers, each decodes the other, also after the caller and then the callee restart ICE", { timeout: 120_000, skip }, async () => {
  const context = await localContext(browser);
  try {
    const alice = await context.newPage();
    const bob = await context.newPage();
    await registered(alice, 'alice');
    await registered(bob, 'bob');
    await call(bob, alice, 'alice');
    await decodesRising(alice, 'videocall', 'alice sees bob');
    await decodesRising(bob, 'videocall', 'bob sees alice');
    // Each page restarts ICE as janus.js does (createOffer with iceRestart, then set with restart and the jsep): the
    // page applies the answer it gets in an `update` event, and both pictures still decode. A page's first checks of
    // the new generation may come before its trickled candidates: they alone must select the new pair.
    for (const [p, who] of [
      [bob, 'bob'],
      [alice, 'alice'],
    ] as const) {
      const before = await remoteUfrag(p);
      await p.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const vc = (window as unknown as { videocall: { createOffer: (o: object) => void; send: (o: object) => void } }).videocall;
            vc.createOffer({
              iceRestart: true,
              success: (jsep: object) => {
                vc.send({ message: { request: 'set', restart: true }, jsep });
                resolve();
              },
              error: (err: unknown) => reject(new Error(String(err))),
            });
          }),
      );
      const after = await pollUntil(
        () => remoteUfrag(p),
        (u) => u !== before,
        { timeout: 15_000, interval: 200 },
      );
      assert.notEqual(after, before, `${who}'s page applied an answer with new ICE credentials`);
      await decodesRising(alice, 'videocall', `alice sees bob after ${who}'s ICE restart`);
      await decodesRising(bob, 'videocall', `bob sees alice after ${who}'s ICE restart`);
    }
  } finally {
    await context.close();
  }
});

/** The video a demo page's PeerConnection receives (frame size, frames decoded) and sends (frame width per rid). */
interface VideoStats {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly sent: Record<string, { width: number; frames: number }>;
}

function videoStats(p: Page): Promise<VideoStats> {
  return p.evaluate(async () => {
    const pc = (window as unknown as { videocall?: { webrtcStuff?: { pc?: RTCPeerConnection } } }).videocall?.webrtcStuff?.pc;
    const out = { width: 0, height: 0, frames: 0, sent: {} as Record<string, { width: number; frames: number }> };
    if (!pc) return out;
    (await pc.getStats()).forEach((s: { type: string; kind?: string; rid?: string; frameWidth?: number; frameHeight?: number; framesDecoded?: number; framesEncoded?: number }) => {
      if (s.kind !== 'video') return;
      if (s.type === 'inbound-rtp') Object.assign(out, { width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, frames: s.framesDecoded ?? 0 });
      if (s.type === 'outbound-rtp' && s.rid) out.sent[s.rid] = { width: s.frameWidth ?? 0, frames: s.framesEncoded ?? 0 };
    });
    return out;
  });
}

test(
  "Janus's videocalltest.html with ?simulcast=true: the callee's SL buttons switch the layer it decodes (frame size follows), simulcast events mark the switch",
  { timeout: 180_000, skip },
  async () => {
    // The caller gets a browser of its own: its page captures 1280x720 for three layers (janus.js asks 'hires' for
    // a simulcast track), and in one browser the fake camera, opened first by the callee's page at 640x480, would
    // be handed to it at that size.
    const browser2 = await launchBrowser();
    const context = await localContext(browser);
    const context2 = await localContext(browser2);
    try {
      const alice = await context.newPage();
      const bob = await context2.newPage();
      await registered(alice, 'alice2');
      await registered(bob, 'bob2', '?simulcast=true');
      await call(bob, alice, 'alice2');
      await decodesRising(alice, 'videocall', 'alice sees bob');
      // The first `simulcast` event (the layer Alice gets) makes her page add its layer buttons.
      await alice.waitForSelector('#sl-0', { state: 'attached', timeout: 30_000 });

      // Three layers encoded, and what Alice decodes against what Bob sends on each rid (a busy browser scales
      // its whole picture down; the ratio between layers stays).
      const both = async (): Promise<{ got: VideoStats; sent: VideoStats['sent'] }> => ({ got: await videoStats(alice), sent: (await videoStats(bob)).sent });
      const three = await pollUntil(both, (s) => ['l', 'm', 'h'].every((r) => (s.sent[r]?.frames ?? 0) > 0 && (s.sent[r]?.width ?? 0) > 0), { timeout: 60_000, interval: 500 });
      assert.ok(
        ['l', 'm', 'h'].every((r) => (three.sent[r]?.frames ?? 0) > 0),
        `Bob encodes three layers: ${JSON.stringify(three.sent)}`,
      );
      const near = (a: number, b: number): boolean => b > 0 && Math.abs(a - b) <= 8;
      const decodes = (rid: string) => (s: { got: VideoStats; sent: VideoStats['sent'] }) => near(s.got.width, s.sent[rid]?.width ?? 0);
      const seen: string[] = [];
      for (const [substream, rid] of [
        [0, 'l'],
        [1, 'm'],
        [2, 'h'],
        [0, 'l'],
      ] as const) {
        await alice.click(`#sl-${substream}`);
        const now = await pollUntil(both, decodes(rid), { timeout: 30_000, interval: 250 });
        assert.ok(decodes(rid)(now), `substream ${substream}: Alice decodes ${now.got.width}x${now.got.height}, Bob sends ${JSON.stringify(now.sent)}`);
        // The page marks the button of the layer a `simulcast` event reported (Janus's event: substream, videocodec).
        await alice.waitForSelector(`#sl-${substream}.btn-success`, { timeout: 15_000 });
        const later = await pollUntil(videoStats.bind(undefined, alice), (s) => s.frames > now.got.frames + 10, { timeout: 15_000, interval: 250 });
        assert.ok(later.frames > now.got.frames + 10, `still decoding on substream ${substream}: ${now.got.frames} → ${later.frames}`);
        seen.push(`${substream}:${now.got.width}x${now.got.height}`);
      }
      console.log(`videocall simulcast, substream:decoded size: ${seen.join(' ')}; Bob's layers: ${JSON.stringify(three.sent)}`);
      const widths = seen.map((x) => Number(x.split(':')[1].split('x')[0]));
      assert.ok(widths[0] < widths[1] && widths[1] < widths[2] && widths[3] === widths[0], `the frame size follows the layer: ${seen.join(' ')}`);
    } finally {
      await context.close();
      await context2.close();
      await browser2.close().catch(() => {});
    }
  },
);

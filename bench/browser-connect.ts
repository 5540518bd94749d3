// Connect time as a browser sees it: headless Chromium (fake camera and microphone) offers audio+video to the
// EchoTest; the bench relays the offer and answer over the Janus API. Two figures per call: offer sent to
// `webrtcup` received (as the werift workload measures it), and, timed inside the page, answer applied to the
// browser's own connectionState 'connected'. A werift client adds its own 100 ms before a DTLS handshake it
// starts, so the browser is the fairer client for this figure.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser, openTestPage } from '../support/browser.js';
import { JanusWs, type Msg } from '../support/janus-ws.js';
import { candidatesOn } from '../support/loopback-sdp.js';
import type { RunningServer } from './janus-reference.js';
import { sleep } from '../support/wait.js';

export interface BrowserConnectResult {
  readonly webrtcupMs: number[];
  readonly pageConnectedMs: number[];
}

interface PageWindow {
  pc: RTCPeerConnection;
  t0: number;
  tc: number;
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function runBrowserConnect(server: RunningServer, calls: number): Promise<BrowserConnectResult> {
  const result: BrowserConnectResult = { webrtcupMs: [], pageConnectedMs: [] };
  const browser: Browser = await launchBrowser();
  try {
    for (let i = 0; i < calls; i++) await oneCall(browser, server, result);
  } finally {
    await browser.close();
  }
  return result;
}

async function oneCall(browser: Browser, server: RunningServer, into: BrowserConnectResult): Promise<void> {
  const tp = await openTestPage(browser);
  const c = await JanusWs.open(server.wsUrl);
  try {
    const offer = await tp.page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const pc = new RTCPeerConnection({ iceServers: [] });
      w.pc = pc;
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      for (const t of media.getTracks()) pc.addTrack(t, media);
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'connected') w.tc = performance.now();
      });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        const t = setTimeout(resolve, 3000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') {
            clearTimeout(t);
            resolve();
          }
        });
      });
      return pc.localDescription!.sdp;
    });
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
    const started = performance.now();
    const ack = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true, video: true }, jsep: { type: 'offer', sdp: offer, trickle: false } });
    const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction && m.jsep !== undefined, 10_000, 'answer');
    const answer = candidatesOn((ev.jsep as Msg).sdp as string, server.mediaAddress);
    await tp.page.evaluate(async (sdp) => {
      const w = window as unknown as PageWindow;
      w.t0 = performance.now();
      await w.pc.setRemoteDescription({ type: 'answer', sdp });
    }, answer);
    await c.wait((m) => m.janus === 'webrtcup' && m.sender === handle, 15_000, 'webrtcup');
    into.webrtcupMs.push(performance.now() - started);
    const deadline = Date.now() + 10_000;
    let pageMs = NaN;
    while (Date.now() < deadline) {
      pageMs = await tp.page.evaluate(() => {
        const w = window as unknown as PageWindow;
        return w.tc ? w.tc - w.t0 : NaN;
      });
      if (!Number.isNaN(pageMs)) break;
      await sleep(50);
    }
    if (!Number.isNaN(pageMs)) into.pageConnectedMs.push(pageMs);
    await c.request({ janus: 'destroy', session_id: session });
  } finally {
    c.close();
    await tp.close();
  }
}

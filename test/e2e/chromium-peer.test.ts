// Chromium (headless, fake camera and microphone) offers audio+video+data to WebRtcPeer, which echoes it all back.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { WebRtcPeer } from '../../src/media/werift/peer.js';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { launchBrowser, openTestPage, CHROMIUM_PATH } from '../../support/browser.js';
import { sleep } from '../../support/wait.js';

interface PageStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  messages: string[];
  connectionState: string;
}

test('chromium echo: video frames decoded, audio packets received, data channel echoed', { timeout: 60_000, skip: !existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium' }, async () => {
  const network = new HostNetwork(await discoverNetworkHost());
  const logs: string[] = [];
  const peer = new WebRtcPeer({ network, iceEnforceList: ['lo'], log: (level, msg) => logs.push(`${level}: ${msg}`) });
  let webrtcup = false;
  peer.on('webrtcup', () => (webrtcup = true));
  peer.on('rtp', (track, packet) => peer.relayRtp(track.mid, packet));
  peer.on('rtcp', (track, packet) => {
    if (track) peer.relayRtcp(track.mid, packet);
  });
  peer.on('data', (m) => peer.relayData(typeof m.data === 'string' ? `echo: ${m.data}` : m.data, m.label));

  const browser = await launchBrowser();
  const tp = await openTestPage(browser);
  try {
    const offer = await tp.page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      const pc = new RTCPeerConnection({ iceServers: [] });
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      for (const t of stream.getTracks()) pc.addTrack(t, stream);
      const dc = pc.createDataChannel('chat');
      const messages: string[] = [];
      dc.onmessage = (e) => messages.push(String(e.data));
      dc.onopen = () => dc.send('hello from chromium');
      w.pc = pc;
      w.messages = messages;
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
    const started = Date.now();
    const answer = await peer.acceptOffer(offer, { audio: true, video: true, data: true });
    await tp.page.evaluate(async (sdp) => {
      const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
      // Timed in the page: from applying the answer to the browser's own 'connected'.
      const w = window as unknown as { t0: number; tc: number };
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'connected') w.tc = performance.now();
      });
      w.t0 = performance.now();
      await pc.setRemoteDescription({ type: 'answer', sdp });
    }, answer);

    const read = (): Promise<PageStats> =>
      tp.page.evaluate(async () => {
        const w = window as unknown as { pc: RTCPeerConnection; messages: string[] };
        let framesDecoded = 0;
        let audioPacketsReceived = 0;
        (await w.pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
          if (s.type !== 'inbound-rtp') return;
          if (s.kind === 'video') framesDecoded += s.framesDecoded ?? 0;
          if (s.kind === 'audio') audioPacketsReceived += s.packetsReceived ?? 0;
        });
        return { framesDecoded, audioPacketsReceived, messages: [...w.messages], connectionState: w.pc.connectionState };
      });

    let connectedMs = -1;
    let first: PageStats | undefined;
    let last: PageStats | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      last = await read();
      if (connectedMs < 0 && last.connectionState === 'connected') connectedMs = Date.now() - started;
      if (!first && last.framesDecoded > 0 && last.audioPacketsReceived > 0) first = last;
      if (first && last.framesDecoded > first.framesDecoded + 10 && last.audioPacketsReceived > first.audioPacketsReceived + 20 && last.messages.length > 0) break;
      await sleep(200);
    }
    const diag = `\nlast page stats: ${JSON.stringify(last)}\npeer log:\n${logs.join('\n')}`;
    assert.ok(webrtcup, `webrtcup fired${diag}`);
    assert.ok(first, `echoed media decoded by chromium${diag}`);
    assert.ok(last!.framesDecoded > first.framesDecoded, `framesDecoded rising${diag}`);
    assert.ok(last!.audioPacketsReceived > first.audioPacketsReceived, `audio packetsReceived rising${diag}`);
    assert.deepEqual(last!.messages.slice(0, 1), ['echo: hello from chromium'], `data channel echo${diag}`);
    const pageMs = await tp.page.evaluate(() => {
      const w = window as unknown as { t0: number; tc: number };
      return Math.round(w.tc - w.t0);
    });
    console.log(
      `chromium: connected ${pageMs} ms after applying the answer (seen at ${connectedMs} ms by polling), peer up in ${peer.connectTimeMs} ms; frames decoded ${last!.framesDecoded}, audio packets ${last!.audioPacketsReceived}`,
    );
  } finally {
    peer.close('test end');
    await tp.close();
    await browser.close();
  }
});

// Serves a test page that loads janus.js (npm janus-gateway) and webrtc-adapter from 127.0.0.1.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Page script: `window.stats()` sums inbound video frames decoded and audio packets received of `window.handle`. */
export const STATS_SCRIPT = `
window.stats = async () => {
  const h = window.handle;
  const pc = h && h.webrtcStuff && h.webrtcStuff.pc;
  const video = document.getElementById('remote');
  const out = { framesDecoded: 0, frameWidth: 0, audioPackets: 0, audioSamples: 0, concealedSamples: 0, videoTime: video ? video.currentTime : 0 };
  if (!pc) return out;
  let best = -1;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      // The width of the stream that decodes most (a stale stream entry must not hide the live one).
      if ((s.framesDecoded || 0) >= best) {
        best = s.framesDecoded || 0;
        out.frameWidth = s.frameWidth || 0;
      }
      out.framesDecoded += s.framesDecoded || 0;
    }
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.audioPackets += s.packetsReceived || 0;
      out.audioSamples += s.totalSamplesReceived || 0;
      out.concealedSamples += s.concealedSamples || 0;
    }
  });
  return out;
};
// The id of the candidate pair ICE selected (it changes with an ICE restart).
window.selectedPair = async () => {
  const pc = window.handle && window.handle.webrtcStuff && window.handle.webrtcStuff.pc;
  let id = '';
  if (pc) (await pc.getStats()).forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) id = s.selectedCandidatePairId; });
  return id;
};`;

export function serveJanusPage(page: string): Promise<{ server: Server; url: string }> {
  const janus = readFileSync('node_modules/janus-gateway/npm/dist/janus.es.js');
  const adapter = readFileSync('node_modules/webrtc-adapter/out/adapter.js');
  const server = createServer((req, res) => {
    const body = req.url === '/janus.es.js' ? janus : req.url === '/adapter.js' ? adapter : undefined;
    res.writeHead(200, { 'content-type': body ? 'text/javascript' : 'text/html' });
    res.end(body ?? page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

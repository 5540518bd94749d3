// The EchoTest: one handle; we offer audio and video, the plugin echoes them back.
import { attach, framesDecoded, showDecoded, showTrack, status } from './demo.js';

const videos = document.getElementById('videos');
const start = document.getElementById('start');
const stop = document.getElementById('stop');
let handle;

start.onclick = async () => {
  start.disabled = true;
  status('connecting…');
  try {
    handle = await attach('janus.plugin.echotest', {
      onmessage: (msg, jsep) => {
        if (msg.error) status(msg.error, true);
        if (jsep) handle.handleRemoteJsep({ jsep });
      },
      webrtcState: (up) => status(up ? 'media flowing' : 'PeerConnection closed'),
      onlocaltrack: (track, on) => on && track.kind === 'video' && showTrack(videos, 'local', 'you (local)', track),
      onremotetrack: (track, mid, on) => on && showTrack(videos, 'echo', 'you, echoed by the server', track),
      oncleanup: () => {
        for (const id of ['local-figure', 'echo-figure']) document.getElementById(id)?.remove();
      },
    });
    window.handle = handle;
    handle.createOffer({
      tracks: [
        { type: 'audio', capture: true, recv: true },
        { type: 'video', capture: true, recv: true },
      ],
      success: (jsep) => handle.send({ message: { audio: true, video: true }, jsep }),
      error: (e) => status(`cannot use the camera: ${e}`, true),
    });
    stop.disabled = false;
    status('calling…');
  } catch (err) {
    status(String(err.message ?? err), true);
    start.disabled = false;
  }
};

stop.onclick = () => {
  handle?.hangup();
  handle?.detach();
  handle = undefined;
  window.handle = undefined;
  stop.disabled = true;
  start.disabled = false;
  status('stopped');
};

showDecoded('decoded', () => [handle]);
window.framesDecoded = framesDecoded;

// Shared by the demo pages: janus.js, connected to the server the page was loaded from.
import Janus from './janus.js';
import { endpoints } from './config.js';

export { Janus };

/** The Janus API on this page's host: WebSocket when the server has it, else REST (location.hostname keeps an IPv6 address's brackets). */
export function serverUrl() {
  const host = location.hostname;
  if (location.protocol === 'https:') {
    if (endpoints.wss) return `wss://${host}:${endpoints.wss}`;
    if (endpoints.https) return `https://${host}:${endpoints.https}${endpoints.basePath}`;
  } else {
    if (endpoints.ws) return `ws://${host}:${endpoints.ws}`;
    if (endpoints.http) return `http://${host}:${endpoints.http}${endpoints.basePath}`;
  }
  return null;
}

/** Shows a line in the page's status area. */
export function status(text, isError = false) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
}

let ready;

/** Opens a session on this server (once per page); resolves with the janus.js session. */
export function openSession() {
  ready ??= new Promise((resolve, reject) => {
    const server = serverUrl();
    if (!server) return reject(new Error('this server serves no Janus API transport the page can reach'));
    Janus.init({
      debug: false,
      dependencies: Janus.useDefaultDependencies(),
      callback: () => {
        // Loopback and LAN tests need no STUN server: the server's own candidates are enough.
        const janus = new Janus({ server, iceServers: [], success: () => resolve(janus), error: (e) => reject(new Error(String(e))) });
      },
    });
  });
  return ready;
}

/** Attaches a handle of `plugin` with janus.js's callbacks; resolves with the handle. */
export async function attach(plugin, callbacks) {
  const janus = await openSession();
  return new Promise((resolve, reject) => {
    janus.attach({ plugin, ...callbacks, success: resolve, error: (e) => reject(new Error(String(e))) });
  });
}

/** A synchronous plugin request (list, exists…): resolves with the plugin's answer. */
export function request(handle, message) {
  return new Promise((resolve, reject) => handle.send({ message, success: resolve, error: (e) => reject(new Error(String(e))) }));
}

/** Puts a track into the video element with this id, creating it (with a caption) inside `parent` when needed. */
export function showTrack(parent, id, caption, track) {
  let video = document.getElementById(id);
  if (!video) {
    const figure = document.createElement('figure');
    figure.id = `${id}-figure`;
    video = document.createElement('video');
    video.id = id;
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    const label = document.createElement('figcaption');
    label.textContent = caption;
    figure.append(video, label);
    parent.append(figure);
  }
  const stream = video.srcObject instanceof MediaStream ? video.srcObject : new MediaStream();
  for (const t of stream.getTracks()) if (t.kind === track.kind) stream.removeTrack(t);
  stream.addTrack(track);
  video.srcObject = stream;
  return video;
}

/** Video frames the handle's PeerConnection has decoded (what the pages show, and what tests read). */
export async function framesDecoded(handle) {
  const pc = handle?.webrtcStuff?.pc;
  if (!pc) return 0;
  let frames = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
  });
  return frames;
}

/** Shows the frames decoded by `handles()` in the element with this id, once a second. */
export function showDecoded(id, handles) {
  setInterval(async () => {
    let frames = 0;
    for (const h of handles()) frames += await framesDecoded(h);
    document.getElementById(id).textContent = `video frames decoded: ${frames}`;
  }, 1000);
}

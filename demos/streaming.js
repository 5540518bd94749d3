// Streaming: list the mountpoints, watch one (the server offers, we answer receive-only).
import { attach, request, showDecoded, showTrack, status } from './demo.js';

const select = document.getElementById('mountpoints');
const watch = document.getElementById('watch');
const stop = document.getElementById('stop');
const videos = document.getElementById('videos');
let handle;

async function refresh() {
  const answer = await request(handle, { request: 'list' });
  const list = answer.list ?? [];
  select.replaceChildren(
    ...list.map((m) => {
      const option = document.createElement('option');
      option.value = JSON.stringify(m.id);
      option.textContent = `${m.id}: ${m.description ?? m.name ?? ''}${m.enabled === false ? ' (disabled)' : ''}`;
      return option;
    }),
  );
  document.getElementById('empty').hidden = list.length > 0;
  select.disabled = list.length === 0;
  watch.disabled = list.length === 0 || stop.disabled === false;
  status(`${list.length} mountpoint${list.length === 1 ? '' : 's'}`);
}

function clearVideos() {
  videos.replaceChildren();
}

async function main() {
  handle = await attach('janus.plugin.streaming', {
    onmessage: (msg, jsep) => {
      if (msg.error) status(msg.error, true);
      const s = msg.result?.status;
      if (s) status(s);
      if (jsep) {
        handle.createAnswer({
          jsep,
          // Receive only: nothing of ours to send, data channel if the mountpoint offers one.
          tracks: [{ type: 'data' }],
          success: (answer) => handle.send({ message: { request: 'start' }, jsep: answer }),
          error: (e) => status(`cannot answer: ${e}`, true),
        });
      }
    },
    webrtcState: (up) => up && status('playing'),
    onremotetrack: (track, mid, on) => {
      if (on) showTrack(videos, 'stream', select.selectedOptions[0]?.textContent ?? 'stream', track);
    },
    oncleanup: clearVideos,
  });
  window.handle = handle;
  await refresh();
}

document.getElementById('refresh').onclick = () => refresh().catch((err) => status(String(err.message ?? err), true));

watch.onclick = () => {
  const id = JSON.parse(select.value);
  watch.disabled = true;
  stop.disabled = false;
  handle.send({ message: { request: 'watch', id } });
};

stop.onclick = () => {
  handle.send({ message: { request: 'stop' } });
  handle.hangup();
  clearVideos();
  stop.disabled = true;
  watch.disabled = select.disabled;
  status('stopped');
};

showDecoded('decoded', () => [handle]);
main().catch((err) => status(String(err.message ?? err), true));

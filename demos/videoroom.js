// VideoRoom: a publisher handle sends our camera; one subscriber handle (multistream) receives every other
// publisher's streams, and is updated as publishers come and go.
import { attach, showDecoded, showTrack, status } from './demo.js';

const videos = document.getElementById('videos');
const join = document.getElementById('join');
const leave = document.getElementById('leave');
let room;
let publisher;
let subscriber;
/** Feeds wanted while the subscriber handle is being made. */
let pending;
/** mid → publisher's display name, from the subscriber's `streams`. */
const names = new Map();

function subscribeTo(feeds) {
  const streams = feeds.map((p) => ({ feed: p.id }));
  if (streams.length === 0) return;
  if (subscriber) return subscriber.send({ message: { request: 'subscribe', streams } });
  if (pending) return void pending.push(...streams);
  pending = streams;
  void createSubscriber();
}

async function createSubscriber() {
  const handle = await attach('janus.plugin.videoroom', {
    onmessage: (msg, jsep) => {
      if (msg.error) status(msg.error, true);
      for (const s of msg.streams ?? []) if (s.mid !== undefined) names.set(s.mid, s.feed_display ?? String(s.feed_id));
      if (jsep) {
        handle.createAnswer({
          jsep,
          tracks: [{ type: 'data' }],
          success: (answer) => handle.send({ message: { request: 'start', room }, jsep: answer }),
          error: (e) => status(`cannot answer: ${e}`, true),
        });
      }
    },
    onremotetrack: (track, mid, on) => {
      const id = `feed-${mid}`;
      if (!on) return document.getElementById(`${id}-figure`)?.remove();
      if (track.kind === 'video') showTrack(videos, id, names.get(mid) ?? `stream ${mid}`, track);
    },
  });
  handle.send({ message: { request: 'join', room, ptype: 'subscriber', streams: pending } });
  pending = undefined;
  subscriber = window.subscriber = handle;
}

function publish() {
  publisher.createOffer({
    tracks: [
      { type: 'audio', capture: true, recv: false },
      { type: 'video', capture: true, recv: false },
    ],
    success: (jsep) => publisher.send({ message: { request: 'configure', audio: true, video: true }, jsep }),
    error: (e) => status(`cannot use the camera: ${e}`, true),
  });
}

join.onclick = async () => {
  room = Number(document.getElementById('room').value);
  join.disabled = true;
  status('joining…');
  try {
    publisher = window.publisher = await attach('janus.plugin.videoroom', {
      onmessage: (msg, jsep) => {
        if (msg.error) {
          status(msg.error, true);
          join.disabled = false;
        }
        if (msg.videoroom === 'joined') {
          status(`in room ${room} as ${msg.id}`);
          leave.disabled = false;
          publish();
        }
        if (msg.publishers) subscribeTo(msg.publishers);
        if (jsep) publisher.handleRemoteJsep({ jsep });
      },
      webrtcState: (up) => up && status(`in room ${room}, publishing`),
      onlocaltrack: (track, on) => on && track.kind === 'video' && showTrack(videos, 'local', 'you', track),
    });
    publisher.send({ message: { request: 'join', room, ptype: 'publisher', display: document.getElementById('display').value } });
  } catch (err) {
    status(String(err.message ?? err), true);
    join.disabled = false;
  }
};

leave.onclick = () => {
  publisher?.send({ message: { request: 'leave' } });
  for (const h of [publisher, subscriber]) h?.detach();
  publisher = subscriber = window.publisher = window.subscriber = undefined;
  videos.replaceChildren();
  leave.disabled = true;
  join.disabled = false;
  status('left');
};

showDecoded('decoded', () => [subscriber]);

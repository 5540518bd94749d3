// The requests of a viewer (watch, start, pause, configure, switch, stop), answered asynchronously: each is
// given the handle's viewer and answers with an event (and, for watch, a JSEP).
import { isJsonObject } from '../../plugin-api/index.js';
import type { AnswerOptions, Jsep, JsonObject, OfferTrack, PluginHandle, PluginMessage } from '../plugin.js';
import type { Mountpoint } from './mountpoint.js';
import type { StreamSource } from './stream-source.js';
import { check, E, requireSecret, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';
import type { Viewer } from './viewer.js';
import { viewerStatus } from './handler-events.js';
import { errorDetail, errorText } from '../../logging/error-text.js';

/** What a viewer request answers: the event's data, and the JSEP that goes with it. */
export interface ViewerReply {
  readonly data: JsonObject;
  readonly jsep?: Jsep;
}

export async function watchRequest(state: StreamingState, handle: PluginHandle, v: Viewer, message: PluginMessage): Promise<ViewerReply> {
  const body = message.body;
  check(body, [
    { name: 'pin', type: 'string' },
    { name: 'media', type: 'string-array' },
    { name: 'restart', type: 'boolean' },
  ]);
  const mp = state.mountpoints.get(state.idOf(body, true)!);
  if (!mp) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(body.id)}`);
  requireSecret(body, 'pin', mp.settings.pin);
  if (body.restart === true) {
    // An ICE restart of this viewer's PeerConnection: a new offer with new credentials, media carries on.
    if (v.mountpoint !== mp || (v.state !== 'started' && v.state !== 'paused')) throw new StreamingError(E.INVALID_STATE, 'Can only restart an active subscription to this mountpoint');
    if (v.offerAnswer) {
      // The viewer offered: its new offer (new ICE credentials) is answered as the first one was.
      if (message.jsep?.type !== 'offer') throw new StreamingError(E.INVALID_SDP, 'This viewer offered: restart ICE with a new offer');
      const answer = await handle.answerOffer(message.jsep, v.offerAnswer).catch((err: unknown) => {
        throw new StreamingError(E.INVALID_SDP, `Error parsing SDP: ${errorText(err)}`);
      });
      return { data: { streaming: 'event', result: { status: 'updating' } }, jsep: mp.settings.e2ee ? { ...answer, e2ee: true } : answer };
    }
    const offer = await handle.restartIce().catch((err: unknown) => {
      handle.log.error(`streaming: ICE restart failed: ${errorDetail(err)}`);
      throw new StreamingError(E.UNKNOWN, 'Error restarting ICE');
    });
    return { data: { streaming: 'event', result: { status: 'updating' } }, jsep: mp.settings.e2ee ? { ...offer, e2ee: true } : offer };
  }
  if (v.mountpoint) throw new StreamingError(E.INVALID_STATE, `Already watching mountpoint ${v.mountpoint.id}`);
  if (state.publishers.has(handle.id)) throw new StreamingError(E.INVALID_STATE, 'This handle publishes: watch on another one');
  if ((mp.webrtc || mp.remote) && mp.streams.length === 0) throw new StreamingError(E.INVALID_STATE, `Mountpoint ${mp.id} has had no publisher yet`);
  const wanted = Array.isArray(body.media) && body.media.length > 0 ? new Set(body.media as string[]) : undefined;
  const offerAudio = body.offer_audio !== false;
  const offerVideo = body.offer_video !== false;
  const offerData = body.offer_data !== false;
  const chosen = mp.streams.filter((s) => {
    if (wanted) return wanted.has(s.config.mid);
    return s.config.type === 'audio' ? offerAudio : s.config.type === 'video' ? offerVideo : offerData;
  });
  if (chosen.length === 0) throw new StreamingError(E.INVALID_REQUEST, "Can't offer an SDP with no audio, video or data for this mountpoint");
  if (message.jsep) return watchWithOffer(handle, v, mp, chosen, message.jsep);
  const tracks: OfferTrack[] = chosen.map((s) => ({
    kind: s.config.type,
    mid: s.config.mid,
    codec: s.config.codec?.name,
    pt: s.config.pt,
    fmtp: s.config.fmtp,
    clockRate: s.config.codec?.clockRate,
    channels: s.config.codec?.channels,
  }));
  const offer = await handle.createOffer(tracks).catch((err: unknown) => {
    handle.log.error(`streaming: offer not created: ${errorDetail(err)}`);
    throw new StreamingError(E.UNKNOWN, 'Error creating the offer');
  });
  v.mountpoint = mp;
  v.mids = new Set(chosen.map((s) => s.config.mid));
  v.state = 'preparing';
  mp.viewers.add(v);
  return { data: { streaming: 'event', result: { status: 'preparing' } }, jsep: mp.settings.e2ee ? { ...offer, e2ee: true } : offer };
}

export async function startRequest(state: StreamingState, handle: PluginHandle, v: Viewer): Promise<ViewerReply> {
  if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't start: no mountpoint set");
  if (v.state === 'paused') {
    v.state = 'started';
    v.player?.start();
    // The source went on while we were paused: the viewer must not see a jump in sequence numbers.
    for (const mid of v.mids) handle.restartRtp(v.outMid(mid));
    v.mountpoint.requestKeyframe();
    viewerStatus(state, v, 'started');
    return { data: { streaming: 'event', result: { status: 'started' } } };
  }
  if (v.state === 'preparing') v.state = 'starting';
  const status = v.state === 'started' ? 'started' : 'starting';
  viewerStatus(state, v, status);
  return { data: { streaming: 'event', result: { status } } };
}

export async function pauseRequest(state: StreamingState, _handle: PluginHandle, v: Viewer): Promise<ViewerReply> {
  if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't pause: not watching anything");
  if (v.state === 'started') {
    v.state = 'paused';
    v.player?.pause(); // on-demand playback waits where it is, as in Janus
  }
  viewerStatus(state, v, 'pausing');
  return { data: { streaming: 'event', result: { status: 'pausing' } } };
}

export async function configureRequest(state: StreamingState, handle: PluginHandle, v: Viewer, message: PluginMessage): Promise<ViewerReply> {
  const body = message.body;
  if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't configure: not on a mountpoint");
  // Simulcast: `substream` at the top level, or per mid in `streams`.
  const entries: JsonObject[] = Array.isArray(body.streams) ? body.streams.filter(isJsonObject) : [body];
  for (const e of entries) {
    if (e.temporal !== undefined) {
      if (typeof e.temporal !== 'number' || !Number.isInteger(e.temporal) || e.temporal < 0 || e.temporal > 2) {
        throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (temporal should be 0, 1 or 2)');
      }
      for (const stream of v.mountpoint.streams) {
        if (stream.config.type !== 'video' || stream.config.codec?.name !== 'vp8') continue;
        if (typeof e.mid === 'string' && e.mid !== stream.config.mid) continue;
        v.forwarderFor(stream).setTemporal(e.temporal);
      }
    }
    if (e.substream === undefined) continue;
    if (typeof e.substream !== 'number' || !Number.isInteger(e.substream) || e.substream < 0 || e.substream > 2) {
      throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (substream should be 0, 1 or 2)');
    }
    const target = e.substream;
    const mids = typeof e.mid === 'string' ? [e.mid] : [...v.mids];
    if (typeof e.mid !== 'string') v.substreamTarget = target;
    for (const mid of mids) {
      const fwd = v.forwarders.get(mid);
      if (!fwd) continue;
      // Before the first simulcast packet the forwarder only remembers the target (as a new one would take it).
      if (!fwd.simulcast) {
        if (typeof e.mid !== 'string') fwd.setSubstream(target);
        continue;
      }
      fwd.setSubstream(target);
      // Already there: say so, as Janus does; otherwise the switch happens on the next keyframe.
      if (fwd.substream === target) handle.pushEvent(undefined, { streaming: 'event', result: { mid, substream: target } });
    }
    v.mountpoint.requestKeyframe();
  }
  return { data: { streaming: 'event', result: { event: 'configured' } } };
}

export async function switchRequest(state: StreamingState, _handle: PluginHandle, v: Viewer, message: PluginMessage): Promise<ViewerReply> {
  const body = message.body;
  if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't switch: not on a mountpoint");
  const target = state.mountpoints.get(state.idOf(body, true)!);
  if (!target) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(body.id)}`);
  if (v.mountpoint.file) throw new StreamingError(E.CANT_SWITCH, "Can't switch: not on a live RTP mountpoint");
  if (target.file) throw new StreamingError(E.CANT_SWITCH, "Can't switch: target is not a live RTP mountpoint");
  // Janus lets a switch skip the target's pin; here a switch is a watch of the target and asks for it too.
  requireSecret(body, 'pin', target.settings.pin);
  v.mountpoint.viewers.delete(v);
  v.mountpoint = target;
  target.viewers.add(v);
  target.requestKeyframe();
  viewerStatus(state, v, 'switching', target.id);
  return { data: { streaming: 'event', result: { switched: 'ok', id: target.id } } };
}

export async function stopRequest(state: StreamingState, handle: PluginHandle, v: Viewer): Promise<ViewerReply> {
  if (!v.mountpoint) return { data: { streaming: 'event', result: { status: 'idle' } } };
  viewerStatus(state, v, 'stopping');
  v.detach();
  setImmediate(() => handle.closePc());
  return { data: { streaming: 'event', result: { status: 'stopping' } } };
}

/**
 * Viewer-offers mode: the viewer's offer is answered (send only, the mountpoint's codecs) and its m-lines are
 * matched in order to the chosen streams of the same kind; unmatched m-lines carry nothing.
 */
async function watchWithOffer(handle: PluginHandle, v: Viewer, mp: Mountpoint, chosen: readonly StreamSource[], offer: Jsep): Promise<ViewerReply> {
  if (offer.type !== 'offer') throw new StreamingError(E.INVALID_SDP, 'User provided SDP for a watch request must be an offer');
  const first = (type: string): StreamSource | undefined => chosen.find((s) => s.config.type === type);
  const options: AnswerOptions = {
    audio: first('audio') !== undefined,
    video: first('video') !== undefined,
    data: first('data') !== undefined,
    direction: 'sendonly',
    audioCodec: first('audio')?.config.codec?.name,
    videoCodec: first('video')?.config.codec?.name,
  };
  const answer = await handle.answerOffer(offer, options).catch((err: unknown) => {
    throw new StreamingError(E.INVALID_SDP, `Error parsing SDP: ${errorText(err)}`);
  });
  const unused = [...chosen];
  for (const m of handle.negotiatedMedia()) {
    const at = unused.findIndex((s) => s.config.type === m.kind);
    if (at < 0) continue;
    v.peerMid.set(unused[at].config.mid, m.mid);
    unused.splice(at, 1);
  }
  if (v.peerMid.size === 0) {
    setImmediate(() => handle.closePc());
    throw new StreamingError(E.INVALID_SDP, 'The offer has no m-line this mountpoint can send on');
  }
  v.mountpoint = mp;
  v.offerAnswer = options;
  v.mids = new Set(v.peerMid.keys());
  v.state = 'starting';
  mp.viewers.add(v);
  return { data: { streaming: 'event', result: { status: 'starting' } }, jsep: offer.e2ee || mp.settings.e2ee ? { ...answer, e2ee: true } : answer };
}

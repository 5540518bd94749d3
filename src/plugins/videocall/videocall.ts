// janus.plugin.videocall: two registered users call each other. Portunus ends each PeerConnection itself, so a
// call is two negotiations: the caller's offer is answered here (the answer held until the callee accepts) and
// the callee gets an offer of ours with the codecs the caller's answer settled on (call-media.ts). Media, RTCP
// keyframe requests and data then go from one handle to the other, on the same mids.
import type { JsonObject, MediaTrackInfo, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult } from '../../plugin-api/index.js';
import type { Jsep } from '../../plugin-api/media-types.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginError } from '../../plugin-api/plugin-error.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type PluginReply, type RequestCall, type BodyOf } from '../../plugin-api/request-table.js';
import { errorText } from '../../logging/error-text.js';
import { summarizeRtcp } from '../../rtp/rtcp.js';
import { HandlerEvents } from '../handler-events.js';
import { resolveInside, UnsafePathError } from '../safe-path.js';
import { KindRecording } from '../mjr/kind-recording.js';
import { answeredLayout, layoutOf, mirrorTracks } from './call-media.js';
import { CallUser } from './call-user.js';
import { E } from './errors.js';
import { callEvent, configured, hungUp, registered, type HangupReason } from './handler-events.js';

export { E } from './errors.js';

const SET_FIELDS = {
  audio: 'boolean',
  video: 'boolean',
  bitrate: 'positive',
  record: 'boolean',
  filename: 'string',
  restart: 'boolean',
  substream: 'integer',
  temporal: 'integer',
  fallback: 'positive',
} as const;
type SetBody = BodyOf<typeof SET_FIELDS>;

const on = requestsFor<CallUser>();

function result(fields: JsonObject): JsonObject {
  return { videocall: 'event', result: fields };
}

export class VideoCallPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.videocall',
    name: 'JANUS VideoCall plugin',
    author: 'Portunus',
    description: 'This is a simple video call plugin for Janus, allowing two WebRTC peers to call each other through a server.',
    version: 6,
    versionString: '0.0.6',
    apiVersion: PLUGIN_API_VERSION,
  };
  private readonly users = new Map<number, CallUser>();
  /** Registered users by name; a name is freed when its handle goes. */
  private readonly byName = new Map<string, CallUser>();
  private recordingsDir = 'recordings';
  private events = HandlerEvents.NONE;
  private readonly requests = new PluginRequests<CallUser>({
    plugin: 'videocall',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.MISSING_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_REQUEST, internal: E.UNKNOWN_ERROR },
    anyCase: true,
    // Janus runs every VideoCall request in its message thread: each is acknowledged, then answered by an event.
    table: {
      list: on.ack({}, () => ({ data: result({ list: [...this.byName.keys()] }) })),
      register: on.ack({ username: { type: 'string', required: true } }, (call) => this.register(call.session, call.body.username)),
      call: on.ack({ username: { type: 'string', required: true } }, (call) => this.call(call.session, call.body.username, call.jsep)),
      accept: on.ack({}, (call) => this.accept(call.session, call.jsep)),
      set: on.ack(SET_FIELDS, (call) => this.set(call)),
      // Janus reads `reason` only when it is a string, and refuses no other type.
      hangup: on.ack({}, (call) => this.hangup(call.session, typeof call.body.reason === 'string' ? call.body.reason : undefined)),
    },
  });

  init(context: PluginContext): void {
    this.recordingsDir = context.recordingsDir;
    this.events = HandlerEvents.of(context, 'videocall');
  }

  destroy(): void {
    for (const u of this.users.values()) {
      u.destroyed = true;
      u.stopRecording();
    }
    this.users.clear();
    this.byName.clear();
    this.requests.dropAll();
  }

  createSession(handle: PluginHandle): void {
    this.users.set(handle.id, new CallUser(handle));
  }

  destroySession(handle: PluginHandle): void {
    const u = this.users.get(handle.id);
    this.requests.drop(handle.id);
    if (!u) return;
    u.destroyed = true;
    // Janus hangs the media up first: the peer's handlers hear Remote WebRTC hangup.
    this.endCall(u, 'Remote hangup', 'Remote WebRTC hangup');
    u.stopRecording();
    if (u.username !== undefined && this.byName.get(u.username) === u) this.byName.delete(u.username);
    this.users.delete(handle.id);
  }

  querySession(handle: PluginHandle): JsonObject {
    const u = this.users.get(handle.id);
    if (!u) return {};
    const out: JsonObject = { state: u.state, audio_active: u.audioActive, video_active: u.videoActive, bitrate: u.bitrate, destroyed: u.destroyed };
    if (u.username !== undefined) out.username = u.username;
    if (u.peer?.username !== undefined) out.peer = u.peer.username;
    if (u.recording) out.recording = u.recording.paths();
    if (u.forwarder.simulcast) {
      out['substream-target'] = u.forwarder.substreamTarget;
      out.substream = u.forwarder.substream;
      out['temporal-layer-target'] = u.forwarder.temporalTarget;
    }
    return out;
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    const u = this.users.get(handle.id);
    if (!u) return { kind: 'error', reason: 'No session associated with this handle' };
    return this.requests.handle(u, handle, message);
  }

  private register(u: CallUser, username: string): PluginReply {
    if (u.username !== undefined) throw new PluginError(E.ALREADY_REGISTERED, `Already registered (${u.username})`);
    if (this.byName.has(username)) throw new PluginError(E.USERNAME_TAKEN, `Username '${username.slice(0, 100)}' already taken`);
    u.username = username;
    this.byName.set(username, u);
    registered(this.events, u, username);
    return { data: result({ event: 'registered', username }) };
  }

  private async call(u: CallUser, name: string, offer: Jsep | undefined): Promise<PluginReply | undefined> {
    if (u.username === undefined) throw new PluginError(E.REGISTER_FIRST, 'Register a username first');
    if (u.state !== 'idle') throw new PluginError(E.ALREADY_IN_CALL, 'Already in a call');
    if (name === u.username) throw new PluginError(E.USE_ECHO_TEST, "You can't call yourself... use the EchoTest for that");
    const peer = this.byName.get(name);
    if (!peer) {
      u.handle.closePc();
      throw new PluginError(E.NO_SUCH_USERNAME, `Username '${name.slice(0, 100)}' doesn't exist`);
    }
    if (peer.state !== 'idle') {
      u.handle.closePc();
      hungUp(this.events, u, 'User busy');
      return { data: result({ event: 'hangup', username: u.username, reason: 'User busy' }) };
    }
    if (!offer) throw new PluginError(E.MISSING_SDP, 'Missing SDP');
    if (offer.type !== 'offer') throw new PluginError(E.INVALID_SDP, 'Error parsing offer: not an offer');
    // Both are taken before the first await, so a second caller finds the callee busy.
    u.state = 'calling';
    u.peer = peer;
    peer.state = 'ringing';
    peer.peer = u;
    let answer: Jsep;
    let calleeOffer: Jsep;
    try {
      answer = await u.handle.answerOffer(offer, { audio: true, video: true, data: true, direction: 'sendrecv' });
    } catch (err) {
      this.release(u, peer);
      throw new PluginError(E.INVALID_SDP, `Error parsing offer: ${errorText(err)}`);
    }
    if (u.peer !== peer || u.destroyed) return undefined;
    u.layout = answeredLayout(u.handle.negotiatedMedia());
    const tracks = mirrorTracks(u.handle.negotiatedMedia());
    try {
      calleeOffer = await peer.handle.createOffer(tracks);
    } catch (err) {
      this.release(u, peer);
      u.handle.log.warn(`videocall: cannot offer the call to ${name}: ${errorText(err)}`);
      throw new PluginError(E.UNKNOWN_ERROR, 'Error creating the offer for the callee');
    }
    if (u.peer !== peer || u.destroyed || peer.destroyed) return undefined;
    peer.layout = layoutOf(tracks);
    u.heldAnswer = offer.e2ee ? { ...answer, e2ee: true } : answer;
    peer.handle.pushEvent(undefined, result({ event: 'incomingcall', username: u.username }), offer.e2ee ? { ...calleeOffer, e2ee: true } : calleeOffer);
    callEvent(this.events, u, 'calling');
    return { data: result({ event: 'calling' }) };
  }

  private release(u: CallUser, peer: CallUser): void {
    if (u.peer === peer) u.resetCall();
    if (peer.peer === u) peer.resetCall();
  }

  private accept(u: CallUser, answer: Jsep | undefined): PluginReply {
    const peer = u.peer;
    if (!peer || u.state !== 'ringing' || !peer.heldAnswer) throw new PluginError(E.NO_CALL, 'No incoming call to accept');
    if (!answer) throw new PluginError(E.MISSING_SDP, 'Missing SDP');
    if (answer.type !== 'answer') throw new PluginError(E.INVALID_SDP, 'Error parsing answer: not an answer');
    // The core applied the answer to our offer before handing the message over.
    u.state = 'incall';
    peer.state = 'incall';
    const held = peer.heldAnswer;
    peer.heldAnswer = undefined;
    peer.handle.pushEvent(undefined, result({ event: 'accepted', username: u.username ?? null }), held);
    callEvent(this.events, u, 'accepted');
    return { data: result({ event: 'accepted' }) };
  }

  private async set(call: RequestCall<CallUser, SetBody>): Promise<PluginReply | undefined> {
    const { session: u, handle, body, jsep } = call;
    const peer = u.peer;
    // A renegotiation is between the two users of a call (Janus would take the offer and answer nothing).
    if (jsep?.type === 'offer' && (!peer || u.state !== 'incall')) throw new PluginError(E.NO_CALL, 'No call to renegotiate');
    for (const f of ['substream', 'temporal'] as const) {
      const v = body[f];
      if (typeof v === 'number' && (v < 0 || v > 2)) throw new PluginError(E.INVALID_ELEMENT, `Invalid value (${f} should be 0, 1 or 2)`);
    }
    if (body.record === true && !u.recording) {
      const base = typeof body.filename === 'string' && body.filename !== '' ? body.filename : `videocall-${u.username ?? handle.id}-${Date.now()}`;
      try {
        for (const kind of ['audio', 'video', 'data']) resolveInside(this.recordingsDir, `${base}-${kind}.mjr`);
      } catch (err) {
        if (!(err instanceof UnsafePathError)) throw err;
        throw new PluginError(E.INVALID_ELEMENT, `Invalid element (filename '${base.slice(0, 200)}' ${err.message})`);
      }
      u.recording = new KindRecording(this.recordingsDir, base, handle.log, 'videocall');
      if (u.peer?.state === 'incall') u.handle.requestKeyframe('*');
    } else if (body.record === false) {
      u.stopRecording();
    }
    if (typeof body.audio === 'boolean') u.audioActive = body.audio;
    if (typeof body.video === 'boolean') {
      if (!u.videoActive && body.video) handle.requestKeyframe('*');
      u.videoActive = body.video;
    }
    if (typeof body.bitrate === 'number') {
      u.bitrate = body.bitrate;
      if (u.bitrate > 0) handle.sendRemb(u.bitrate);
    }
    if (typeof body.fallback === 'number') u.forwarder.setFallback(body.fallback / 1000);
    // Janus names the call's video codec in these events.
    const videocodec = peer?.handle.negotiatedMedia().find((m) => m.kind === 'video')?.codec?.name ?? 'vp8';
    if (typeof body.substream === 'number') {
      u.forwarder.setSubstream(body.substream);
      if (u.forwarder.substream === body.substream) handle.pushEvent(undefined, result({ event: 'simulcast', videocodec, substream: body.substream }));
      else u.peer?.handle.requestKeyframe('*');
    }
    if (typeof body.temporal === 'number') {
      u.forwarder.setTemporal(body.temporal);
      if (u.forwarder.temporal === body.temporal) handle.pushEvent(undefined, result({ event: 'simulcast', videocodec, temporal: body.temporal }));
      else u.peer?.handle.requestKeyframe('*');
    }
    configured(this.events, u);
    if (jsep?.type === 'offer' && peer) return this.renegotiate(u, peer, call.transaction, jsep);
    if (body.restart === true && !jsep) {
      // Janus restarts ICE only with the client's own offer (and ignores `restart` alone); here the server may offer it.
      if (u.state !== 'incall') {
        handle.log.warn("videocall: a 'restart' outside a call, ignored");
        return { data: result({ event: 'set' }) };
      }
      let offer: Jsep;
      try {
        offer = await handle.restartIce();
      } catch (err) {
        throw new PluginError(E.INVALID_ELEMENT, `Cannot restart ICE: ${errorText(err)}`);
      }
      if (!u.destroyed) handle.pushEvent(undefined, result({ event: 'update' }), offer);
    }
    return { data: result({ event: 'set' }) };
  }

  /**
   * The user's new offer mid-call (an ICE restart, a stream added, dropped or paused): answered at once, in an
   * `update` event after the `set` (as Janus hands back the peer's answer); the peer gets an `update` with a new
   * offer of ours only when what the server does on its PeerConnection must change.
   */
  private async renegotiate(u: CallUser, peer: CallUser, transaction: string, offer: Jsep): Promise<PluginReply | undefined> {
    let answer: Jsep;
    try {
      answer = await u.handle.answerOffer(offer, { audio: true, video: true, data: true, direction: 'sendrecv', newStreams: true });
    } catch (err) {
      throw new PluginError(E.INVALID_SDP, `Error parsing offer: ${errorText(err)}`);
    }
    if (u.destroyed || u.peer !== peer) return { data: result({ event: 'set' }) };
    const media = u.handle.negotiatedMedia();
    u.layout = answeredLayout(media);
    u.handle.pushEvent(transaction, result({ event: 'set' }));
    u.handle.pushEvent(undefined, result({ event: 'update' }), offer.e2ee ? { ...answer, e2ee: true } : answer);
    const tracks = mirrorTracks(media);
    const layout = layoutOf(tracks);
    if (layout === peer.layout || peer.destroyed) return undefined;
    let peerOffer: Jsep;
    try {
      peerOffer = await peer.handle.createOffer(tracks);
    } catch (err) {
      peer.handle.log.warn(`videocall: cannot renegotiate with ${u.username ?? 'the peer'}'s new media: ${errorText(err)}`);
      return undefined;
    }
    if (peer.destroyed || peer.peer !== u) return undefined;
    peer.layout = layout;
    peer.handle.pushEvent(undefined, result({ event: 'update' }), offer.e2ee ? { ...peerOffer, e2ee: true } : peerOffer);
    return undefined;
  }

  private hangup(u: CallUser, reason: string | undefined): PluginReply {
    const username = u.username ?? null;
    hungUp(this.events, u, 'Explicit hangup');
    this.endCall(u, reason ?? 'Remote hangup', 'Remote hangup');
    u.handle.closePc();
    return { data: result({ event: 'hangup', username, reason: 'Explicit hangup' }) };
  }

  /** Ends the user's call, if any: its peer is told why (`handlerReason`: what Janus tells event handlers) and its PeerConnection closed. */
  private endCall(u: CallUser, peerReason: string, handlerReason: HangupReason): void {
    const peer = u.peer;
    u.resetCall();
    if (!peer || peer.peer !== u) return;
    peer.resetCall();
    if (peer.destroyed) return;
    peer.handle.pushEvent(undefined, result({ event: 'hangup', username: u.username ?? null, reason: peerReason }));
    hungUp(this.events, peer, handlerReason);
    peer.handle.closePc();
  }

  setupMedia(handle: PluginHandle): void {
    const u = this.users.get(handle.id);
    if (!u?.peer) return;
    // Both ends start from a keyframe.
    u.peer.handle.requestKeyframe('*');
    handle.requestKeyframe('*');
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const u = this.users.get(handle.id);
    const peer = u?.peer;
    if (!u || !peer || u.state !== 'incall') return;
    if (track.kind === 'audio') {
      if (!u.audioActive) return;
      u.recording?.write('audio', track.codec, packet);
      peer.handle.relayRtp(track.mid, packet);
      return;
    }
    if (!u.videoActive) return;
    // A simulcast sender's layers are all recorded as they come; the peer gets the one its forwarder picks.
    if (track.substream === undefined || track.substream === 0) u.recording?.write('video', track.codec, packet);
    peer.receiveVideo(track, packet);
  }

  incomingRtcp(handle: PluginHandle, _track: MediaTrackInfo | undefined, packet: Buffer): void {
    const peer = this.users.get(handle.id)?.peer;
    if (!peer || peer.state !== 'incall') return;
    // A keyframe request from this user is for the video its peer sends.
    if (summarizeRtcp(packet)?.keyframeRequest) peer.handle.requestKeyframe('*');
  }

  incomingData(handle: PluginHandle, label: string, data: Buffer | string): void {
    const u = this.users.get(handle.id);
    const peer = u?.peer;
    if (!u || !peer || u.state !== 'incall') return;
    if (u.recording) u.recording.write('data', typeof data === 'string' ? 'text' : 'binary', typeof data === 'string' ? Buffer.from(data) : data);
    peer.handle.relayData(data, label);
  }

  hangupMedia(handle: PluginHandle): void {
    const u = this.users.get(handle.id);
    if (!u || u.destroyed || !u.peer) return;
    // The user's PeerConnection went away (it hung up by closing it): the call is over for both.
    if (u.state === 'incall') this.endCall(u, 'Remote WebRTC hangup', 'Remote WebRTC hangup');
  }
}

// A handle: one client's attachment to one plugin, with at most one PeerConnection.
import { errorDetail, errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { AnswerOptions, Jsep, MediaLink, MediaTrackInfo, NegotiatedMedia, OfferTrack, Plugin, PluginHandle } from '../plugins/plugin.js';
import { ErrorCode, JanusError } from './errors.js';
import { EventSubtype, EventType, NO_EVENTS, type EventNotifier, type EventTypeValue } from './event-notifier.js';
import type { HandleMedia, HandleMediaEvents, MediaFactory, OutgoingPacketTap, PairEnd, RemoteCandidate } from './media-port.js';
import { PacketCapture, type CaptureRequest } from './packet-capture.js';
import type { MediaCounters } from './media-counters.js';
import type { Session } from './session.js';
import type { JsonObject } from './validate.js';
import { candidateAddress, dtlsStateBody, iceStateBody, localCandidateBody, remoteCandidateBody, sdpCandidates, selectedPairBody } from './webrtc-events.js';

/** Remote candidates remembered for the selected pair's type, at most. */
const MAX_REMOTE_CANDIDATES = 64;

/** What a handle needs from the gateway that owns it. */
export interface HandleOwner {
  readonly media?: MediaFactory;
  readonly opaqueIdInApi: boolean;
  /** Where event handlers are told what happens to the handle; absent = nowhere. */
  readonly events?: EventNotifier;
  now(): number;
  /** Detaches the handle, as a client's `detach` would. */
  endHandle(handle: Handle): void;
  /** The handle's PeerConnection is closing, for `reason`: what it counted is kept in the totals (metrics). */
  mediaClosed?(handle: Handle, counters: MediaCounters | undefined, reason: string): void;
}

export interface PendingTrickle {
  readonly candidate: RemoteCandidate;
  readonly at: number;
}

export class Handle implements PluginHandle {
  media: HandleMedia | undefined;
  /** Admin start_pcap / start_text2pcap: the capture this handle's packets go to, both ways. */
  capture: PacketCapture | undefined;
  /** The media verbs' one hop: the peer of `media`, while there is one. */
  private link: MediaLink | undefined;
  /** Candidates that arrived before the PeerConnection existed. */
  pendingTrickles: PendingTrickle[] = [];
  /** Negotiation flags, shown by Admin `handle_info`. */
  gotOffer = false;
  gotAnswer = false;
  serverOffered = false;
  webrtcUp = false;
  trickleCompleted = false;
  detached = false;
  /** While > 0, events are held so that a request's reply (`ack`) goes out before them. */
  private holdDepth = 0;
  private held: JsonObject[] = [];
  /** WebRTC came up while a request was being answered: setup_media waits for that request to reach the plugin. */
  private setupHeld = false;
  /** The last message on its way to the plugin: the next one waits for it (its jsep applied, handleMessage called). */
  private inbound: Promise<unknown> = Promise.resolve();
  /** "address port" → type of the client's candidates, kept only while handlers take webrtc events. */
  private remoteCandidates: Map<string, string> | undefined;

  constructor(
    readonly id: number,
    readonly session: Session,
    readonly plugin: Plugin,
    readonly createdAt: number,
    readonly log: Logger,
    private readonly owner: HandleOwner,
    readonly opaqueId?: string,
    readonly token?: string,
    /** `min_port`/`max_port` of the attach: this handle's ICE ports come from this range. */
    readonly portRange?: { readonly min: number; readonly max: number },
  ) {}

  get sessionId(): number {
    return this.session.id;
  }

  /** Sends a handle-scoped message to the session's transport (held while a request is being answered). */
  emit(message: JsonObject): void {
    if (this.detached && message.janus !== 'detached') return;
    const full: JsonObject = { ...message, session_id: this.session.id, sender: this.id };
    if (this.owner.opaqueIdInApi && this.opaqueId !== undefined) full.opaque_id = this.opaqueId;
    if (this.holdDepth > 0) {
      this.held.push(full);
      return;
    }
    if (!this.session.destroyed) this.session.sink.deliver(this.session.id, full);
  }

  hold(): void {
    this.holdDepth++;
  }

  /**
   * Runs a client's message after the handle's previous one has reached the plugin, so that a plugin sees a
   * handle's messages in arrival order even when one carries a jsep to apply first (as Janus does).
   */
  inOrder<T>(deliver: () => Promise<T>): Promise<T> {
    const run = this.inbound.then(deliver);
    this.inbound = run.catch(() => undefined);
    return run;
  }
  release(): void {
    if (this.holdDepth === 0) return;
    if (--this.holdDepth > 0) return;
    const held = this.held;
    this.held = [];
    for (const m of held) if (!this.session.destroyed) this.session.sink.deliver(this.session.id, m);
    if (this.setupHeld) {
      this.setupHeld = false;
      if (!this.detached && this.webrtcUp) this.setupMedia();
    }
  }

  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: Jsep): void {
    const msg: JsonObject = { janus: 'event' };
    if (transaction !== undefined) msg.transaction = transaction;
    msg.plugindata = { plugin: this.plugin.descriptor.package, data };
    if (jsep) {
      msg.jsep = jsep;
      this.notifyJsep('local', jsep);
    }
    this.emit(msg);
  }

  /** The event handlers' notifier (one that takes nothing when the server has none). */
  get events(): EventNotifier {
    return this.owner.events ?? NO_EVENTS;
  }

  /** Tells event handlers something of this handle (its session, id and opaque_id go with it). */
  notifyHandlers(type: EventTypeValue, subtype: number, body: JsonObject | readonly JsonObject[]): void {
    this.events.notify(type, subtype, body, { sessionId: this.session.id, handleId: this.id, opaqueId: this.opaqueId });
  }

  /** A plugin's event (Janus's notify_event): type 64, with the plugin's package. */
  notifyEvent(data: JsonObject): void {
    if (this.detached || !this.events.wants(EventType.PLUGIN)) return;
    this.notifyHandlers(EventType.PLUGIN, EventSubtype.NONE, { plugin: this.plugin.descriptor.package, data });
  }

  /** A candidate of the client's (trickled, or in its SDP) for event handlers; remembered for the selected pair. */
  remoteCandidateSeen(text: string): void {
    if (!this.events.wants(EventType.WEBRTC)) return;
    const parsed = candidateAddress(text);
    if (parsed) {
      this.remoteCandidates ??= new Map();
      if (this.remoteCandidates.size < MAX_REMOTE_CANDIDATES) this.remoteCandidates.set(parsed.key, parsed.type);
    }
    this.notifyHandlers(EventType.WEBRTC, EventSubtype.WEBRTC_REMOTE_CANDIDATE, remoteCandidateBody(text));
  }

  /** The client's description: a JSEP event, and a remote-candidate event for each candidate in it. */
  remoteDescription(jsep: Jsep): void {
    this.notifyJsep('remote', jsep);
    if (this.events.wants(EventType.WEBRTC)) for (const c of sdpCandidates(jsep.sdp)) this.remoteCandidateSeen(c);
  }

  /** The type the client signalled for a remote address, if it did. */
  remoteCandidateType(address: string, port: number): string | undefined {
    return this.remoteCandidates?.get(`${address.toLowerCase()} ${port}`);
  }

  /** A description sent ('local') or received ('remote'), for event handlers (type 8). */
  notifyJsep(owner: 'local' | 'remote', jsep: Jsep): void {
    if (!this.events.wants(EventType.JSEP)) return;
    this.notifyHandlers(EventType.JSEP, EventSubtype.NONE, { owner, jsep: { type: jsep.type, sdp: jsep.sdp } });
  }

  /** The PeerConnection, created on first use. */
  ensureMedia(): HandleMedia {
    if (this.media) return this.media;
    const factory = this.owner.media;
    if (!factory) throw new JanusError(ErrorCode.WEBRTC_STATE, 'WebRTC media is not available on this server');
    this.media = factory.create(new HandleMediaCallbacks(this), this.log, this.portRange ? { portRange: this.portRange } : undefined);
    this.link = this.media.link;
    if (this.capture) this.media.setOutgoingTap(this.captureTap(this.capture));
    const now = this.owner.now();
    for (const t of this.pendingTrickles) if (now - t.at < 45_000) this.media.addRemoteCandidate(t.candidate);
    this.pendingTrickles = [];
    return this.media;
  }

  async answerOffer(offer: Jsep, options: AnswerOptions): Promise<Jsep> {
    const answer = await this.ensureMedia().answerOffer(offer, options);
    this.gotAnswer = true;
    return answer;
  }

  async restartIce(): Promise<Jsep> {
    if (!this.media) throw new Error('no PeerConnection to restart');
    const offer = await this.media.restartIce();
    this.serverOffered = true;
    return offer;
  }

  async createOffer(tracks: readonly OfferTrack[]): Promise<Jsep> {
    const offer = await this.ensureMedia().createOffer(tracks);
    this.serverOffered = true;
    return offer;
  }

  negotiatedMedia(): readonly NegotiatedMedia[] {
    return this.media?.negotiatedMedia() ?? [];
  }

  /** Where this handle's relay verbs go now (its PeerConnection), for a relay group of the media layer. */
  get mediaLink(): MediaLink | undefined {
    return this.link;
  }

  relayRtp(mid: string, packet: Buffer): void {
    this.link?.relayRtp(mid, packet);
  }
  relayRtcp(mid: string, packet: Buffer): void {
    this.link?.relayRtcp(mid, packet);
  }
  restartRtp(mid: string): void {
    this.link?.restartRtp(mid);
  }
  skipRtp(mid: string): void {
    this.link?.skipRtp(mid);
  }
  relayData(data: Buffer | string, label?: string): void {
    this.link?.relayData(data, label);
  }
  requestKeyframe(mid: string): void {
    this.link?.requestKeyframe(mid);
  }
  sendRemb(bitrate: number): void {
    this.link?.sendRemb(bitrate);
  }

  /** Starts a packet capture (Admin); throws when one runs or the file cannot be opened. */
  startCapture(request: CaptureRequest): PacketCapture {
    if (this.capture) throw new JanusError(ErrorCode.UNKNOWN, request.text ? 'text2pcap already started' : 'pcap already started');
    let capture: PacketCapture;
    try {
      capture = new PacketCapture(request);
    } catch (err) {
      this.log.warn(`packet capture not started: ${errorText(err)}`);
      throw new JanusError(ErrorCode.UNKNOWN, request.text ? 'Error starting text2pcap dump' : 'Error starting pcap dump');
    }
    this.capture = capture;
    this.media?.setOutgoingTap(this.captureTap(capture));
    this.log.info(`packet capture to ${capture.path}`);
    return capture;
  }

  /** Stops the capture and closes its file; false when none runs. */
  stopCapture(): boolean {
    const capture = this.capture;
    if (!capture) return false;
    this.capture = undefined;
    this.media?.setOutgoingTap(undefined);
    capture.close().catch(() => undefined);
    return true;
  }

  private captureTap(capture: PacketCapture): OutgoingPacketTap {
    return (kind, packet) => capture.write(kind, false, packet);
  }

  closePc(): void {
    this.hangup('Close PC');
  }

  end(): void {
    this.owner.endHandle(this);
  }

  /** Closes the PeerConnection, tells the client why, and lets the plugin know. Idempotent. */
  hangup(reason: string): boolean {
    const media = this.media;
    if (!media) return false;
    this.media = undefined;
    this.link = undefined;
    this.owner.mediaClosed?.(this, media.counters?.(), reason);
    media.close();
    const wasUp = this.webrtcUp;
    this.resetNegotiation();
    this.emit({ janus: 'hangup', reason });
    if (this.events.wants(EventType.WEBRTC)) this.notifyHandlers(EventType.WEBRTC, EventSubtype.WEBRTC_STATE, { connection: 'hangup', reason });
    if (wasUp || reason !== 'Detach') {
      try {
        this.plugin.hangupMedia?.(this);
      } catch (err) {
        this.log.error(`plugin hangup_media failed: ${String(err)}`);
      }
    }
    return true;
  }

  /**
   * Calls the plugin's setup_media; while a request is being answered, once it has been (the answer that brought
   * WebRTC up may still be on its way to the plugin: a `start` with a jsep).
   */
  setupMediaWhenAnswered(): void {
    if (this.holdDepth > 0) this.setupHeld = true;
    else this.setupMedia();
  }

  private setupMedia(): void {
    try {
      this.plugin.setupMedia?.(this);
    } catch (err) {
      this.log.error(`plugin setup_media failed: ${errorDetail(err)}`);
    }
  }

  private resetNegotiation(): void {
    this.gotOffer = false;
    this.gotAnswer = false;
    this.serverOffered = false;
    this.webrtcUp = false;
    this.trickleCompleted = false;
  }
}

/**
 * What a handle's PeerConnection reports, as methods the media layer calls directly: a packet reaches the plugin
 * with no closure or emitter on the way. A plugin (or a transport) that throws is logged, never let into the
 * media layer.
 */
class HandleMediaCallbacks implements HandleMediaEvents {
  constructor(private readonly handle: Handle) {}

  localCandidate(c: RemoteCandidate): void {
    const h = this.handle;
    try {
      h.emit({ janus: 'trickle', candidate: c.completed ? { completed: true } : { sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, candidate: c.candidate } });
      if (!c.completed && c.candidate !== undefined && h.events.wants(EventType.WEBRTC)) {
        h.notifyHandlers(EventType.WEBRTC, EventSubtype.WEBRTC_LOCAL_CANDIDATE, localCandidateBody(c.candidate));
      }
    } catch (err) {
      this.failed('trickle', err);
    }
  }

  iceState(state: string): void {
    this.webrtcEvent(EventSubtype.WEBRTC_ICE, () => iceStateBody(state));
  }

  dtlsState(state: string): void {
    this.webrtcEvent(EventSubtype.WEBRTC_DTLS, () => dtlsStateBody(state));
  }

  selectedPair(local: PairEnd, remote: PairEnd): void {
    const h = this.handle;
    this.webrtcEvent(EventSubtype.WEBRTC_SELECTED_PAIR, () => selectedPairBody(local, { ...remote, type: remote.type ?? h.remoteCandidateType(remote.address, remote.port) }));
  }

  webrtcUp(): void {
    const h = this.handle;
    if (h.webrtcUp) return;
    h.webrtcUp = true;
    try {
      h.emit({ janus: 'webrtcup' });
      if (h.events.wants(EventType.WEBRTC)) h.notifyHandlers(EventType.WEBRTC, EventSubtype.WEBRTC_STATE, { connection: 'webrtcup' });
      h.setupMediaWhenAnswered();
    } catch (err) {
      this.failed('setup_media', err);
    }
  }

  mediaState(mid: string, type: 'audio' | 'video', receiving: boolean): void {
    const h = this.handle;
    try {
      h.emit({ janus: 'media', mid, type, receiving });
      if (h.events.wants(EventType.MEDIA)) h.notifyHandlers(EventType.MEDIA, EventSubtype.MEDIA_STATE, { media: type, mid, receiving });
    } catch (err) {
      this.failed('media', err);
    }
  }

  slowLink(mid: string, type: 'audio' | 'video', uplink: boolean, lost: number): void {
    const h = this.handle;
    try {
      h.emit({ janus: 'slowlink', mid, media: type, uplink, lost });
      if (h.events.wants(EventType.MEDIA)) {
        h.notifyHandlers(EventType.MEDIA, EventSubtype.MEDIA_SLOWLINK, { mid, media: type, slow_link: uplink ? 'uplink' : 'downlink', lost_lastsec: lost });
      }
      h.plugin.slowLink?.(h, uplink, type === 'video');
    } catch (err) {
      this.failed('slow_link', err);
    }
  }

  hangup(reason: string): void {
    try {
      this.handle.hangup(reason);
    } catch (err) {
      this.failed('hangup', err);
    }
  }

  rtp(track: MediaTrackInfo, packet: Buffer): void {
    const h = this.handle;
    h.capture?.write('RTP', true, packet);
    try {
      h.plugin.incomingRtp?.(h, track, packet);
    } catch (err) {
      this.failed('incoming_rtp', err);
    }
  }

  rtcp(track: MediaTrackInfo | undefined, packet: Buffer): void {
    const h = this.handle;
    h.capture?.write('RTCP', true, packet);
    try {
      h.plugin.incomingRtcp?.(h, track, packet);
    } catch (err) {
      this.failed('incoming_rtcp', err);
    }
  }

  data(label: string, data: Buffer | string): void {
    const h = this.handle;
    if (h.capture) h.capture.write('DATA', true, typeof data === 'string' ? Buffer.from(data) : data);
    try {
      h.plugin.incomingData?.(h, label, data);
    } catch (err) {
      this.failed('incoming_data', err);
    }
  }

  /** A webrtc event, built only when a handler takes them; a fault in it is logged, never let into the media layer. */
  private webrtcEvent(subtype: number, body: () => JsonObject): void {
    const h = this.handle;
    if (!h.events.wants(EventType.WEBRTC)) return;
    try {
      h.notifyHandlers(EventType.WEBRTC, subtype, body());
    } catch (err) {
      h.log.error(`webrtc event for the event handlers failed: ${errorDetail(err)}`);
    }
  }

  private failed(what: string, err: unknown): void {
    this.handle.log.error(`plugin ${what} failed: ${errorDetail(err)}`);
  }
}

/** A plugin's handle's current media link, when the handle is one of the core's. */
export function mediaLinkOf(handle: PluginHandle): MediaLink | undefined {
  return handle instanceof Handle ? handle.mediaLink : undefined;
}

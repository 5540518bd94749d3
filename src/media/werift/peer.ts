// One handle's WebRTC transport: ICE (lite by default) on sockets of the network layer, DTLS-SRTP, RTP/RTCP,
// SCTP data channels — on top of werift, with Janus semantics for events and hangup reasons. This file is the
// facade; each concept lives in its own file of this folder (negotiation, ICE, send and receive paths, ...).
import { errorDetail, errorText } from '../../logging/error-text.js';
import type { HandleMediaEvents, OutgoingPacketTap } from '../../core/media-port.js';
import { addDataCounters, emptyMediaCounters, emptyRtpCounters, type MediaCounters, type RtpCounters } from '../../core/media-counters.js';
import type { MediaLink } from '../../plugin-api/plugin.js';
import { buildPli, summarizeRtcp } from '../../rtp/rtcp.js';
import { PeerEventEmitter } from '../peer-event-emitter.js';
import type { OfferTrackSpec, PeerAcceptOptions, PeerState, RemoteCandidateInput, RtpTrackInfo, WebRtcPeerEvents, WebRtcPeerOptions } from '../peer-types.js';
import { OfferAnswerer } from './answer.js';
import { ConnectionWatch } from './connection-watch.js';
import { DataChannels } from './data-channels.js';
import { IceEndpoints } from './ice-endpoints.js';
import type { InboundGate } from './ice-gathering.js';
import type { NegotiationParts } from './negotiation-parts.js';
import { ServerOfferer } from './offer.js';
import type { MidState } from './mid-state.js';
import { PeerContext, type NegotiatedMline } from './peer-context.js';
import { installWeriftRejectionGuard } from './rejection-guard.js';
import { RemoteCandidates } from './remote-candidates.js';
import { RtpReceivePath } from './rtp-receive-path.js';
import { RtpSendPath } from './rtp-send-path.js';
import { relayLanes, type NativeRelayLane } from '../relay-lane.js';

export type { NegotiatedMline } from './peer-context.js';

const RTP_MIN = 12;

export class WebRtcPeer implements MediaLink {
  private readonly ctx: PeerContext;
  /** Set when no event sink was given: events are then named events with listeners (see on()). */
  private readonly emitter: PeerEventEmitter | undefined;
  private readonly sender: RtpSendPath;
  private readonly receiver: RtpReceivePath;
  private readonly channels: DataChannels;
  private readonly endpoints: IceEndpoints;
  private readonly candidates: RemoteCandidates;
  private readonly watch: ConnectionWatch;
  private readonly answerer: OfferAnswerer;
  private readonly offerer: ServerOfferer;
  private hangupReason: string | undefined;

  /** `events`: the core's callbacks, called directly; without them, listen with on(). */
  constructor(options: WebRtcPeerOptions, events?: HandleMediaEvents) {
    this.emitter = events ? undefined : new PeerEventEmitter((event, err) => options.log('error', `listener of '${event}' threw: ${errorDetail(err)}`));
    const ctx = (this.ctx = new PeerContext(options, events ?? this.emitter!));
    installWeriftRejectionGuard((msg) => options.log('warn', msg));
    this.sender = new RtpSendPath(ctx);
    this.receiver = new RtpReceivePath(ctx, this.sender);
    this.channels = new DataChannels(ctx);
    this.endpoints = new IceEndpoints(ctx);
    this.candidates = new RemoteCandidates(ctx, this.endpoints);
    this.watch = new ConnectionWatch(ctx, { send: this.sender, receive: this.receiver, endpoints: this.endpoints, channels: this.channels }, (reason) => this.close(reason));
    const gate: InboundGate = { counters: ctx.inbound, dtlsConnected: () => ctx.dtlsUp, log: (msg) => ctx.log('verbose', msg) };
    const parts: NegotiationParts = {
      ctx,
      endpoints: this.endpoints,
      candidates: this.candidates,
      watch: this.watch,
      receive: this.receiver,
      channels: this.channels,
      gate,
      close: (reason, notify) => this.close(reason, notify),
    };
    this.answerer = new OfferAnswerer(parts);
    this.offerer = new ServerOfferer(parts);
  }

  /** Listens to a peer created without an event sink. */
  on<K extends keyof WebRtcPeerEvents>(event: K, listener: (...args: WebRtcPeerEvents[K]) => void): this {
    if (!this.emitter) throw new Error('this peer reports to the events it was created with');
    this.emitter.on(event, listener);
    return this;
  }

  get state(): PeerState {
    return this.ctx.state;
  }

  get closed(): boolean {
    return this.ctx.closed;
  }

  /** Negotiated m-lines (audio/video) with their kind. */
  get tracks(): readonly RtpTrackInfo[] {
    return [...this.ctx.mids.values()].map((m) => m.info);
  }

  /** Accepted m-lines of the negotiation, in m-line order. */
  get negotiated(): readonly NegotiatedMline[] {
    return this.ctx.negotiated;
  }

  /** Milliseconds from acceptOffer/createOffer to DTLS up, once up. */
  get connectTimeMs(): number | undefined {
    return this.watch.connectTimeMs;
  }

  /** Negotiated SRTP profile when our own sender is in use. */
  get srtpProfileName(): string | undefined {
    return this.sender.profileName;
  }

  /** Datagrams our receive path dropped (failed SRTP, replays, malformed). */
  get inboundRefused(): number {
    return this.receiver.refused;
  }

  /** What the gate in front of the stack refused so far, by reason; undefined while nothing was. */
  get inboundDropped(): Record<string, number> | undefined {
    const inbound = this.ctx.inbound;
    return inbound.total() > 0 ? { ...inbound.dropped } : undefined;
  }

  /** Local UDP ports in use (one per gathered address). */
  get localPorts(): readonly { address: string; port: number }[] {
    return this.endpoints.localPorts;
  }

  /** Why the PeerConnection was closed, once closed. */
  get closeReason(): string | undefined {
    return this.hangupReason;
  }

  /** What the PeerConnection counted so far, by kind (metrics), added to `out`; the per-m-line figures handle_info shows, summed. */
  counters(out: MediaCounters = emptyMediaCounters()): MediaCounters {
    for (const st of this.ctx.mids.values()) this.addMidCounters(st, st.kind === 'audio' ? out.audio : out.video);
    addDataCounters(out.data, this.channels.counters);
    return out;
  }

  /** One m-line's counters: its own, its out-stream's, and its inbound streams' feedback. */
  private midCounters(st: MidState): RtpCounters {
    const c = emptyRtpCounters();
    this.addMidCounters(st, c);
    return c;
  }

  /** Adds one m-line's counters to `c` (a scrape does this for every m-line of every PeerConnection). */
  private addMidCounters(st: MidState, c: RtpCounters): void {
    const m = st.counters;
    const out = st.out?.sentCounts();
    c.packetsReceived += m.packetsReceived;
    c.bytesReceived += m.bytesReceived;
    c.packetsSent += m.stackPacketsSent + (out?.packets ?? 0);
    c.bytesSent += m.stackBytesSent + (out?.octets ?? 0);
    c.nacksReceived += m.nacksReceived;
    c.retransmitted += out?.retransmitted ?? 0;
    c.plisSent += m.plisSent;
    c.plisReceived += m.plisReceived;
    this.receiver.addFeedbackTotals(st, c);
  }

  /** Per-stream counters of our own send and receive paths, for the Admin API's handle_info. */
  stats(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const receiving = this.receiver.profileName;
    if (receiving) out.rtp_receiver = `portunus (${receiving})`;
    if (this.receiver.refused > 0) out.inbound_refused = this.receiver.refused;
    const dropped = this.inboundDropped;
    if (dropped) out.inbound_dropped = dropped;
    if (this.ctx.inbound.consentAnswered > 0) out.consent_answered = this.ctx.inbound.consentAnswered;
    const pair = this.sender.selectedPair();
    if (pair) out.selected_pair = pair;
    const streams: Record<string, unknown>[] = [];
    for (const st of this.ctx.mids.values()) {
      const s: Record<string, unknown> = { mid: st.mid, type: st.kind };
      const sent = st.out?.sentCounts();
      if (st.out && sent) s.out = { ssrc: st.out.ssrc, packets: sent.packets, bytes: sent.octets, retransmitted: sent.retransmitted };
      const inbound = this.receiver.streamStats(st);
      if (inbound.length > 0) s.in = inbound;
      s.totals = snakeCase(this.midCounters(st));
      streams.push(s);
    }
    out.streams = streams;
    out.data = snakeCase(this.channels.counters);
    return out;
  }

  /**
   * Each stream's statistics in the fields of Janus's media statistics event: one entry per inbound SSRC of a
   * mid ("video", then "video-sim1", "video-sim2" for simulcast layers), what we send in the first one. The
   * `-lastsec` figures are what Nextcloud's signaling server takes for a stream's bandwidth.
   */
  eventStats(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const now = performance.now();
    for (const st of this.ctx.mids.values()) {
      const codec = this.ctx.negotiated.find((m) => m.mid === st.mid)?.codec?.name;
      const ins = this.receiver.inStreams(st);
      const sent = st.out?.sentCounts();
      const layers = Math.max(1, Math.min(3, ins.length));
      for (let i = 0; i < layers; i++) {
        const inStream = ins[i];
        const info: Record<string, unknown> = { mid: st.mid, mindex: st.index, media: i === 0 ? st.kind : `video-sim${i}` };
        if (codec) info.codec = codec;
        info.base = st.clockRate;
        // What the client reports of our stream goes with the first entry, as Janus's layer-0 context has it.
        const remote = i === 0 ? st.remoteReport : undefined;
        if (i === 0) {
          info.rtt = remote?.rtt ?? 0;
          if (remote?.rttValues && remote.rtt > 0) info['rtt-values'] = { ...remote.rttValues };
        }
        info.lost = inStream?.lost ?? 0;
        info['lost-by-remote'] = remote?.lost ?? 0;
        info['jitter-local'] = inStream ? Math.round(inStream.jitterUnits / (st.clockRate / 1000)) : 0;
        info['jitter-remote'] = remote ? Math.floor(remote.jitter / (st.clockRate / 1000)) : 0;
        info['packets-received'] = inStream?.received ?? 0;
        info['bytes-received'] = inStream?.bytes ?? 0;
        const o = i === 0 ? sent : undefined;
        info['packets-sent'] = o?.packets ?? 0;
        // The payload octets of the Sender Reports plus each packet's 12-byte fixed header: what was sent.
        info['bytes-sent'] = o ? o.octets + 12 * o.packets : 0;
        info['bytes-received-lastsec'] = inStream?.bytesLastSecond(now) ?? 0;
        info['bytes-sent-lastsec'] = o ? (st.out?.bytesLastSecond(now) ?? 0) : 0;
        // NACKs the peer sent us about what we send (the first entry's), and those we sent it.
        info['nacks-received'] = i === 0 ? st.counters.nacksReceived : 0;
        info['nacks-sent'] = inStream?.nacked ?? 0;
        out.push(info);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- negotiation

  /** Answers a remote offer. Rejects with SdpError (bad or unusable SDP) or Error (state, stack failure). */
  acceptOffer(sdp: string, accept: PeerAcceptOptions = {}): Promise<string> {
    return this.answerer.accept(sdp, accept);
  }

  /** Creates an offer for the given tracks (server-initiated negotiation, e.g. Streaming). */
  createOffer(tracks: readonly OfferTrackSpec[]): Promise<string> {
    return this.offerer.create(tracks);
  }

  /** A new offer with new ICE credentials (Streaming's `watch` with `restart`, a VideoCall `restart`). */
  restartIceOffer(): Promise<string> {
    return this.offerer.restartIce();
  }

  /** Applies the remote answer to an offer made with createOffer. */
  acceptAnswer(sdp: string): Promise<void> {
    return this.offerer.acceptAnswer(sdp);
  }

  /** A trickled remote candidate, or the end of them. Garbage is logged and ignored. */
  addRemoteCandidate(c: RemoteCandidateInput): void {
    this.candidates.add(c);
  }

  // ---------------------------------------------------------------------------------------------- media verbs

  relayRtp(mid: string, packet: Buffer): void {
    const ctx = this.ctx;
    if (!ctx.dtlsUp) return;
    const st = ctx.mids.get(mid);
    if (!st || packet.length < RTP_MIN || packet[0] >> 6 !== 2) return;
    // A capture sees the packet as the plugin relays it, before the stream writes its SSRC and numbers.
    ctx.outgoingTap?.('RTP', packet);
    this.sender.send(st, packet);
  }

  /** The native lane a relay group may send `mid`'s packets on, when there is one (see relay-lane.ts). */
  relayLane(mid: string): NativeRelayLane | undefined {
    // While a capture runs, packets come through relayRtp, where it sees them.
    const st = this.ctx.dtlsUp && !this.ctx.outgoingTap ? this.ctx.mids.get(mid) : undefined;
    return st ? this.sender.lane(st) : undefined;
  }

  /** Starts or stops copying what is sent to a packet capture. */
  setOutgoingTap(tap: OutgoingPacketTap | undefined): void {
    this.ctx.outgoingTap = tap;
    relayLanes.changed();
  }

  skipRtp(mid: string): void {
    this.ctx.mids.get(mid)?.out?.skip();
  }

  restartRtp(mid: string): void {
    const st = this.ctx.mids.get(mid);
    if (!st) return;
    st.restartPending = true;
    st.out?.restart();
  }

  /** Keyframe requests become a PLI towards the remote sender, REMB becomes our REMB; SR/RR/NACK are not forwarded. */
  relayRtcp(mid: string, packet: Buffer): void {
    if (!this.ctx.dtlsUp) return;
    const summary = summarizeRtcp(packet);
    if (!summary) return;
    if (summary.keyframeRequest) this.requestKeyframe(mid);
    if (summary.remb !== undefined) this.sendRemb(summary.remb);
  }

  /** Before media, the wish is kept and the first SSRCs seen get the PLI. */
  requestKeyframe(mid: string): void {
    const ctx = this.ctx;
    if (mid === '*') {
      for (const [m, st] of ctx.mids) if (st.kind === 'video') this.requestKeyframe(m);
      return;
    }
    const st = ctx.mids.get(mid);
    if (!st || !ctx.dtlsUp) return;
    if (st.remoteSsrcs.length === 0) st.keyframeWantedAt = performance.now();
    // Sender SSRC 1, as for REMB: a stack may route feedback by sender SSRC first, and our own media SSRC
    // would then reach the remote's receiver instead of its sender.
    for (const ssrc of st.remoteSsrcs) {
      st.counters.plisSent++;
      ctx.sendRawRtcp(buildPli(1, ssrc));
    }
  }

  /** REMB over every remote SSRC seen; the cap is kept, sent when the first SSRC arrives and every second. */
  sendRemb(bitrate: number): void {
    if (bitrate >= 0) this.ctx.remb.set(bitrate);
  }

  relayData(data: Buffer | string, label?: string): void {
    const tap = this.ctx.outgoingTap;
    if (tap) tap('DATA', typeof data === 'string' ? Buffer.from(data) : data);
    this.channels.send(data, label);
  }

  // ---------------------------------------------------------------------------------------------- teardown

  /**
   * Closes the PeerConnection and frees every socket and timer. Idempotent. Reports `hangup` with `reason`
   * once (unless `notify` is false), then nothing more.
   */
  close(reason = 'Close PC', notify = true): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    ctx.state = 'closed';
    relayLanes.changed();
    this.hangupReason = reason;
    this.watch.stop();
    this.receiver.feedback.stop();
    const pc = ctx.pc;
    ctx.pc = undefined;
    if (pc) {
      Promise.resolve()
        .then(() => pc.close())
        .catch((err: unknown) => ctx.log('debug', `werift close failed: ${errorText(err)}`));
    }
    this.endpoints.close();
    this.channels.clear();
    if (notify) ctx.events.hangup(reason);
    ctx.silence();
    this.emitter?.removeAllListeners();
  }
}

/** `packetsSent` → `packets_sent`, for the Admin API's JSON. */
function snakeCase(counters: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters as Record<string, number>)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}

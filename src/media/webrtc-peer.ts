// One handle's WebRTC transport: ICE (lite by default) on sockets of the network layer, DTLS-SRTP, RTP/RTCP,
// SCTP data channels — on top of werift, with Janus semantics for events and hangup reasons.
import { isIP } from 'node:net';
import tls from 'node:tls';
import {
  RTCPeerConnection,
  type MediaStreamTrack,
  type RTCDataChannel,
  type RTCDtlsTransport,
  type RTCRtpTransceiver,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';
import type { Network } from '../net/network.js';
import { parseCandidate } from './candidate.js';
import { selectLocalEndpoints } from './local-addresses.js';
import { querySrflx, serverAddress } from './srflx.js';
import { StreamTurnLink, UdpTurnLink, type TurnServerLink } from './turn-link.js';
import { TurnRelayTransport } from './turn-relay.js';
import { finishAnswer, planAnswer, usableRemoteCandidate, type OfferPlan } from './offer-plan.js';
import type {
  DataMessage,
  LocalCandidateEvent,
  OfferTrackSpec,
  PeerAcceptOptions,
  PeerLogLevel,
  PeerState,
  RemoteCandidateInput,
  RtpKind,
  RtpTrackInfo,
  WebRtcPeerEvents,
  WebRtcPeerOptions,
} from './peer-types.js';
import { buildNack, buildPli, buildReceiverReport, buildRemb, buildSenderReport, nackedSequences, summarizeRtcp } from '../rtp/rtcp.js';
import { RtpInStream } from './rtp-in-stream.js';
import { SrtpRtpUnprotector } from '../rtp/srtp/srtp-unprotector.js';
import { RtpOutStream } from './rtp-out-stream.js';
import { parseSdp, SdpError, type SdpMedia } from './sdp.js';
import { deriveSessionKeys, srtpProfileName } from '../rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../rtp/srtp/srtp-protector.js';
import { answerConfig, EXT_TWCC, offerCodec, offerConfig, offerExtensions } from './stack-config.js';
import { TrackMonitor } from './track-monitor.js';
import { TransportCcRecorder } from './twcc-feedback.js';
import { TypedEmitter } from './typed-emitter.js';
import { UdpIceTransport } from './udp-ice-transport.js';
import { installWeriftRejectionGuard } from './werift-guard.js';
import { takeOverIceGathering, type GatheredEndpoint, type InboundGate } from './werift-ice.js';
import { InboundCounters } from './inbound-guard.js';
import { rtpPacketProblem } from '../rtp/packet-check.js';
import { forgetReceiverStream, guardDtlsApplicationData, guardRtcpDecryption, localSrtpMaster, preferDtlsServerRole, preferFastSrtpProfile, rawRtpOf, remoteSrtpMaster, selectedPath, senderCname, type SelectedPath } from './werift-srtp.js';

interface MidState {
  readonly mid: string;
  readonly kind: RtpKind;
  readonly index: number;
  readonly transceiver: RTCRtpTransceiver;
  readonly info: RtpTrackInfo;
  readonly ridInfo: Map<string, RtpTrackInfo>;
  /** Simulcast: the offer's rids, and which layer each SSRC was seen carrying. */
  readonly rids: readonly string[];
  readonly layerBySsrc: Map<number, RtpTrackInfo>;
  readonly monitor: TrackMonitor;
  /** SSRCs seen from the remote on this m-line (simulcast: several). */
  readonly remoteSsrcs: number[];
  /** A keyframe was asked for before any SSRC was known (performance.now(); -1: none): the first ones get a PLI. */
  keyframeWantedAt: number;
  lastSsrc: number;
  /** SSRC of the last packet a plugin relayed out on this m-line (-1: none yet; werift's sender path). */
  lastOutSsrc: number;
  /** The next relayed packet starts a new run (werift's sender path). */
  restartPending: boolean;
  /** Our own sender for this m-line once SRTP is up (the fast path); undefined: werift's sender. */
  out: RtpOutStream | undefined;
  /** When the last Sender Report went out (performance.now()). */
  lastSrAt: number;
  /** The remote's RTP clock rate on this m-line, and whether it negotiated NACK (our receive path asks). */
  readonly clockRate: number;
  readonly nack: boolean;
}

/** A remote SSRC our own receive path took over from werift (once werift had routed its first packet). */
interface FastInbound {
  readonly st: MidState;
  readonly info: RtpTrackInfo;
  readonly stats: RtpInStream;
}

/** How often our receive path sends receiver reports and retries NACKs. */
const RR_INTERVAL_MS = 1000;

const RTP_MIN = 12;

/** What an accepted m-line of an answered offer carries: its codec (the offerer's numbering), extensions, rids. */
function describeNegotiated(p: OfferPlan['media'][number], plan: OfferPlan): NegotiatedMline {
  const c = p.codec;
  const m = plan.session.media[p.index];
  return {
    mid: p.mid,
    kind: p.kind as NegotiatedMline['kind'],
    index: p.index,
    codec: c ? { name: c.name.toLowerCase(), pt: c.pt, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp } : undefined,
    extensions: m ? m.extmaps.map((e) => ({ id: e.id, uri: e.uri })) : undefined,
    rids: p.rids,
  };
}

export interface NegotiatedMline {
  readonly mid: string;
  readonly kind: 'audio' | 'video' | 'application';
  readonly index?: number;
  readonly codec?: { readonly name: string; readonly pt: number; readonly clockRate: number; readonly channels?: number; readonly fmtp?: string };
  readonly extensions?: readonly { readonly id: number; readonly uri: string }[];
  readonly rids?: readonly string[];
}
const SR_INTERVAL_MS = 1000;
/** How often transport-wide CC feedback goes out (browsers' estimators expect 50–100 ms). */
const TWCC_INTERVAL_MS = 50;

/** The transport-wide sequence number in an RTP header's extensions (one- or two-byte form), -1 when absent. */
function transportSequenceOf(p: Buffer, id: number): number {
  if (id === 0) return -1;
  const at = 12 + 4 * (p[0] & 0x0f);
  if (at + 4 > p.length) return -1;
  const profile = p.readUInt16BE(at);
  const end = at + 4 + 4 * p.readUInt16BE(at + 2);
  if (end > p.length) return -1;
  const oneByte = profile === 0xbede;
  if (!oneByte && (profile & 0xfff0) !== 0x1000) return -1;
  let i = at + 4;
  while (i < end) {
    if (p[i] === 0) {
      i++; // padding
      continue;
    }
    const extId = oneByte ? p[i] >> 4 : p[i];
    const len = oneByte ? (p[i] & 0x0f) + 1 : p[i + 1];
    const data = i + (oneByte ? 1 : 2);
    if (oneByte && extId === 15) return -1;
    if (extId === id) return len >= 2 && data + 2 <= end ? (p[data] << 8) | p[data + 1] : -1;
    i = data + len;
  }
  return -1;
}

/** Whether the offer lets us pick the DTLS role (setup:actpass, or nothing said, on its accepted m-lines). */
function offersBothDtlsRoles(plan: OfferPlan): boolean {
  const setups = plan.session.media.filter((m) => plan.media[m.index]?.accepted).map((m) => m.setup ?? plan.session.setup);
  return setups.length > 0 && setups.every((s) => s === undefined || s === 'actpass');
}

/** The id of the transport-wide sequence number extension among these m-lines, 0 when none has it. */
function transportCcExtensionId(media: readonly SdpMedia[]): number {
  for (const m of media) {
    const e = m.extmaps.find((x) => x.uri === EXT_TWCC);
    if (e) return e.id;
  }
  return 0;
}

export class WebRtcPeer extends TypedEmitter<WebRtcPeerEvents> {
  private readonly network: Network;
  private readonly logFn: (level: PeerLogLevel, msg: string) => void;
  private readonly iceLite: boolean;
  private readonly ipv6: boolean;
  private readonly noMediaMs: number;
  private readonly slowlinkThreshold: number;
  private pc: RTCPeerConnection | undefined;
  private stateValue: PeerState = 'new';
  private readonly transports: UdpIceTransport[] = [];
  /** Relayed candidates' transports (nat.turn_*), and the remote addresses they must let in. */
  private readonly relays: TurnRelayTransport[] = [];
  private readonly remoteIps = new Set<string>();
  private readonly mids = new Map<string, MidState>();
  private readonly channels = new Map<string, RTCDataChannel>();
  private readonly pendingRemote: RemoteCandidateInput[] = [];
  private bundleMid: { mid: string; index: number } | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private iceTimer: NodeJS.Timeout | undefined;
  private dtlsTimer: NodeJS.Timeout | undefined;
  private iceConnected = false;
  private dtlsUp = false;
  private hangupReason: string | undefined;
  private readonly onAsyncError: (err: unknown) => void;
  /** Milliseconds from acceptOffer/createOffer to DTLS up, once up. */
  connectTimeMs: number | undefined;
  private startedAt = 0;
  /** Outbound SRTP of the fast path, and the candidate pair it sends on (re-read when ICE changes pair). */
  private srtpOut: SrtpRtpProtector | undefined;
  private dtlsUsed: RTCDtlsTransport | undefined;
  private path: SelectedPath | undefined;
  private scratch = Buffer.alloc(1500);
  /** Negotiated SRTP profile when the fast sender is in use. */
  srtpProfileName: string | undefined;
  /** Transport-wide CC: the negotiated header extension id, the arrival recorder and its feedback timer. */
  private twccExtId = 0;
  private negotiatedValue: NegotiatedMline[] = [];
  /** The last offer we answered and the direction we answered with (for renegotiation). */
  private answered: { plan: OfferPlan; direction: 'sendrecv' | 'recvonly' | 'sendonly' } | undefined;
  /** An ICE-restart offer of ours waits for its answer. */
  private restartOffered = false;
  /** A new offer of ours (reoffer) waits for its answer. */
  private reofferPending = false;
  private twcc: TransportCcRecorder | undefined;
  private twccTimer: NodeJS.Timeout | undefined;
  /** Our own inbound path once SRTP is up with AES-CM: the SRTP context and the SSRCs it took over. */
  private srtpIn: SrtpRtpUnprotector | undefined;
  private readonly fastIn = new Map<number, FastInbound>();
  private feedbackTimer: NodeJS.Timeout | undefined;
  private lastRrAt = 0;
  private readonly nackScratch: number[] = [];
  /** Datagrams our receive path dropped (failed SRTP, replays, malformed). */
  inboundRefused = 0;
  /** What the gate in front of the stack refused (inbound-guard.ts), and when consent was last given. */
  private readonly inbound: InboundCounters;
  private readonly gate: InboundGate;

  constructor(private readonly options: WebRtcPeerOptions) {
    super((event, err) => options.log('error', `listener of '${event}' threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    this.network = options.network;
    this.logFn = options.log;
    this.iceLite = options.iceLite ?? true;
    // Never gather IPv6 where the host cannot create IPv6 sockets, whatever the configuration says.
    this.ipv6 = (options.ipv6 ?? true) && options.network.host.ipv6Available;
    this.noMediaMs = Math.max(100, options.noMediaTimerMs ?? 1000);
    this.slowlinkThreshold = Math.max(0, options.slowlinkThreshold ?? 0);
    this.onAsyncError = (err) => this.log('debug', `async send failed: ${err instanceof Error ? err.message : String(err)}`);
    installWeriftRejectionGuard((msg) => options.log('warn', msg));
    this.inbound = new InboundCounters((msg) => this.log('verbose', msg));
    this.gate = { counters: this.inbound, dtlsConnected: () => this.dtlsUp, log: (msg) => this.log('verbose', msg) };
  }

  get state(): PeerState {
    return this.stateValue;
  }

  get closed(): boolean {
    return this.stateValue === 'closed';
  }

  /** Negotiated m-lines (audio/video) with their kind. */
  get tracks(): readonly RtpTrackInfo[] {
    return [...this.mids.values()].map((m) => m.info);
  }

  /** Accepted m-lines of the negotiation, in m-line order. */
  get negotiated(): readonly NegotiatedMline[] {
    return this.negotiatedValue;
  }

  /** Per-stream counters of our own send and receive paths, for the Admin API's handle_info. */
  stats(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.srtpIn) out.rtp_receiver = `portunus (${srtpProfileName(this.srtpIn.keys.profile)})`;
    if (this.inboundRefused > 0) out.inbound_refused = this.inboundRefused;
    const dropped = this.inboundDropped;
    if (dropped) out.inbound_dropped = dropped;
    const path = this.dtlsUsed ? selectedPath(this.dtlsUsed, this.path) : undefined;
    if (path) out.selected_pair = { local: `${path.transport.host}:${path.transport.port}`, remote: `${path.host}:${path.port}`, relayed: path.transport instanceof TurnRelayTransport };
    const streams: Record<string, unknown>[] = [];
    for (const st of this.mids.values()) {
      const s: Record<string, unknown> = { mid: st.mid, type: st.kind };
      if (st.out) s.out = { ssrc: st.out.ssrc, packets: st.out.packets, bytes: st.out.octets, retransmitted: st.out.retransmitted };
      const inbound = [...this.fastIn.values()].filter((f) => f.st === st);
      if (inbound.length > 0) {
        s.in = inbound.map((f) => ({ ssrc: f.stats.ssrc, rid: f.info.rid, packets: f.stats.received, lost: f.stats.lost, jitter: f.stats.jitterUnits, nacks_sent: f.stats.nacked }));
      }
      streams.push(s);
    }
    out.streams = streams;
    return out;
  }

  /** What the gate in front of the stack refused so far, by reason; undefined while nothing was. */
  get inboundDropped(): Record<string, number> | undefined {
    return this.inbound.total() > 0 ? { ...this.inbound.dropped } : undefined;
  }

  /** Local UDP ports in use (one per gathered address). */
  get localPorts(): readonly { address: string; port: number }[] {
    return this.transports.map((t) => ({ address: t.host, port: t.port }));
  }

  // ---------------------------------------------------------------------------------------------- negotiation

  /** Answers a remote offer. Rejects with SdpError (bad or unusable SDP) or Error (state, stack failure). */
  async acceptOffer(sdp: string, accept: PeerAcceptOptions = {}): Promise<string> {
    if (this.closed) throw new Error('PeerConnection is closed');
    if (this.stateValue === 'connecting' || this.stateValue === 'up') return this.renegotiate(sdp, accept);
    if (this.stateValue !== 'new') throw new Error('an offer is already being answered');
    const plan = planAnswer(sdp, accept);
    this.permitOfferCandidates(plan);
    if (plan.droppedCandidates > 0) this.log('verbose', `ignored ${plan.droppedCandidates} offer candidate(s) needing name resolution or TCP`);
    this.stateValue = 'negotiating';
    this.startedAt = performance.now();
    // Our answer keeps the offer's extension ids; ICE may connect before the answer text is finished.
    this.twccExtId = transportCcExtensionId(plan.session.media.filter((m) => plan.media[m.index]?.accepted));
    const pc = new RTCPeerConnection(answerConfig(plan, this.iceLite));
    this.pc = pc;
    const direction = accept.direction ?? 'sendrecv';
    try {
      this.wirePeerConnection(pc);
      pc.onRemoteTransceiverAdded.subscribe((t) => this.adoptTransceiver(t, plan));
      await pc.setRemoteDescription({ type: 'offer', sdp: plan.stackSdp });
      this.assertOpen();
      for (const t of pc.getTransceivers()) {
        const planned = plan.media.find((p) => p.mid === t.mid);
        t.setDirection(planned?.accepted ? direction : 'inactive');
      }
      const first = plan.media.find((p) => p.accepted);
      this.bundleMid = first ? { mid: first.mid, index: first.index } : undefined;
      takeOverIceGathering(pc, () => this.openEndpoints(), (msg) => this.log('error', msg), this.gate);
      if (offersBothDtlsRoles(plan)) preferDtlsServerRole(pc);
      const answer = await pc.createAnswer();
      this.assertOpen();
      await pc.setLocalDescription(answer);
      this.assertOpen();
      preferFastSrtpProfile(pc);
      const local = pc.localDescription?.sdp;
      if (!local) throw new Error('the WebRTC stack produced no answer');
      if (this.transports.length === 0) throw new Error('no local address to gather ICE candidates on');
      const final = finishAnswer(local, plan);
      this.answered = { plan, direction };
      this.negotiatedValue = plan.media
        .filter((p) => p.accepted && (p.kind === 'audio' || p.kind === 'video' || p.kind === 'application'))
        .map((p) => describeNegotiated(p, plan));
      this.stateValue = 'connecting';
      this.armConnectTimers();
      this.flushPendingCandidates();
      return final;
    } catch (err) {
      const reason = err instanceof SdpError ? err : new Error(`cannot answer the offer: ${err instanceof Error ? err.message : String(err)}`);
      this.close('Gathering error', false);
      throw reason;
    }
  }

  /**
   * A new offer on a PeerConnection we answered before: the same m-lines (kinds and mids), possibly with new ICE
   * credentials (an ICE restart: werift gathers again through our sockets and checks start over; DTLS and SRTP
   * carry on). Adding or removing m-lines is refused.
   */
  private async renegotiate(sdp: string, accept: PeerAcceptOptions): Promise<string> {
    const pc = this.pc;
    const before = this.answered;
    if (!pc || !before) throw new Error('renegotiation of a PeerConnection we offered is not supported');
    const plan = planAnswer(sdp, accept);
    const same = plan.media.length === before.plan.media.length && plan.media.every((p, i) => p.mid === before.plan.media[i].mid && p.kind === before.plan.media[i].kind);
    if (!same) throw new SdpError('renegotiation may not add, remove or reorder m-lines');
    this.permitOfferCandidates(plan);
    const restart = plan.session.media.some((m, i) => (m.iceUfrag ?? plan.session.iceUfrag) !== (before.plan.session.media[i]?.iceUfrag ?? before.plan.session.iceUfrag));
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: plan.stackSdp });
      this.assertOpen();
      const direction = accept.direction ?? before.direction;
      for (const t of pc.getTransceivers()) {
        const planned = plan.media.find((p) => p.mid === t.mid);
        t.setDirection(planned?.accepted ? direction : 'inactive');
      }
      const answer = await pc.createAnswer();
      this.assertOpen();
      await pc.setLocalDescription(answer);
      this.assertOpen();
      const local = pc.localDescription?.sdp;
      if (!local) throw new Error('the WebRTC stack produced no answer');
      this.answered = { plan, direction };
      if (restart) this.log('info', 'ICE restart');
      return finishAnswer(local, plan);
    } catch (err) {
      if (err instanceof SdpError) throw err;
      throw new Error(`cannot answer the new offer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A new offer with new ICE credentials on a PeerConnection we offered (Streaming's `watch` with `restart`). */
  async restartIceOffer(): Promise<string> {
    const pc = this.pc;
    if (!pc || this.answered || (this.stateValue !== 'connecting' && this.stateValue !== 'up')) throw new Error('no PeerConnection of ours to restart');
    const offer = await pc.createOffer({ iceRestart: true });
    this.assertOpen();
    await pc.setLocalDescription(offer);
    this.assertOpen();
    const local = pc.localDescription?.sdp;
    if (!local) throw new Error('the WebRTC stack produced no offer');
    this.restartOffered = true;
    this.log('info', 'ICE restart offered');
    return local;
  }

  /** Creates an offer for the given tracks (server-initiated negotiation, e.g. Streaming). */
  async createOffer(tracks: readonly OfferTrackSpec[]): Promise<string> {
    if (this.pc && !this.answered && !this.closed && (this.stateValue === 'connecting' || this.stateValue === 'up')) return this.reoffer(tracks);
    if (this.stateValue !== 'new') throw new Error(this.closed ? 'PeerConnection is closed' : 'renegotiation of a PeerConnection the client offered is done by the client');
    if (tracks.length === 0) throw new Error('an offer needs at least one track');
    const mids = new Set<string>();
    for (const [i, t] of tracks.entries()) {
      const mid = t.mid ?? String(i);
      if (mids.has(mid)) throw new Error(`duplicate mid '${mid}'`);
      mids.add(mid);
    }
    const config = offerConfig(tracks, this.iceLite);
    this.stateValue = 'negotiating';
    this.startedAt = performance.now();
    const pc = new RTCPeerConnection(config);
    this.pc = pc;
    try {
      this.wirePeerConnection(pc);
      for (const [i, t] of tracks.entries()) {
        const mid = t.mid ?? String(i);
        if (t.kind === 'application') {
          const ch = pc.createDataChannel(mid === String(i) ? 'JanusDataChannel' : mid);
          // werift would number the data m-line itself, colliding with the mids we gave the others.
          if (pc.sctpTransport) pc.sctpTransport.mid = mid;
          this.adoptChannel(ch);
          continue;
        }
        const transceiver = pc.addTransceiver(t.kind, { direction: t.direction ?? 'sendonly' });
        transceiver.mid = mid;
        transceiver.codecs = [offerCodec(t)];
        transceiver.headerExtensions = offerExtensions(t.kind);
        this.registerMid(transceiver, mid, t.kind, i);
      }
      const first = tracks[0];
      this.bundleMid = { mid: first.mid ?? '0', index: 0 };
      this.negotiatedValue = tracks.map((t, i) => ({ mid: t.mid ?? String(i), kind: t.kind }));
      takeOverIceGathering(pc, () => this.openEndpoints(), (msg) => this.log('error', msg), this.gate);
      const offer = await pc.createOffer();
      this.assertOpen();
      await pc.setLocalDescription(offer);
      this.assertOpen();
      preferFastSrtpProfile(pc);
      const local = pc.localDescription?.sdp;
      if (!local) throw new Error('the WebRTC stack produced no offer');
      if (this.transports.length === 0) throw new Error('no local address to gather ICE candidates on');
      return local;
    } catch (err) {
      this.close('Gathering error', false);
      throw new Error(`cannot create an offer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * A new offer on a PeerConnection we offered and that is connecting or up (a VideoRoom subscription that
   * changes): m-lines already there keep their mid and codec, those no longer listed become inactive, new ones
   * are added at the end. DTLS, SRTP and ICE carry on; the answer comes through acceptAnswer.
   */
  private async reoffer(tracks: readonly OfferTrackSpec[]): Promise<string> {
    const pc = this.pc!;
    const listed = new Map(tracks.map((t, i) => [t.mid ?? String(i), t]));
    for (const st of this.mids.values()) {
      const t = listed.get(st.mid);
      st.transceiver.setDirection(t && t.active !== false ? (t.direction ?? 'sendonly') : 'inactive');
    }
    const known = new Set(this.negotiatedValue.map((m) => m.mid));
    const added: NegotiatedMline[] = [];
    for (const [mid, t] of listed) {
      if (known.has(mid)) continue;
      if (t.kind === 'application') throw new Error('a data channel can only be offered in the first offer');
      const transceiver = pc.addTransceiver(t.kind, { direction: t.active === false ? 'inactive' : (t.direction ?? 'sendonly') });
      transceiver.mid = mid;
      const codec = offerCodec(t);
      transceiver.codecs = [codec];
      transceiver.headerExtensions = offerExtensions(t.kind);
      // werift matches the answer against the PeerConnection's codec and extension lists, made for the first offer:
      // a kind (or codec) that first appears now must be added there too.
      const config = pc.config;
      const kindCodecs = (config.codecs[t.kind] ??= []);
      if (!kindCodecs.some((c) => c.mimeType.toLowerCase() === codec.mimeType.toLowerCase())) kindCodecs.push(codec);
      const extensions = (config.headerExtensions[t.kind] ??= []);
      if (extensions.length === 0) extensions.push(...offerExtensions(t.kind));
      this.registerMid(transceiver, mid, t.kind, this.negotiatedValue.length + added.length);
      added.push({ mid, kind: t.kind });
    }
    try {
      const offer = await pc.createOffer();
      this.assertOpen();
      await pc.setLocalDescription(offer);
      this.assertOpen();
    } catch (err) {
      throw new Error(`cannot create the new offer: ${err instanceof Error ? err.message : String(err)}`);
    }
    const local = pc.localDescription?.sdp;
    if (!local) throw new Error('the WebRTC stack produced no offer');
    this.negotiatedValue = [...this.negotiatedValue, ...added];
    this.reofferPending = true;
    this.log('info', `renegotiating: ${listed.size} stream(s), ${added.length} new`);
    // werift writes port 0 (rejected) for an inactive m-line; ours are only idle, and when every media line is
    // idle a port-0 bundle would make the browser drop the whole transport.
    return local.replace(/^m=(audio|video) 0 /gm, 'm=$1 9 ');
  }

  /** Applies the remote answer to an offer made with createOffer. */
  async acceptAnswer(sdp: string): Promise<void> {
    const pc = this.pc;
    if (pc && (this.restartOffered || this.reofferPending) && (this.stateValue === 'connecting' || this.stateValue === 'up')) {
      // The answer to an ICE-restart offer or to a new offer of ours: everything established carries on.
      this.restartOffered = false;
      this.reofferPending = false;
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp: sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:') || usableRemoteCandidate(l.slice(2))).join('\r\n') });
      } catch (err) {
        throw new SdpError(`answer rejected: ${err instanceof Error ? err.message : String(err)}`);
      }
      return;
    }
    if (!pc || this.stateValue !== 'negotiating') throw new Error('no offer is waiting for an answer');
    const parsed = parseSdp(sdp);
    if (parsed.media.length === 0) throw new SdpError('answer has no m-lines');
    const filtered = sdp
      .split(/\r?\n/)
      .filter((l) => !l.startsWith('a=candidate:') || usableRemoteCandidate(l.slice(2)))
      .join('\r\n');
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: filtered });
    } catch (err) {
      throw new SdpError(`answer rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Server offers leave receive-side transport-wide CC to the stack: their viewers hardly send media.
    this.stateValue = 'connecting';
    this.armConnectTimers();
    this.flushPendingCandidates();
  }

  /** A trickled remote candidate, or the end of them. Garbage is logged and ignored. */
  addRemoteCandidate(c: RemoteCandidateInput): void {
    if (this.closed) return;
    if (!c || typeof c !== 'object') {
      this.log('warn', 'ignoring a remote candidate that is not an object');
      return;
    }
    if (this.stateValue === 'new' || this.stateValue === 'negotiating') {
      if (this.pendingRemote.length < 100) this.pendingRemote.push(c);
      return;
    }
    this.applyRemoteCandidate(c);
  }

  private flushPendingCandidates(): void {
    const pending = this.pendingRemote.splice(0);
    for (const c of pending) this.applyRemoteCandidate(c);
  }

  private applyRemoteCandidate(c: RemoteCandidateInput): void {
    const pc = this.pc;
    if (!pc) return;
    if ('completed' in c && c.completed === true) {
      pc.addIceCandidate(undefined).catch(this.onAsyncError);
      return;
    }
    const text = 'candidate' in c ? c.candidate : undefined;
    if (typeof text !== 'string' || text === '') {
      this.log('warn', 'ignoring a remote candidate without candidate text');
      return;
    }
    const line = text.startsWith('a=') ? text.slice(2) : text;
    const parsed = parseCandidate(line);
    if (!parsed) {
      this.log('warn', `ignoring an unparsable remote candidate '${line.slice(0, 120)}'`);
      return;
    }
    if (!usableRemoteCandidate(line)) {
      this.log('verbose', `ignoring remote candidate ${parsed.address} (${parsed.transport}): needs name resolution or TCP`);
      return;
    }
    this.permitRemote(parsed.address);
    // Bundle: every candidate belongs to the one transport, whatever m-line the client tagged it with.
    const target = this.bundleMid;
    pc.addIceCandidate({ candidate: line, sdpMid: target?.mid, sdpMLineIndex: target?.index ?? 0 }).catch(this.onAsyncError);
  }

  // ---------------------------------------------------------------------------------------------- sending

  /** Sends RTP (header included, unencrypted) on a negotiated m-line; SSRC/PT/seq are rewritten for it. */
  sendRtp(mid: string, packet: Buffer): void {
    if (!this.dtlsUp) return;
    const st = this.mids.get(mid);
    if (!st || packet.length < RTP_MIN || packet[0] >> 6 !== 2) return;
    const out = st.out;
    const srtp = this.srtpOut;
    if (out && srtp && this.dtlsUsed) {
      // Fast path: rewrite a copy of the header in place, protect it with our SRTP context, one send.
      const path = (this.path = selectedPath(this.dtlsUsed, this.path));
      if (!path) return;
      if (this.scratch.length < packet.length) this.scratch = Buffer.alloc(packet.length);
      const scratch = this.scratch;
      const roc = out.rewrite(packet, scratch, performance.now());
      const seq = (scratch[2] << 8) | scratch[3];
      const enc = out.bufferFor(seq, packet.length + srtp.tagLength);
      const length = srtp.protectInto(scratch, packet.length, roc, enc);
      if (length < 0) return;
      out.remember(seq, length);
      path.transport.sendChecked(enc, path.port, path.host, length);
      return;
    }
    const ssrc = packet.readUInt32BE(8);
    if (ssrc !== st.lastOutSsrc || st.restartPending) {
      // A new source on this m-line (a Streaming `switch`, say): re-base sequence numbers and timestamps so
      // the receiver sees one continuous stream.
      if (st.lastOutSsrc !== -1) st.transceiver.sender.replaceRTP({ sequenceNumber: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4) }, true);
      st.lastOutSsrc = ssrc;
      st.restartPending = false;
    }
    st.transceiver.sender.sendRtp(packet).catch(this.onAsyncError);
  }

  /** A source packet the plugin dropped on purpose: the receiver must not see a hole in sequence numbers. */
  skipRtp(mid: string): void {
    this.mids.get(mid)?.out?.skip();
  }

  /** The next packet relayed on `mid` starts a new run (a paused viewer resumes): keep the stream continuous. */
  restartRtp(mid: string): void {
    const st = this.mids.get(mid);
    if (!st) return;
    st.restartPending = true;
    st.out?.restart();
  }

  /**
   * Handles RTCP a plugin relays to the peer: keyframe requests become a PLI towards the remote sender,
   * REMB becomes our REMB; the rest (SR/RR/NACK) is the stack's business and is not forwarded.
   */
  sendRtcp(mid: string, packet: Buffer): void {
    if (!this.dtlsUp) return;
    const summary = summarizeRtcp(packet);
    if (!summary) return;
    if (summary.keyframeRequest) this.requestKeyframe(mid);
    if (summary.remb !== undefined) this.sendRemb(summary.remb);
  }

  /** Sends a PLI to the remote sender(s) of `mid` ('*': every video m-line); before media, to its first SSRCs. */
  requestKeyframe(mid: string): void {
    if (mid === '*') {
      for (const [m, st] of this.mids) if (st.kind === 'video') this.requestKeyframe(m);
      return;
    }
    const st = this.mids.get(mid);
    if (!st || !this.dtlsUp) return;
    if (st.remoteSsrcs.length === 0) st.keyframeWantedAt = performance.now();
    // Sender SSRC 1, as for REMB: a stack may route feedback by sender SSRC first, and our own media SSRC
    // would then reach the remote's receiver instead of its sender.
    for (const ssrc of st.remoteSsrcs) this.sendRawRtcp(buildPli(1, ssrc));
  }

  /** Caps what the remote sends us (REMB over every remote SSRC seen). */
  sendRemb(bitrate: number): void {
    if (!this.dtlsUp || !(bitrate >= 0)) return;
    const ssrcs: number[] = [];
    let sender = 1;
    for (const st of this.mids.values()) {
      ssrcs.push(...st.remoteSsrcs);
      sender = st.transceiver.sender.ssrc;
    }
    if (ssrcs.length === 0) return;
    this.sendRawRtcp(buildRemb(sender, bitrate, ssrcs));
  }

  /** Sends a data channel message; creates the channel (in-band) when no channel has that label. */
  sendData(label: string | undefined, data: Buffer | string, binary = Buffer.isBuffer(data)): boolean {
    const pc = this.pc;
    if (!pc || !this.dtlsUp || !pc.sctpTransport) return false;
    const payload = binary ? (Buffer.isBuffer(data) ? data : Buffer.from(data)) : Buffer.isBuffer(data) ? data.toString('utf8') : data;
    let ch = label !== undefined ? this.channels.get(label) : this.channels.values().next().value;
    if (!ch) {
      try {
        ch = pc.createDataChannel(label ?? 'JanusDataChannel');
      } catch (err) {
        this.log('warn', `cannot create data channel '${label}': ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
      this.adoptChannel(ch);
    }
    const channel = ch;
    if (channel.readyState === 'open') return this.trySend(channel, payload);
    if (channel.readyState !== 'connecting') return false;
    channel.stateChanged.subscribe((s) => {
      if (s === 'open') this.trySend(channel, payload);
    });
    return true;
  }

  private trySend(ch: RTCDataChannel, payload: Buffer | string): boolean {
    try {
      ch.send(payload);
      return true;
    } catch (err) {
      this.log('warn', `data channel '${ch.label}' send failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  private sendRawRtcp(buf: Buffer): void {
    const dtls = this.dtlsTransport();
    if (!dtls || dtls.state !== 'connected') return;
    try {
      const enc = dtls.srtcp.encrypt(buf);
      dtls.iceTransport.connection.send(enc).catch(this.onAsyncError);
    } catch (err) {
      this.onAsyncError(err);
    }
  }

  private dtlsTransport(): RTCDtlsTransport | undefined {
    return this.pc?.dtlsTransports[0];
  }

  // ---------------------------------------------------------------------------------------------- teardown

  /**
   * Closes the PeerConnection and frees every socket and timer. Idempotent. Emits `hangup` with `reason`
   * once (unless `notify` is false), then drops all listeners.
   */
  close(reason = 'Close PC', notify = true): void {
    if (this.closed) return;
    this.stateValue = 'closed';
    this.hangupReason = reason;
    this.clearTimers();
    const pc = this.pc;
    this.pc = undefined;
    if (pc) {
      Promise.resolve()
        .then(() => pc.close())
        .catch((err: unknown) => this.log('debug', `werift close failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    for (const t of this.transports) void t.close();
    for (const r of this.relays) void r.close();
    this.channels.clear();
    if (notify) this.emit('hangup', reason);
    this.removeAllListeners();
  }

  /** Why the PeerConnection was closed, once closed. */
  get closeReason(): string | undefined {
    return this.hangupReason;
  }

  // ---------------------------------------------------------------------------------------------- internals

  private log(level: PeerLogLevel, msg: string): void {
    try {
      this.logFn(level, msg);
    } catch {
      // a logger must never break the media path
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PeerConnection closed during negotiation');
  }

  private async openEndpoints(): Promise<readonly GatheredEndpoint[]> {
    const endpoints = selectLocalEndpoints(this.network.host, {
      iceEnforceList: this.options.iceEnforceList,
      iceIgnoreList: this.options.iceIgnoreList,
      ipv6: this.ipv6,
      nat1to1: this.options.nat1to1,
    });
    if (endpoints.length === 0) this.log('error', 'no local address matches the ICE interface policy');
    const out: GatheredEndpoint[] = [];
    for (const ep of endpoints) {
      try {
        const bound = await this.network.openUdp({ what: `ICE on ${ep.iface} ${ep.bind}`, bind: ep.bind, portRange: this.options.rtpPortRange });
        if (this.closed) {
          bound.socket.close();
          break;
        }
        const transport = new UdpIceTransport(bound, (msg) => this.log('warn', msg));
        // Sockets gathered again after an ICE restart join our receive path at once.
        if (this.srtpIn) transport.intercept = (data) => this.fastReceive(data);
        this.transports.push(transport);
        const srflx = this.options.stunServer ? await querySrflx(transport, this.options.stunServer) : undefined;
        if (this.options.stunServer && !srflx) this.log('verbose', `no answer from STUN server ${this.options.stunServer.host}:${this.options.stunServer.port} for ${ep.bind}`);
        if (this.closed) break;
        out.push({ transport, advertise: ep.advertise, srflx });
      } catch (err) {
        this.log('warn', `cannot open an ICE socket on ${ep.bind}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const relay = this.options.turnServer && endpoints.length > 0 && !this.closed ? await this.openRelay(endpoints.map((e) => e.bind)) : undefined;
    if (relay) out.push(relay);
    return out;
  }

  /** Allocates a relayed candidate on the TURN server, from the first local address of the server's family. */
  private async openRelay(binds: readonly string[]): Promise<GatheredEndpoint | undefined> {
    const turn = this.options.turnServer!;
    for (const family of [4, 6] as const) {
      const bind = binds.find((b) => isIP(b) === family || (family === 4 && !isIP(b)));
      if (bind === undefined || (family === 6 && !this.ipv6)) continue;
      const address = await serverAddress(turn.host, family);
      if (!address) continue;
      let relay: TurnRelayTransport | undefined;
      try {
        const link = await this.openTurnLink(turn.transport ?? 'udp', bind, address, turn.port, family);
        relay = new TurnRelayTransport(link, { address, port: turn.port, username: turn.username, password: turn.password }, (msg) => this.log('warn', msg));
        this.relays.push(relay);
        if (this.srtpIn) relay.intercept = (data) => this.fastReceive(data);
        const problem = await relay.allocate();
        if (problem || !relay.relayed || this.closed) {
          if (problem) this.log('warn', `TURN server ${address}:${turn.port}: ${problem}`);
          return undefined;
        }
        this.log('verbose', `relayed candidate ${relay.relayed.address}:${relay.relayed.port} from TURN server ${address}:${turn.port}`);
        for (const ip of this.remoteIps) relay.permit(ip);
        return { transport: relay, advertise: relay.relayed.address, relay: { related: relay.mapped } };
      } catch (err) {
        this.log('warn', `cannot use TURN server ${turn.host}:${turn.port}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }
    return undefined;
  }

  /** The link to the TURN server: a UDP socket of the network layer, or a TCP connection (TLS on top for tls). */
  private async openTurnLink(transport: 'udp' | 'tcp' | 'tls', bind: string, address: string, port: number, family: 4 | 6): Promise<TurnServerLink> {
    if (transport === 'udp') {
      const bound = await this.network.openUdp({ what: `TURN relay on ${bind}`, bind, portRange: this.options.rtpPortRange });
      return new UdpTurnLink(bound, { address, port });
    }
    const socket = await this.network.connectTcp(`TURN server ${address}:${port} (${transport})`, address, port, 3000);
    if (transport === 'tcp') return new StreamTurnLink(socket, family);
    // TLS only hides the signalling from the path; the TURN credentials authenticate us, DTLS protects the media,
    // and a relay's certificate is usually self-made, so it is not checked (as Janus does not).
    const secure = tls.connect({ socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('TLS handshake with the TURN server timed out')), 3000);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    }).catch((err: unknown) => {
      secure.destroy();
      throw err;
    });
    return new StreamTurnLink(secure, family);
  }

  /** Lets the addresses of the offer's own candidates in through our relays. */
  private permitOfferCandidates(plan: OfferPlan): void {
    for (const m of plan.session.media) {
      for (const c of m.candidates) {
        const parsed = parseCandidate(c);
        if (parsed && usableRemoteCandidate(c)) this.permitRemote(parsed.address);
      }
    }
  }

  /** A remote address our relays must let in (ICE-lite: the remote's checks come to the relayed address). */
  private permitRemote(ip: string): void {
    if (this.remoteIps.has(ip) || this.remoteIps.size >= 32) return;
    this.remoteIps.add(ip);
    for (const r of this.relays) r.permit(ip);
  }

  private wirePeerConnection(pc: RTCPeerConnection): void {
    pc.onIceCandidate.subscribe((c) => {
      if (this.closed) return;
      const target = this.bundleMid ?? { mid: '0', index: 0 };
      let ev: LocalCandidateEvent;
      if (!c || !c.candidate) ev = { completed: true };
      else ev = { candidate: c.candidate.startsWith('candidate:') ? c.candidate : `candidate:${c.candidate}`, sdpMid: target.mid, sdpMLineIndex: target.index };
      this.emit('localCandidate', ev);
    });
    pc.iceConnectionStateChange.subscribe((s) => {
      if (this.closed) return;
      this.log('verbose', `ICE state ${s}`);
      if ((s === 'connected' || s === 'completed') && !this.iceConnected) {
        this.iceConnected = true;
        this.onIceConnected();
      } else if (s === 'failed') {
        this.close('ICE failed');
      }
    });
    pc.connectionStateChange.subscribe((s) => {
      if (this.closed) return;
      this.log('verbose', `connection state ${s}`);
      if (s === 'failed') this.close(this.iceConnected ? 'DTLS error' : 'ICE failed');
    });
    pc.onDataChannel.subscribe((ch) => this.adoptChannel(ch));
  }

  private onIceConnected(): void {
    if (this.iceTimer) clearTimeout(this.iceTimer);
    this.iceTimer = undefined;
    // The check that selected the pair was authenticated: consent starts now (RFC 7675 §5.1).
    this.inbound.consentAt = performance.now();
    const dtls = this.dtlsTransport();
    if (!dtls) return;
    this.startTransportCc(dtls);
    dtls.onStateChange.subscribe((s) => {
      if (this.closed) return;
      if (s === 'connected') this.onDtlsUp();
      else if (s === 'failed') this.close('DTLS error');
      else if (s === 'closed' && this.dtlsUp) this.close('DTLS alert');
    });
    if (dtls.state === 'connected') this.onDtlsUp();
    else {
      const ms = this.options.dtlsTimeoutMs ?? 20_000;
      this.dtlsTimer = setTimeout(() => {
        if (!this.dtlsUp) this.close('DTLS timeout');
      }, ms);
      this.dtlsTimer.unref();
    }
  }

  private onDtlsUp(): void {
    if (this.dtlsUp || this.closed) return;
    this.dtlsUp = true;
    const dtls = this.dtlsTransport();
    if (dtls) {
      guardRtcpDecryption(dtls, (plain) => this.inbound.admitDecryptedRtcp(plain));
      guardDtlsApplicationData(dtls, (packet) => this.inbound.admitSctp(packet));
    }
    if (this.dtlsTimer) clearTimeout(this.dtlsTimer);
    this.dtlsTimer = undefined;
    this.stateValue = 'up';
    this.setUpFastSender();
    this.setUpFastReceiver();
    this.connectTimeMs = Math.round(performance.now() - this.startedAt);
    this.log('info', `WebRTC up in ${this.connectTimeMs} ms`);
    this.emit('webrtcup');
  }

  /**
   * Our own outbound RTP path (see rtp-out-stream.ts and srtp/): used when the negotiated SRTP profile is one we
   * implement; otherwise werift's sender keeps the job.
   */
  private setUpFastSender(): void {
    const dtls = this.dtlsTransport();
    if (!dtls) return;
    try {
      const master = localSrtpMaster(dtls);
      if (!master) {
        this.log('verbose', 'SRTP profile not handled by the fast sender; using the stack\'s sender');
        return;
      }
      this.srtpOut = new SrtpRtpProtector(deriveSessionKeys(master.profile, master.key, master.salt));
      this.dtlsUsed = dtls;
      this.srtpProfileName = srtpProfileName(master.profile);
      this.log('verbose', `outbound RTP through the fast sender (${this.srtpProfileName})`);
      for (const st of this.mids.values()) {
        const codec = st.transceiver.sender.codec;
        if (!codec) continue;
        st.out = new RtpOutStream(st.transceiver.sender.ssrc, codec.payloadType, codec.clockRate, st.kind === 'video');
      }
    } catch (err) {
      this.srtpOut = undefined;
      this.log('warn', `fast sender unavailable, using the stack's sender: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Our own inbound RTP path: media datagrams of SSRCs werift has already routed once are decrypted
   * in place by our SRTP context (with a replay window), counted for our receiver reports and NACKs, and handed to
   * the plugin without werift's parse/clone pipeline. RTCP, RTX and SSRCs not seen yet still go through werift.
   */
  private setUpFastReceiver(): void {
    const dtls = this.dtlsTransport();
    if (!dtls || this.options.ownReceivePath === false) return;
    try {
      const master = remoteSrtpMaster(dtls);
      if (!master) return;
      this.srtpIn = new SrtpRtpUnprotector(deriveSessionKeys(master.profile, master.key, master.salt), 10);
    } catch (err) {
      this.log('warn', `own receive path unavailable: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const intercept = (data: Buffer): boolean => this.fastReceive(data);
    for (const t of this.transports) t.intercept = intercept;
    for (const r of this.relays) r.intercept = intercept;
    this.log('verbose', `inbound RTP through our own receive path (${srtpProfileName(this.srtpIn.keys.profile)})`);
  }

  /** Takes a media datagram of a known SSRC; false leaves it to werift (RTCP, DTLS, STUN, unknown SSRCs). */
  private fastReceive(data: Buffer): boolean {
    const srtp = this.srtpIn;
    if (!srtp || this.closed || data.length < RTP_MIN || data[0] >> 6 !== 2) return false;
    const pt = data[1] & 0x7f;
    if (pt >= 64 && pt <= 95) return false; // RTCP
    const f = this.fastIn.get(data.readUInt32BE(8));
    if (!f) return false;
    const plain = srtp.unprotect(data, true);
    if (typeof plain === 'string') {
      this.inboundRefused++;
      return true;
    }
    if (plain[0] & 0x20 && rtpPacketProblem(plain)) {
      this.inboundRefused++;
      return true;
    }
    const seq = (plain[2] << 8) | plain[3];
    const now = performance.now();
    const recorder = this.twcc;
    if (recorder && plain[0] & 0x10) {
      const twSeq = transportSequenceOf(plain, this.twccExtId);
      if (twSeq >= 0) recorder.onPacket(twSeq, now * 1000);
    }
    if (f.stats.onPacket(seq, plain.readUInt32BE(4), now)) this.sendNacks(f, now);
    const st = f.st;
    st.monitor.onPacket(seq);
    if (this.hasListeners('rtp')) this.emit('rtp', f.info, plain);
    return true;
  }

  /** Takes over an SSRC werift just routed to `info` (its first packet went the slow way). */
  private adoptInbound(st: MidState, info: RtpTrackInfo, ssrc: number): void {
    if (this.fastIn.has(ssrc) || this.fastIn.size >= 32) return;
    this.fastIn.set(ssrc, { st, info, stats: new RtpInStream(ssrc, st.clockRate, st.nack) });
    forgetReceiverStream(st.transceiver.receiver, ssrc);
    // Only a peer that sends us media needs our feedback (a Streaming viewer never starts this timer).
    if (!this.feedbackTimer && !this.closed) {
      this.feedbackTimer = setInterval(() => this.sendReceiverFeedback(), 20);
      this.feedbackTimer.unref();
    }
  }

  private sendNacks(f: FastInbound, now: number): void {
    const seqs = this.nackScratch;
    seqs.length = 0;
    f.stats.due(now, seqs);
    if (seqs.length > 0) this.sendRawRtcp(buildNack(this.feedbackSsrc(), f.stats.ssrc, seqs));
  }

  /** NACK retries every 20 ms, receiver reports every second, for the SSRCs our receive path handles. */
  private sendReceiverFeedback(): void {
    if (this.closed || !this.dtlsUp || this.fastIn.size === 0) return;
    const now = performance.now();
    for (const f of this.fastIn.values()) if (f.stats.waiting > 0) this.sendNacks(f, now);
    if (now - this.lastRrAt < RR_INTERVAL_MS) return;
    this.lastRrAt = now;
    const streams = [...this.fastIn.values()].filter((f) => f.stats.received > 0);
    if (streams.length > 0) this.sendRawRtcp(buildReceiverReport(this.feedbackSsrc(), streams.length, (b, at, i) => streams[i].stats.writeReportBlock(b, at, now)));
  }

  /** The SSRC our feedback is sent from: our first sender's (werift's receivers do the same). */
  private feedbackSsrc(): number {
    for (const st of this.mids.values()) return st.transceiver.sender.ssrc;
    return 1;
  }

  /** Sender Reports for the streams our fast path sends (werift's sender sends its own otherwise). */
  private sendSenderReports(now: number): void {
    if (!this.srtpOut) return;
    for (const st of this.mids.values()) {
      const out = st.out;
      if (!out || out.packets === 0 || now - st.lastSrAt < SR_INTERVAL_MS) continue;
      st.lastSrAt = now;
      this.sendRawRtcp(buildSenderReport(out.ssrc, Date.now(), out.timestampAt(now), out.packets, out.octets, senderCname(st.transceiver.sender)));
    }
  }

  /** Resends what a receiver NACKed, from the fast path's history. */
  private answerNack(st: MidState, rtcp: Buffer): void {
    const out = st.out;
    if (!out || !this.dtlsUsed) return;
    const path = (this.path = selectedPath(this.dtlsUsed, this.path));
    if (!path) return;
    const now = performance.now();
    for (const seq of nackedSequences(rtcp, out.ssrc)) {
      const packet = out.recall(seq, now);
      if (packet) path.transport.sendChecked(packet, path.port, path.host);
    }
  }

  private armConnectTimers(): void {
    const iceMs = this.options.iceTimeoutMs ?? 30_000;
    this.iceTimer = setTimeout(() => {
      if (!this.iceConnected) this.close('ICE failed');
    }, iceMs);
    this.iceTimer.unref();
    const tickMs = Math.min(250, Math.max(25, Math.floor(this.noMediaMs / 4)));
    this.tickTimer = setInterval(() => this.tick(), tickMs);
    this.tickTimer.unref();
  }

  private tick(): void {
    if (this.closed) return;
    const now = performance.now();
    for (const st of this.mids.values()) {
      st.monitor.tick(now);
      st.out?.prune(now);
    }
    this.sendSenderReports(now);
    // Consent freshness (RFC 7675): the selected pair must keep proving, with our ICE credentials, that the peer
    // wants our media (ICE-lite: its authenticated checks; full ICE: authenticated answers to ours). Other
    // datagrams, media included, prove nothing: anyone can send them from anywhere.
    const consentAt = this.inbound.consentAt;
    if (this.iceConnected && consentAt > 0 && now - consentAt > (this.options.iceIdleTimeoutMs ?? 30_000)) {
      this.log('warn', `no consent from the selected ICE pair for ${Math.round((now - consentAt) / 1000)} s`);
      this.close('ICE failed');
    }
  }

  /** Records every decrypted RTP packet's transport-wide number and reports arrivals every 50 ms. */
  private startTransportCc(dtls: RTCDtlsTransport): void {
    const id = this.twccExtId;
    if (id === 0 || this.twcc) return;
    const recorder = (this.twcc = new TransportCcRecorder());
    dtls.onRtp.subscribe((rtp) => {
      if (this.closed) return;
      const exts = rtp.header.extensions;
      for (let i = 0; i < exts.length; i++) {
        const e = exts[i];
        if (e.id === id) {
          if (e.payload.length >= 2) recorder.onPacket((e.payload[0] << 8) | e.payload[1], performance.now() * 1000);
          return;
        }
      }
    });
    this.twccTimer = setInterval(() => {
      if (!this.dtlsUp || !recorder.pending) return;
      let media = 0;
      for (const st of this.mids.values()) if (st.remoteSsrcs.length > 0) media = st.remoteSsrcs[0];
      for (const fb of recorder.takeFeedback(1, media)) this.sendRawRtcp(fb);
    }, TWCC_INTERVAL_MS);
    this.twccTimer.unref();
  }

  private clearTimers(): void {
    if (this.twccTimer) clearInterval(this.twccTimer);
    if (this.feedbackTimer) clearInterval(this.feedbackTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.iceTimer) clearTimeout(this.iceTimer);
    if (this.dtlsTimer) clearTimeout(this.dtlsTimer);
    this.tickTimer = this.iceTimer = this.dtlsTimer = this.twccTimer = this.feedbackTimer = undefined;
  }

  private adoptTransceiver(t: RTCRtpTransceiver, plan: OfferPlan): void {
    const planned = plan.media.find((p) => p.mid === t.mid);
    if (!planned || !planned.accepted || (planned.kind !== 'audio' && planned.kind !== 'video')) return;
    const c = planned.codec;
    this.registerMid(t, planned.mid, planned.kind, planned.index, planned.rids, c?.name.toLowerCase(), c ? { clockRate: c.clockRate, nack: c.rtcpFb.includes('nack') } : undefined);
  }

  private registerMid(t: RTCRtpTransceiver, mid: string, kind: RtpKind, index: number, rids: readonly string[] = [], codec?: string, feedback?: { clockRate: number; nack: boolean }): void {
    if (this.mids.has(mid)) return;
    const monitor = new TrackMonitor(this.noMediaMs, this.slowlinkThreshold, {
      media: (receiving) => this.emit('media', { mid, type: kind, receiving }),
      slowlink: (uplink, lost) => this.emit('slowlink', { mid, media: kind, uplink, lost }),
    });
    const st: MidState = {
      mid,
      kind,
      index,
      transceiver: t,
      info: codec ? { mid, kind, codec } : { mid, kind },
      ridInfo: new Map(),
      rids,
      layerBySsrc: new Map(),
      monitor,
      remoteSsrcs: [],
      keyframeWantedAt: -1,
      lastSsrc: -1,
      lastOutSsrc: -1,
      restartPending: false,
      out: undefined,
      lastSrAt: 0,
      clockRate: feedback?.clockRate ?? (kind === 'video' ? 90000 : 48000),
      nack: feedback?.nack ?? kind === 'video',
    };
    this.mids.set(mid, st);
    const seen = new WeakSet<MediaStreamTrack>();
    const adoptTrack = (track: MediaStreamTrack): void => {
      if (seen.has(track)) return;
      seen.add(track);
      let info = st.info;
      if (track.rid) {
        info = { mid, kind, rid: track.rid, substream: substreamOf(track.rid, rids), codec };
        st.ridInfo.set(track.rid, info);
      }
      track.onReceiveRtp.subscribe((rtp) => this.onRtp(st, info, rtp));
    };
    t.onTrack.subscribe((track) => adoptTrack(track));
    // The default (non-simulcast) track is announced on the PeerConnection only; it exists from the start.
    adoptTrack(t.receiver.track);
    t.receiver.onRtcp.subscribe((p) => this.onRtcp(st, p));
    t.sender.onRtcp.subscribe((p) => this.onRtcp(st, p));
  }

  private onRtp(st: MidState, info: RtpTrackInfo, rtp: RtpPacket): void {
    if (this.closed) return;
    const header = rtp.header;
    if (header.ssrc !== st.lastSsrc) {
      st.lastSsrc = header.ssrc;
      if (!st.remoteSsrcs.includes(header.ssrc) && st.remoteSsrcs.length < 16) {
        st.remoteSsrcs.push(header.ssrc);
        // Asked for before this sender was known (a subscriber came first): ask it now. Simulcast layers arrive
        // within moments of each other, so the wish holds for a while.
        if (st.keyframeWantedAt >= 0 && performance.now() - st.keyframeWantedAt < 2000) this.sendRawRtcp(buildPli(1, header.ssrc));
      }
    }
    st.monitor.onPacket(header.sequenceNumber);
    if (st.rids.length > 0) {
      // Simulcast: a packet the stack could not tie to a rid (none in its header yet) is only usable once its
      // SSRC is known to carry a layer; forwarding it unlabelled would mix layers on the way out.
      if (info.rid !== undefined) {
        if (!st.layerBySsrc.has(header.ssrc) && st.layerBySsrc.size < 16) st.layerBySsrc.set(header.ssrc, info);
      } else {
        const known = st.layerBySsrc.get(header.ssrc);
        if (!known) return;
        info = known;
      }
    }
    const fast = this.fastIn.get(header.ssrc);
    // A retransmission (RTX, unwrapped by werift) of a stream our path handles: it is no longer missing.
    if (fast) fast.stats.onPacket(header.sequenceNumber, header.timestamp, performance.now());
    else if (this.srtpIn && (st.rids.length === 0 || info.rid !== undefined)) this.adoptInbound(st, info, header.ssrc);
    if (!this.hasListeners('rtp')) return;
    let buf = rawRtpOf(rtp);
    if (!buf) {
      try {
        buf = rtp.serialize();
      } catch {
        return;
      }
    }
    this.emit('rtp', info, buf);
  }

  private onRtcp(st: MidState, packet: RtcpPacket): void {
    if (this.closed) return;
    let buf: Buffer;
    try {
      buf = packet.serialize();
    } catch {
      return;
    }
    const summary = summarizeRtcp(buf);
    const sr = summary?.senderReport;
    if (sr) this.fastIn.get(sr.ssrc)?.stats.onSenderReport(sr.ntpMiddle, performance.now());
    if (summary && summary.nacked > 0) {
      st.monitor.onRemoteLoss(summary.nacked);
      this.answerNack(st, buf);
    }
    this.emit('rtcp', st.info, buf);
  }

  private adoptChannel(ch: RTCDataChannel): void {
    if (this.channels.has(ch.label)) return;
    this.channels.set(ch.label, ch);
    ch.onMessage.subscribe((data) => {
      if (this.closed) return;
      const msg: DataMessage = { label: ch.label, data, binary: Buffer.isBuffer(data) };
      this.emit('data', msg);
    });
    ch.stateChanged.subscribe((s) => {
      if (s === 'closed' && this.channels.get(ch.label) === ch) this.channels.delete(ch.label);
    });
  }
}

/**
 * The simulcast layer of a rid, 0 being the lowest quality: the names janus.js and others use say it (h/m/l,
 * f/h/q); otherwise the offer's order, highest first as browsers list them.
 */
export function substreamOf(rid: string, rids: readonly string[]): number {
  // Two naming habits: high/medium/low, and full/half/quarter. Ranks go up with quality.
  const schemes: ReadonlyArray<Record<string, number>> = [{ l: 0, m: 1, h: 2 }, { q: 0, h: 1, f: 2 }];
  for (const rank of schemes) {
    if (rids.length > 1 && rids.every((r) => r in rank)) {
      return [...rids].sort((a, b) => rank[a] - rank[b]).indexOf(rid);
    }
  }
  const at = rids.indexOf(rid);
  return at < 0 ? 0 : rids.length - 1 - at;
}

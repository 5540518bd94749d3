// The core's view of a handle's PeerConnection (core/media-port.ts), implemented with WebRtcPeer.
import type { HandleMedia, HandleMediaEvents, HandleMediaOptions, MediaFactory, OutgoingPacketTap, RemoteCandidate } from '../core/media-port.js';
import type { MediaCounters } from '../core/media-counters.js';
import type { JsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import type { AnswerOptions, Jsep, MediaLink, NegotiatedMedia, OfferTrack, PluginHandle, RelayGroup } from '../plugins/plugin.js';
import type { PeerLogLevel, WebRtcPeerOptions } from './peer-types.js';
import { parseSdp, SdpError } from './sdp.js';
import { WebRtcPeer } from './werift/peer.js';
import { MediaRelayGroup } from './relay-group.js';
import { selectLocalEndpoints } from './local-addresses.js';
import type { SharedIcePorts, SharedTcpStatus } from './shared-ice-ports.js';

export type WebRtcSettings = Omit<WebRtcPeerOptions, 'log'>;

function logTo(log: Logger): (level: PeerLogLevel, msg: string) => void {
  return (level, msg) => {
    switch (level) {
      case 'error':
        log.error(msg);
        break;
      case 'warn':
        log.warn(msg);
        break;
      case 'info':
        log.info(msg);
        break;
      case 'verbose':
        log.verbose(msg);
        break;
      default:
        log.debug(msg);
    }
  };
}

/**
 * Negotiation and state of a handle's peer in the core's terms (Jsep, plugin track kinds, Admin info). The relay
 * verbs do not pass here: `link` is the peer itself.
 */
class PeerHandleMedia implements HandleMedia {
  private readonly peer: WebRtcPeer;
  readonly link: MediaLink;

  constructor(settings: WebRtcSettings, events: HandleMediaEvents, log: Logger) {
    this.peer = new WebRtcPeer({ ...settings, log: logTo(log.child({ component: 'webrtc' })) }, events);
    this.link = this.peer;
  }

  async answerOffer(offer: Jsep, options: AnswerOptions): Promise<Jsep> {
    const sdp = await this.peer.acceptOffer(offer.sdp, {
      audio: options.audio,
      video: options.video,
      data: options.data,
      direction: options.direction,
      newStreams: options.newStreams,
      audioCodecs: options.audioCodec ? [options.audioCodec] : options.audioCodecs,
      videoCodecs: options.videoCodec ? [options.videoCodec] : options.videoCodecs,
    });
    return { type: 'answer', sdp };
  }

  async createOffer(tracks: readonly OfferTrack[]): Promise<Jsep> {
    const sdp = await this.peer.createOffer(
      tracks.map((t) => ({
        kind: t.kind === 'data' ? 'application' : t.kind,
        mid: t.mid,
        codec: t.codec,
        pt: t.pt,
        fmtp: t.fmtp,
        clockRate: t.clockRate,
        channels: t.channels,
        active: t.active,
        direction: t.direction,
      })),
    );
    return { type: 'offer', sdp };
  }

  negotiatedMedia(): readonly NegotiatedMedia[] {
    return this.peer.negotiated.map((m) => ({ ...m, kind: m.kind === 'application' ? 'data' : m.kind }));
  }

  async restartIce(): Promise<Jsep> {
    return { type: 'offer', sdp: await this.peer.restartIceOffer() };
  }

  async acceptAnswer(answer: Jsep): Promise<void> {
    await this.peer.acceptAnswer(answer.sdp);
  }

  addRemoteCandidate(candidate: RemoteCandidate): void {
    if (candidate.completed === true) this.peer.addRemoteCandidate({ completed: true });
    else this.peer.addRemoteCandidate({ candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
  }

  get state(): string {
    return this.peer.state;
  }

  counters(into?: MediaCounters): MediaCounters {
    return this.peer.counters(into);
  }

  close(): void {
    // The core closes us from its own hangup path and emits the hangup event itself.
    this.peer.close('Close PC', false);
  }

  setOutgoingTap(tap: OutgoingPacketTap | undefined): void {
    this.peer.setOutgoingTap(tap);
  }

  eventStats(): readonly JsonObject[] {
    return this.peer.state === 'up' ? this.peer.eventStats() : [];
  }

  info(): JsonObject {
    const out: JsonObject = {
      state: this.peer.state,
      tracks: this.peer.tracks.map((t) => ({ mid: t.mid, type: t.kind })),
      local_ports: this.peer.localPorts.map((p) => ({ address: p.address, port: p.port })),
    };
    if (this.peer.connectTimeMs !== undefined) out.connect_time_ms = this.peer.connectTimeMs;
    // Which outbound RTP path is in use: our own (in-place rewrite + reused SRTP context) or the stack's.
    if (this.peer.state === 'up') out.rtp_sender = this.peer.srtpProfileName ? `portunus (${this.peer.srtpProfileName})` : 'stack';
    if (this.peer.closeReason !== undefined) out.close_reason = this.peer.closeReason;
    if (this.peer.state === 'up') Object.assign(out, this.peer.stats());
    // Refused datagrams (malformed, unauthenticated checks, DTLS/SRTP from other addresses), also before media is up.
    const dropped = this.peer.inboundDropped;
    if (dropped && out.inbound_dropped === undefined) out.inbound_dropped = dropped;
    return out;
  }
}

/** Creates one WebRtcPeer per handle with the server's WebRTC settings. */
export class WebRtcMediaFactory implements MediaFactory {
  /** The relay groups not closed yet (for get_status). */
  private readonly relayGroups = new Set<MediaRelayGroup>();
  constructor(
    private readonly settings: WebRtcSettings,
    private readonly sharedPorts?: SharedIcePorts,
  ) {}

  async start(): Promise<void> {
    const shared = this.sharedPorts;
    if (!shared) return;
    // Bound at start, so that a port in use is said now and not at the first call.
    const s = this.settings;
    const endpoints = selectLocalEndpoints(s.network.host, { iceEnforceList: s.iceEnforceList, iceIgnoreList: s.iceIgnoreList, ipv6: s.ipv6 ?? s.network.host.ipv6Available, nat1to1: s.nat1to1 });
    await Promise.all(endpoints.map((ep) => shared.portOn(ep.bind)));
  }

  async close(): Promise<void> {
    await this.sharedPorts?.close();
  }

  status(): JsonObject {
    return { ...this.sharedPortStatus(), relay_groups: this.relayGroupStatus() };
  }

  /** The fan-out groups: how many, their members, how many of those are sent to natively, what the addon sent. */
  private relayGroupStatus(): JsonObject {
    const total = { groups: 0, members: 0, native_members: 0, sent: 0, dropped: 0, failed: 0 };
    for (const g of this.relayGroups) {
      const s = g.stats();
      total.groups++;
      total.members += s.members;
      total.native_members += s.native;
      total.sent += s.sent;
      total.dropped += s.dropped;
      total.failed += s.failed;
    }
    return total;
  }

  private sharedPortStatus(): JsonObject {
    const shared = this.sharedPorts?.status();
    if (!shared) return { single_port: 0 };
    const sockets = shared.sockets.map((p) => ({
      address: p.address,
      port: p.port,
      endpoints: p.endpoints,
      routed: p.routed,
      dropped: { ...p.dropped },
      ...(p.recvBuffer !== undefined && p.sendBuffer !== undefined ? { recv_buffer: p.recvBuffer, send_buffer: p.sendBuffer } : {}),
      sent_batched: p.sentBatched,
      sent_singly: p.sentSingly,
      ...(p.receivedBatched ? { received_batched: p.receivedBatched.datagrams, receive_batches: p.receivedBatched.batches, dropped_oversized: p.receivedBatched.oversized } : {}),
      ...(p.tcp ? { tcp: tcpStatusJson(p.tcp) } : {}),
    }));
    const t = shared.sendThreads;
    const sendThreads = t ? { threads: t.threads, queued: t.queued, sent: t.sent, dropped_full: t.droppedFull, dropped_error: t.droppedError } : { threads: 0 };
    return { single_port: { port: shared.port, sockets, send_threads: sendThreads } };
  }

  create(events: HandleMediaEvents, log: Logger, options?: HandleMediaOptions): HandleMedia {
    // A handle that names its port range gets sockets of its own there, not the shared port.
    const settings = options?.portRange ? { ...this.settings, rtpPortRange: options.portRange, sharedPorts: undefined } : this.settings;
    return new PeerHandleMedia(settings, events, log);
  }

  createRelayGroup(linkOf: (handle: PluginHandle) => MediaLink | undefined): RelayGroup {
    const group = new MediaRelayGroup(linkOf, (g) => this.relayGroups.delete(g));
    this.relayGroups.add(group);
    return group;
  }

  checkSdp(sdp: string): string | undefined {
    try {
      const s = parseSdp(sdp);
      if (s.media.length === 0) return 'SDP has no m-lines';
      return undefined;
    } catch (err) {
      return err instanceof SdpError ? err.message : String(err);
    }
  }
}

/** The ICE-TCP port beside a shared UDP one, for Admin get_status. */
function tcpStatusJson(t: SharedTcpStatus): JsonObject {
  return { port: t.port, endpoints: t.endpoints, accepted: t.accepted, proven: t.proven, open: t.open, pending: t.pending, routed: t.routed, refused: { ...t.refused }, dropped: t.dropped };
}

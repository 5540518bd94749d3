// The inbound RTP/RTCP path of one peer. werift routes each remote SSRC's first packets (and RTX); once an
// SSRC is known and SRTP is AES-CM, its datagrams are decrypted in place by our own context (with a replay
// window), counted for our receiver reports and NACKs, and handed to the core without werift's parse/clone.
// RTCP takes our path too once it is up (native SRTCP): a few packets a second per peer, but werift's parse and
// routing of each cost more than a hundred RTP packets on ours.
import type { RtcpPacket, RtpPacket } from 'werift';
import { errorText } from '../../logging/error-text.js';
import { rtpPacketProblem } from '../../rtp/packet-check.js';
import { rtcpRoute, splitRtcpCompound } from '../../rtp/rtcp-route.js';
import type { NativeSrtcpOpener } from '../../rtp/srtp/native-srtcp-opener.js';
import { buildPli, roundTrip, RTCP_RR, summarizeRtcp, type ReportBlock } from '../../rtp/rtcp.js';
import { deriveSessionKeys, srtpProfileName } from '../../rtp/srtp/srtp-keys.js';
import { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import type { RtpTrackInfo } from '../peer-types.js';
import { RtpInStream } from '../rtp-in-stream.js';
import type { MidPacketSink, MidState } from './mid-state.js';
import type { PeerContext } from './peer-context.js';
import { ReceiverFeedback, type FastInbound } from './receiver-feedback.js';
import type { RtpSendPath } from './rtp-send-path.js';
import { forgetReceiverStream, nativeSrtcpOpener, rawRtpOf, remoteSrtpMaster } from './srtp-access.js';

const RTP_MIN = 12;
/** Bounds on what one peer keeps per remote sender. */
const MAX_FAST_SSRCS = 32;
const MAX_SSRCS_PER_MID = 16;
/** A keyframe asked for before the sender was known still holds this long (simulcast layers arrive apart). */
const KEYFRAME_WISH_MS = 2000;

export class RtpReceivePath implements MidPacketSink {
  /** Our SRTP context once it took over; undefined: everything goes through werift. */
  private srtp: SrtpRtpUnprotector | undefined;
  /** Our native SRTCP decryption, once our path is up; undefined: werift keeps the peer's RTCP. */
  private srtcp: NativeSrtcpOpener | undefined;
  private readonly fast = new Map<number, FastInbound>();
  readonly feedback: ReceiverFeedback;
  /** Datagrams our receive path dropped (failed SRTP, replays, malformed). */
  refused = 0;
  /** Given to every ICE socket once our path is up: takes a datagram, or returns false to leave it to werift. */
  readonly intercept: (data: Buffer) => boolean;

  constructor(
    private readonly ctx: PeerContext,
    private readonly sender: RtpSendPath,
  ) {
    this.feedback = new ReceiverFeedback(ctx, this.fast);
    this.intercept = (data) => this.receive(data);
  }

  /** Whether our own path decrypts (sockets opened later must then be given `intercept`). */
  get active(): boolean {
    return this.srtp !== undefined;
  }

  get profileName(): string | undefined {
    return this.srtp ? srtpProfileName(this.srtp.keys.profile) : undefined;
  }

  /** Our own SRTP context for the remote's media, once DTLS is up; false when werift keeps the job. */
  setUp(): boolean {
    const ctx = this.ctx;
    const dtls = ctx.dtlsTransport();
    if (!dtls || ctx.options.ownReceivePath === false) return false;
    try {
      const master = remoteSrtpMaster(dtls);
      if (!master) return false;
      this.srtp = new SrtpRtpUnprotector(deriveSessionKeys(master.profile, master.key, master.salt), 10);
      this.srtcp = nativeSrtcpOpener(dtls);
    } catch (err) {
      ctx.log('warn', `own receive path unavailable: ${errorText(err)}`);
      return false;
    }
    ctx.log('verbose', `inbound RTP through our own receive path (${this.profileName})`);
    return true;
  }

  /** Adds what our path's streams on `st` asked again for (NACKs) and found missing to `into`. */
  addFeedbackTotals(st: MidState, into: { nacksSent: number; lost: number }): void {
    for (const f of this.fast.values()) {
      if (f.st !== st) continue;
      into.nacksSent += f.stats.nacked;
      into.lost += f.stats.lost;
    }
  }

  /** Per-stream counters of what our path received on `st`, for Admin `handle_info`. */
  streamStats(st: MidState): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const f of this.fast.values()) {
      if (f.st === st) out.push({ ssrc: f.stats.ssrc, rid: f.info.rid, packets: f.stats.received, lost: f.stats.lost, jitter: f.stats.jitterUnits, nacks_sent: f.stats.nacked });
    }
    return out;
  }

  /** The reception statistics of each SSRC of `st` our path took over, in the order they arrived. */
  inStreams(st: MidState): RtpInStream[] {
    const out: RtpInStream[] = [];
    for (const f of this.fast.values()) if (f.st === st) out.push(f.stats);
    return out;
  }

  /** Takes a media datagram of a known SSRC; false leaves it to werift (RTCP, DTLS, STUN, unknown SSRCs). */
  private receive(data: Buffer): boolean {
    const srtp = this.srtp;
    const ctx = this.ctx;
    if (!srtp || ctx.closed || data.length < RTP_MIN || data[0] >> 6 !== 2) return false;
    const pt = data[1] & 0x7f;
    if (pt >= 64 && pt <= 95) return this.receiveRtcp(data);
    const f = this.fast.get(data.readUInt32BE(8));
    if (!f) return false;
    const plain = srtp.unprotect(data, true);
    if (typeof plain === 'string') {
      this.refused++;
      return true;
    }
    if (plain[0] & 0x20 && rtpPacketProblem(plain)) {
      this.refused++;
      return true;
    }
    const seq = (plain[2] << 8) | plain[3];
    const now = performance.now();
    this.feedback.onDecrypted(plain, now);
    f.stats.countBytes(plain.length, now);
    if (f.stats.onPacket(seq, plain.readUInt32BE(4), now)) this.feedback.sendNacks(f, now);
    f.st.monitor.onPacket(seq);
    const c = f.st.counters;
    c.packetsReceived++;
    c.bytesReceived += plain.length - RTP_MIN;
    ctx.events.rtp(f.info, plain);
    return true;
  }

  /** The peer's RTCP through our path (false leaves it to werift): decrypted, checked, each packet to its streams. */
  private receiveRtcp(data: Buffer): boolean {
    const srtcp = this.srtcp;
    const ctx = this.ctx;
    if (!srtcp) return false;
    const plain = srtcp.open(data);
    if (!plain) {
      this.refused++;
      return true;
    }
    if (!ctx.inbound.admitDecryptedRtcp(plain)) return true;
    for (const packet of splitRtcpCompound(plain)) {
      const route = rtcpRoute(packet);
      if (!route) continue;
      if (route.remote !== undefined) {
        const st = this.remoteMid(route.remote);
        if (st) this.onRtcpPacket(st, packet);
        continue;
      }
      // As werift routes it: once per stream of ours the packet names (a receiver report may name several).
      let delivered = false;
      for (const ssrc of route.local) {
        const st = this.localMid(ssrc);
        if (!st) continue;
        delivered = true;
        this.onRtcpPacket(st, packet);
      }
      // Feedback about a stream we do not know (an old SSRC): the peer's own stream, when it names one it sends.
      if (!delivered && packet.length >= 8) {
        const st = this.remoteMid(packet.readUInt32BE(4));
        if (st && packet[1] !== RTCP_RR) this.onRtcpPacket(st, packet);
      }
    }
    return true;
  }

  /** The m-line a remote SSRC arrives on. */
  private remoteMid(ssrc: number): MidState | undefined {
    const f = this.fast.get(ssrc);
    if (f) return f.st;
    for (const st of this.ctx.mids.values()) if (st.remoteSsrcs.includes(ssrc)) return st;
    return undefined;
  }

  /** The m-line we send an SSRC on. */
  private localMid(ssrc: number): MidState | undefined {
    for (const st of this.ctx.mids.values()) if (st.transceiver.sender.ssrc === ssrc) return st;
    return undefined;
  }

  /** Takes over an SSRC werift just routed to `info` (its first packet went the slow way). */
  private adopt(st: MidState, info: RtpTrackInfo, ssrc: number): void {
    if (this.fast.has(ssrc) || this.fast.size >= MAX_FAST_SSRCS) return;
    this.fast.set(ssrc, { st, info, stats: new RtpInStream(ssrc, st.clockRate, st.nack) });
    forgetReceiverStream(st.transceiver.receiver, ssrc);
    this.feedback.startReports(st.nack);
  }

  /** A packet werift decrypted and routed to a track of `st`. */
  onRtp(st: MidState, info: RtpTrackInfo, rtp: RtpPacket): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    const header = rtp.header;
    if (header.ssrc !== st.lastSsrc) {
      st.lastSsrc = header.ssrc;
      if (!st.remoteSsrcs.includes(header.ssrc) && st.remoteSsrcs.length < MAX_SSRCS_PER_MID) {
        st.remoteSsrcs.push(header.ssrc);
        ctx.remb.onNewRemoteSsrc();
        // Asked for before this sender was known (a subscriber came first): ask it now.
        if (st.keyframeWantedAt >= 0 && performance.now() - st.keyframeWantedAt < KEYFRAME_WISH_MS) {
          st.counters.plisSent++;
          ctx.sendRawRtcp(buildPli(1, header.ssrc));
        }
      }
    }
    st.monitor.onPacket(header.sequenceNumber);
    if (st.rids.length > 0) {
      // Simulcast: a packet the stack could not tie to a rid (none in its header yet) is only usable once its
      // SSRC is known to carry a layer; forwarding it unlabelled would mix layers on the way out.
      if (info.rid !== undefined) {
        if (!st.layerBySsrc.has(header.ssrc) && st.layerBySsrc.size < MAX_SSRCS_PER_MID) st.layerBySsrc.set(header.ssrc, info);
      } else {
        const known = st.layerBySsrc.get(header.ssrc);
        if (!known) return;
        info = known;
      }
    }
    const fast = this.fast.get(header.ssrc);
    // A retransmission (RTX, unwrapped by werift) of a stream our path handles: it is no longer missing.
    if (fast) fast.stats.onPacket(header.sequenceNumber, header.timestamp, performance.now());
    else if (this.srtp && (st.rids.length === 0 || info.rid !== undefined)) this.adopt(st, info, header.ssrc);
    let buf = rawRtpOf(rtp);
    if (!buf) {
      try {
        buf = rtp.serialize();
      } catch {
        return;
      }
    }
    st.counters.packetsReceived++;
    st.counters.bytesReceived += buf.length - RTP_MIN;
    ctx.events.rtp(info, buf);
  }

  /** Report blocks about one of our streams: the client's loss, jitter and the round trip, for the statistics events. */
  private noteReports(reports: readonly ReportBlock[]): void {
    for (const block of reports) {
      for (const st of this.ctx.mids.values()) {
        if (st.transceiver.sender.ssrc !== block.ssrc) continue;
        const r = (st.remoteReport ??= { lost: 0, jitter: 0, rtt: 0, rttValues: undefined });
        r.lost = block.lost;
        r.jitter = block.jitter;
        const rtt = roundTrip(block.lsr, block.dlsr, Date.now());
        if (rtt) {
          r.rtt = rtt.ms;
          r.rttValues = { ntp: rtt.ntp, lsr: rtt.lsr, dlsr: rtt.dlsr };
        }
      }
    }
  }

  /** RTCP werift decrypted for `st` (before our path is up). */
  onRtcp(st: MidState, packet: RtcpPacket): void {
    if (this.ctx.closed) return;
    let buf: Buffer;
    try {
      buf = packet.serialize();
    } catch {
      return;
    }
    this.onRtcpPacket(st, buf);
  }

  /** One RTCP packet for `st`: sender reports feed our receiver reports, NACKs are answered, all goes on. */
  private onRtcpPacket(st: MidState, buf: Buffer): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    const summary = summarizeRtcp(buf);
    const sr = summary?.senderReport;
    if (sr) this.fast.get(sr.ssrc)?.stats.onSenderReport(sr.ntpMiddle, performance.now());
    if (summary?.reports) this.noteReports(summary.reports);
    if (summary?.keyframeRequest) st.counters.plisReceived++;
    if (summary && summary.nacked > 0) {
      st.counters.nacksReceived += summary.nacked;
      st.monitor.onRemoteLoss(summary.nacked);
      this.sender.answerNack(st, buf);
    }
    ctx.events.rtcp(st.info, buf);
  }
}

// The outbound RTP path of one peer. Ours once SRTP is up with a profile rtp/srtp/ implements: rewrite a copy of
// the packet in place (rtp-out-stream.ts), protect it with one reused SRTP context, one send on the selected pair;
// NACKs are answered from its history and Sender Reports built here. With the native addon all three happen in
// one native call per packet (native-rtp-out-stream.ts), and the RTCP we send (feedback, reports) is SRTCP-protected
// natively too, continuing werift's SRTCP index. Otherwise werift's sender keeps the job.
import { errorText } from '../../logging/error-text.js';
import { buildSenderReport, nackedSequences } from '../../rtp/rtcp.js';
import { deriveSessionKeys, srtpProfileName } from '../../rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../rtp/srtp/srtp-protector.js';
import { NativeSrtpRtpProtector } from '../../rtp/srtp/native-srtp-protector.js';
import { NativeSrtcpProtector, SRTCP_TRAILER_MAX } from '../../rtp/srtp/native-srtcp-protector.js';
import { NativeRtpOutStream } from '../../rtp/native-rtp-out-stream.js';
import { RtpOutStream } from '../rtp-out-stream.js';
import { NativeRelayLane, relayLanes } from '../relay-lane.js';
import { UdpIceTransport } from '../udp-ice-transport.js';
import { TurnRelayTransport } from '../turn-relay.js';
import type { MidState } from './mid-state.js';
import type { PeerContext } from './peer-context.js';
import { localSrtpMaster, selectedPath, senderCname, srtcpIndexCounter, type SelectedPath } from './srtp-access.js';
import type { RTCDtlsTransport } from 'werift';

const SR_INTERVAL_MS = 1000;

export class RtpSendPath {
  /** Outbound SRTP of the fast path, and the candidate pair it sends on (re-read when ICE changes pair). */
  private srtp: SrtpRtpProtector | NativeSrtpRtpProtector | undefined;
  private dtls: RTCDtlsTransport | undefined;
  private path: SelectedPath | undefined;
  private scratch = Buffer.alloc(1500);
  /** Outbound SRTCP in the addon, and the SRTCP index it shares with werift's own RTCP. */
  private srtcp: { protector: NativeSrtcpProtector; nextIndex: (ssrc: number) => number } | undefined;
  private rtcpScratch = Buffer.alloc(1500);
  /** Negotiated SRTP profile when the fast sender is in use. */
  profileName: string | undefined;

  constructor(private readonly ctx: PeerContext) {}

  /** Takes over sending once DTLS is up, when the negotiated SRTP profile is one we implement. */
  setUp(): void {
    const ctx = this.ctx;
    const dtls = ctx.dtlsTransport();
    if (!dtls) return;
    try {
      const master = localSrtpMaster(dtls);
      if (!master) {
        ctx.log('verbose', "SRTP profile not handled by the fast sender; using the stack's sender");
        return;
      }
      // The native transform when the addon is there (same bytes, contexts keyed once), else ours in TypeScript.
      const keys = deriveSessionKeys(master.profile, master.key, master.salt);
      this.srtp = NativeSrtpRtpProtector.create(keys) ?? new SrtpRtpProtector(keys);
      this.dtls = dtls;
      this.profileName = srtpProfileName(master.profile);
      const native = this.srtp instanceof NativeSrtpRtpProtector ? this.srtp.context : undefined;
      const nextIndex = native ? srtcpIndexCounter(dtls) : undefined;
      const srtcp = nextIndex ? NativeSrtcpProtector.create(deriveSessionKeys(master.profile, master.key, master.salt, true)) : undefined;
      if (srtcp && nextIndex) {
        this.srtcp = { protector: srtcp, nextIndex };
        ctx.fastRtcp = (rtcp) => this.sendRtcp(rtcp);
      }
      ctx.log('verbose', `outbound RTP through the fast sender (${this.profileName})${this.srtcp ? ', RTCP through native SRTCP' : ''}`);
      relayLanes.changed();
      for (const st of ctx.mids.values()) {
        const codec = st.transceiver.sender.codec;
        if (!codec) continue;
        const ssrc = st.transceiver.sender.ssrc;
        const history = st.kind === 'video';
        st.out = (native ? NativeRtpOutStream.create(native, ssrc, codec.payloadType, codec.clockRate, history) : undefined) ?? new RtpOutStream(ssrc, codec.payloadType, codec.clockRate, history);
      }
    } catch (err) {
      this.srtp = undefined;
      this.srtcp = undefined;
      ctx.fastRtcp = undefined;
      ctx.log('warn', `fast sender unavailable, using the stack's sender: ${errorText(err)}`);
    }
  }

  /** Sends one RTP packet (header included, unencrypted, version checked) on `st`. */
  send(st: MidState, packet: Buffer): void {
    const out = st.out;
    const srtp = this.srtp;
    if (out instanceof NativeRtpOutStream && this.dtls) {
      // Native: rewrite, protect and keep for NACKs in one call, into a buffer the send copies at once.
      const path = (this.path = selectedPath(this.dtls, this.path));
      if (!path) return;
      if (this.scratch.length < packet.length + 16) this.scratch = Buffer.alloc(packet.length + 16);
      const length = out.sendInto(packet, performance.now(), this.scratch);
      if (length > 0) path.transport.sendCheckedCopy(this.scratch, path.port, path.host, length);
      return;
    }
    if (out instanceof RtpOutStream && srtp && this.dtls) {
      // Fast path: rewrite a copy of the header in place, protect it with our SRTP context, one send.
      const path = (this.path = selectedPath(this.dtls, this.path));
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
    st.counters.stackPacketsSent++;
    st.counters.stackBytesSent += packet.length - 12;
    st.transceiver.sender.sendRtp(packet).catch(this.ctx.onAsyncError);
  }

  /** How a relay group may send `st`'s packets natively now: undefined unless the native stream and a UDP pair are up. */
  lane(st: MidState): NativeRelayLane | undefined {
    const out = st.out;
    if (!(out instanceof NativeRtpOutStream) || !this.dtls) return undefined;
    const path = (this.path = selectedPath(this.dtls, this.path));
    if (!path || !(path.transport instanceof UdpIceTransport)) return undefined;
    const destination = path.transport.nativeDestination(path.host, path.port);
    return destination ? new NativeRelayLane(out, destination) : undefined;
  }

  /**
   * Protects a compound RTCP packet natively and sends it on the selected pair: true when it went (or cannot go
   * yet), false when the stack must send it (no native SRTCP).
   */
  sendRtcp(rtcp: Buffer): boolean {
    const srtcp = this.srtcp;
    if (!srtcp || !this.dtls) return false;
    const path = (this.path = selectedPath(this.dtls, this.path));
    if (!path || rtcp.length < 8) return true;
    if (this.rtcpScratch.length < rtcp.length + SRTCP_TRAILER_MAX) this.rtcpScratch = Buffer.alloc(rtcp.length + SRTCP_TRAILER_MAX);
    const length = srtcp.protector.protectInto(rtcp, srtcp.nextIndex(rtcp.readUInt32BE(4)), this.rtcpScratch);
    if (length > 0) path.transport.sendCheckedCopy(this.rtcpScratch, path.port, path.host, length);
    return true;
  }

  /** Resends what a receiver NACKed, from the fast path's history. */
  answerNack(st: MidState, rtcp: Buffer): void {
    const out = st.out;
    if (!out || !this.dtls) return;
    const path = (this.path = selectedPath(this.dtls, this.path));
    if (!path) return;
    const now = performance.now();
    for (const seq of nackedSequences(rtcp, out.ssrc)) {
      if (out instanceof NativeRtpOutStream) {
        if (this.scratch.length < 1500) this.scratch = Buffer.alloc(1500);
        const length = out.recallInto(seq, now, this.scratch);
        if (length > 0) path.transport.sendCheckedCopy(this.scratch, path.port, path.host, length);
        continue;
      }
      const packet = out.recall(seq, now);
      if (packet) path.transport.sendChecked(packet, path.port, path.host);
    }
  }

  /** Sender Reports for the streams our fast path sends (werift's sender sends its own otherwise). */
  sendSenderReports(now: number): void {
    if (!this.srtp) return;
    for (const st of this.ctx.mids.values()) {
      const out = st.out;
      if (!out || out.packets === 0 || now - st.lastSrAt < SR_INTERVAL_MS) continue;
      st.lastSrAt = now;
      this.ctx.sendRawRtcp(buildSenderReport(out.ssrc, Date.now(), out.timestampAt(now), out.packets, out.octets, senderCname(st.transceiver.sender)));
    }
  }

  /** The candidate pair the fast path sends on, for Admin `handle_info`. */
  selectedPair(): { local: string; remote: string; relayed: boolean; protocol: 'udp' | 'tcp' } | undefined {
    const path = this.dtls ? selectedPath(this.dtls, this.path) : undefined;
    if (!path) return undefined;
    const relayed = path.transport instanceof TurnRelayTransport;
    const protocol = !relayed && path.transport.overTcp ? 'tcp' : 'udp';
    return { local: `${path.transport.host}:${path.transport.port}`, remote: `${path.host}:${path.port}`, relayed, protocol };
  }
}

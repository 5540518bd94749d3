// One negotiated audio/video m-line of a peer: its werift transceiver, what we know of the remote's streams on
// it, and our own sender once SRTP is up. Registering one wires werift's per-track callbacks to the receive path.
import type { MediaStreamTrack, RTCRtpTransceiver, RtcpPacket, RtpPacket } from 'werift';
import type { RtpKind, RtpTrackInfo } from '../peer-types.js';
import type { NativeRtpOutStream } from '../../rtp/native-rtp-out-stream.js';
import type { RtpOutStream } from '../rtp-out-stream.js';
import { substreamOf } from '../simulcast-substream.js';
import { TrackMonitor } from '../track-monitor.js';
import { relayLanes } from '../relay-lane.js';
import type { PeerContext } from './peer-context.js';

export interface MidState {
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
  out: RtpOutStream | NativeRtpOutStream | undefined;
  /** When the last Sender Report went out (performance.now()). */
  lastSrAt: number;
  /** The remote's RTP clock rate on this m-line, and whether it negotiated NACK (our receive path asks). */
  readonly clockRate: number;
  readonly nack: boolean;
  /** What this m-line counted beyond its out-stream's own counters (metrics, handle_info). */
  readonly counters: MidCounters;
  /** What the client's receiver reports last said of what we send on this m-line; undefined before one came. */
  remoteReport: RemoteReport | undefined;
}

/** The client's view of our stream, from its report blocks (Janus's lost-by-remote, jitter-remote, rtt). */
export interface RemoteReport {
  lost: number;
  /** Timestamp units. */
  jitter: number;
  /** ms, from the last block that referred to one of our Sender Reports (0: none yet), and what it came from. */
  rtt: number;
  rttValues: { ntp: number; lsr: number; dlsr: number } | undefined;
}

/** Plain fields the receive and send paths add to per packet (nothing allocated). */
export interface MidCounters {
  /** RTP from the client handed on (either path), and its bytes after the 12-byte fixed header. */
  packetsReceived: number;
  bytesReceived: number;
  /** RTP sent through werift's sender (before our sender took over, or with a profile it does not handle). */
  stackPacketsSent: number;
  stackBytesSent: number;
  /** Sequence numbers the client NACKed, keyframe requests it sent (PLI/FIR), PLIs we sent it. */
  nacksReceived: number;
  plisReceived: number;
  plisSent: number;
}

/** Where werift's per-track packets go (the receive path). */
export interface MidPacketSink {
  onRtp(st: MidState, info: RtpTrackInfo, rtp: RtpPacket): void;
  onRtcp(st: MidState, packet: RtcpPacket): void;
}

export interface MidDescription {
  readonly mid: string;
  readonly kind: RtpKind;
  readonly index: number;
  readonly rids?: readonly string[];
  readonly codec?: string;
  readonly feedback?: { readonly clockRate: number; readonly nack: boolean };
}

/** Adds an m-line to the peer (once per mid) and subscribes to werift's tracks and RTCP on it. */
export function registerMid(ctx: PeerContext, sink: MidPacketSink, t: RTCRtpTransceiver, d: MidDescription): void {
  const { mid, kind, codec } = d;
  if (ctx.mids.has(mid)) return;
  const rids = d.rids ?? [];
  const monitor = new TrackMonitor(ctx.noMediaMs, ctx.slowlinkThreshold, {
    media: (receiving) => ctx.events.mediaState(mid, kind, receiving),
    slowlink: (uplink, lost) => ctx.events.slowLink(mid, kind, uplink, lost),
  });
  const st: MidState = {
    mid,
    kind,
    index: d.index,
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
    clockRate: d.feedback?.clockRate ?? (kind === 'video' ? 90000 : 48000),
    nack: d.feedback?.nack ?? kind === 'video',
    counters: { packetsReceived: 0, bytesReceived: 0, stackPacketsSent: 0, stackBytesSent: 0, nacksReceived: 0, plisReceived: 0, plisSent: 0 },
    remoteReport: undefined,
  };
  ctx.mids.set(mid, st);
  relayLanes.changed();
  const seen = new WeakSet<MediaStreamTrack>();
  const adoptTrack = (track: MediaStreamTrack): void => {
    if (seen.has(track)) return;
    seen.add(track);
    let info = st.info;
    if (track.rid) {
      info = { mid, kind, rid: track.rid, substream: substreamOf(track.rid, rids), codec };
      st.ridInfo.set(track.rid, info);
    }
    track.onReceiveRtp.subscribe((rtp) => sink.onRtp(st, info, rtp));
  };
  t.onTrack.subscribe((track) => adoptTrack(track));
  // The default (non-simulcast) track is announced on the PeerConnection only; it exists from the start.
  adoptTrack(t.receiver.track);
  t.receiver.onRtcp.subscribe((p) => sink.onRtcp(st, p));
  t.sender.onRtcp.subscribe((p) => sink.onRtcp(st, p));
}

// One plain RTP leg of a NoSIP session (audio or video): an RTP socket on an even port and its RTCP socket on
// the next one, as a plain peer expects, opened by the network layer (dual-stack where IPv6 exists, IPv4 where it
// does not). What the browser sends goes to the address and ports the peer's SDP gave, with the payload type the
// peer agreed to and SDES-SRTP when negotiated; what the peer sends from there (symmetric RTP) comes back.
import { BindError, destinationFor, type Network, type UdpEndpoint, type UdpSource } from '../../plugin-api/index.js';
import type { PortRange } from '../../plugin-api/index.js';
import { buildPli, summarizeRtcp } from '../../rtp/rtcp.js';
import type { SdesReceiver, SdesSender } from './sdes.js';

/** What a leg hands back to its session. */
export interface LegEvents {
  /** A decrypted RTP packet from the peer (the buffer is the leg's: valid during the call only). */
  rtpFromPeer(leg: PlainLeg, packet: Buffer): void;
  /** The peer asked for a keyframe (PLI or FIR on the RTCP socket). */
  keyframeFromPeer(leg: PlainLeg): void;
}

export interface PeerAddress {
  readonly address: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

/** Even RTP ports tried before a leg gives up (each attempt is one bind, two when the RTP port is free). */
const PAIR_ATTEMPTS = 64;
const MAX_PACKET = 1500;
/** Room for the largest SRTP tag. */
const TAG_ROOM = 16;

/** Payload types 64-95 are RTCP packet types when RTP and RTCP share a port: never media. */
function looksLikeRtp(b: Buffer): boolean {
  if (b.length < 12 || b[0] >> 6 !== 2) return false;
  const pt = b[1] & 0x7f;
  return pt < 64 || pt > 95;
}

function evenPortsOf(range: PortRange, start: number): number[] {
  const lo = range.min % 2 === 0 ? range.min : range.min + 1;
  const pairs = Math.floor((range.max - 1 - lo) / 2) + 1;
  if (pairs <= 0) return [];
  const first = ((start % pairs) + pairs) % pairs;
  const out: number[] = [];
  for (let i = 0; i < Math.min(pairs, PAIR_ATTEMPTS); i++) out.push(lo + 2 * ((first + i) % pairs));
  return out;
}

/** Opens an RTP/RTCP socket pair (RTP even, RTCP the next port) in the range; rejects with a BindError. */
export async function openPortPair(network: Network, what: string, bind: string | undefined, range: PortRange): Promise<[UdpEndpoint, UdpEndpoint]> {
  let last: unknown = new BindError(what, bind ?? '*', 0, undefined, 'EADDRINUSE', `no free even port pair in ${range.min}-${range.max}`);
  const start = Math.floor(Math.random() * 65536);
  for (const port of evenPortsOf(range, start)) {
    let rtp: UdpEndpoint;
    try {
      rtp = await network.openUdp({ what: `${what} RTP`, bind, port });
    } catch (err) {
      if (!(err instanceof BindError) || (err.code !== 'EADDRINUSE' && err.code !== 'EACCES')) throw err;
      last = err;
      continue;
    }
    try {
      const rtcp = await network.openUdp({ what: `${what} RTCP`, bind, port: port + 1 });
      return [rtp, rtcp];
    } catch (err) {
      await rtp.close();
      if (!(err instanceof BindError) || (err.code !== 'EADDRINUSE' && err.code !== 'EACCES')) throw err;
      last = err;
    }
  }
  throw last;
}

export class PlainLeg {
  /** The browser's mid this leg is bridged to (set once the WebRTC side is negotiated). */
  mid: string | undefined;
  /** A simulcasting browser's first rid: only that layer goes to the peer. */
  baseRid: string | undefined;
  /** The payload type the peer agreed to: what goes out on this leg carries it. */
  sendPt: number | undefined;
  /** The codec of the leg, lower case (for recordings). */
  codec: string | undefined;
  /** False when the peer's m-line says it does not receive (sendonly, inactive). */
  peerReceives = true;
  /** The peer accepts RTCP PLI (its SDP has `rtcp-fb … nack pli` or `ccm fir`). */
  pliSupported = false;
  sender: SdesSender | undefined;
  receiver: SdesReceiver | undefined;
  /** The SSRC the browser sends with on this leg, and the peer's (as last seen). */
  browserSsrc = 0;
  peerSsrc = 0;
  sent = 0;
  received = 0;
  dropped = 0;
  private peer: PeerAddress | undefined;
  private rtpTo = '';
  private rtcpTo = '';
  /** The peer's address as a dual-stack socket reports it (IPv4-mapped), to accept its datagrams only. */
  private fromMapped = '';
  private readonly scratch = Buffer.alloc(MAX_PACKET + TAG_ROOM);
  private readonly protectedOut = Buffer.alloc(MAX_PACKET + TAG_ROOM);
  private roc = 0;
  private highestSeq = -1;
  private closed = false;

  constructor(
    readonly kind: 'audio' | 'video',
    readonly rtp: UdpEndpoint,
    readonly rtcp: UdpEndpoint,
    private readonly owner: LegEvents,
  ) {
    rtp.onMessage((msg, from) => this.fromPeerRtp(msg, from));
    rtcp.onMessage((msg, from) => this.fromPeerRtcp(msg, from));
    // Send failures and ICMP errors (a peer that is not there yet) are the network's to count, not ours to crash on.
    rtp.onError(() => undefined);
    rtcp.onError(() => undefined);
  }

  get localPort(): number {
    return this.rtp.port;
  }

  get connected(): boolean {
    return this.peer !== undefined;
  }

  get remote(): PeerAddress | undefined {
    return this.peer;
  }

  /** Where the peer's SDP says to send; undefined stops sending. */
  connect(peer: PeerAddress | undefined): void {
    this.peer = peer;
    if (!peer) return;
    this.rtpTo = destinationFor(peer.address, this.rtp.family);
    this.rtcpTo = destinationFor(peer.address, this.rtcp.family);
    this.fromMapped = peer.address.includes(':') ? peer.address : `::ffff:${peer.address}`;
  }

  /** Symmetric RTP, as a connected socket would have it: only the peer's address and the port it was told to use. */
  private fromPeer(from: UdpSource, port: number): boolean {
    const p = this.peer;
    return p !== undefined && from.port === port && (from.address === p.address || from.address === this.fromMapped);
  }

  /** An RTP packet from the browser, to the peer (the buffer is lent). */
  sendRtp(packet: Buffer): void {
    const p = this.peer;
    if (this.closed || !p || !this.peerReceives) return;
    if (packet.length < 12 || packet.length > MAX_PACKET) return;
    const out = this.scratch;
    // The WebRTC header extensions (mid, abs-send-time, transport-cc...) were never negotiated with the peer: left out.
    const fixed = 12 + 4 * (packet[0] & 0x0f);
    let len = packet.length;
    if (packet[0] & 0x10) {
      if (fixed + 4 > len) return;
      const block = 4 + 4 * packet.readUInt16BE(fixed + 2);
      if (fixed + block > len) return;
      packet.copy(out, 0, 0, fixed);
      packet.copy(out, fixed, fixed + block, len);
      out[0] &= 0xef;
      len -= block;
    } else {
      if (fixed > len) return;
      packet.copy(out, 0, 0, len);
    }
    if (this.sendPt !== undefined) out[1] = (out[1] & 0x80) | this.sendPt;
    const ssrc = out.readUInt32BE(8);
    const seq = out.readUInt16BE(2);
    if (ssrc !== this.browserSsrc) {
      this.browserSsrc = ssrc;
      this.roc = 0;
      this.highestSeq = -1;
    }
    const s = this.sender;
    if (s) {
      // The rollover counter of what we send: it steps when the sequence number wraps.
      if (this.highestSeq >= 0 && seq < 0x1000 && this.highestSeq > 0xf000) this.roc++;
      if (this.highestSeq < 0 || ((seq - this.highestSeq) & 0xffff) < 0x8000) this.highestSeq = seq;
      const n = s.rtp.protectInto(out, len, this.roc, this.protectedOut);
      if (n < 0) return;
      this.sent++;
      this.rtp.sendPrefix(this.protectedOut, len + s.tagLength, p.rtpPort, this.rtpTo);
      return;
    }
    this.sent++;
    this.rtp.sendPrefix(out, len, p.rtpPort, this.rtpTo);
  }

  /** Asks the peer for a keyframe (an RTCP PLI on its RTCP port). False when it cannot be sent yet. */
  requestKeyframe(): boolean {
    const p = this.peer;
    if (this.closed || !p) return false;
    const pli = buildPli(this.browserSsrc || 1, this.peerSsrc);
    const packet = this.sender ? this.sender.rtcp.protect(pli) : pli;
    if (!packet) return false;
    this.rtcp.send(packet, p.rtcpPort, this.rtcpTo);
    return true;
  }

  private fromPeerRtp(msg: Buffer, from: UdpSource): void {
    if (this.closed || !this.fromPeer(from, this.peer?.rtpPort ?? -1) || !looksLikeRtp(msg)) {
      this.dropped++;
      return;
    }
    let packet = msg;
    if (this.receiver) {
      // The datagram is ours (a fresh buffer per datagram): decrypted in place.
      const r = this.receiver.rtp.unprotect(msg, true);
      if (!Buffer.isBuffer(r)) {
        this.dropped++;
        return;
      }
      packet = r;
    }
    this.received++;
    this.owner.rtpFromPeer(this, packet);
  }

  private fromPeerRtcp(msg: Buffer, from: UdpSource): void {
    if (this.closed || !this.fromPeer(from, this.peer?.rtcpPort ?? -1) || msg.length < 8 || msg[0] >> 6 !== 2) return;
    let rtcp: Buffer | undefined = msg;
    if (this.receiver) {
      // Without the addon SRTCP is not decrypted: the first packet's header is still in the clear.
      rtcp = this.receiver.rtcp ? this.receiver.rtcp.open(msg) : msg.subarray(0, Math.min(msg.length, ((msg.readUInt16BE(2) + 1) * 4) >>> 0));
      if (!rtcp) return;
    }
    const summary = summarizeRtcp(rtcp);
    if (summary?.keyframeRequest) this.owner.keyframeFromPeer(this);
  }

  close(): Promise<void> {
    this.closed = true;
    this.peer = undefined;
    return Promise.all([this.rtp.close(), this.rtcp.close()]).then(() => undefined);
  }
}

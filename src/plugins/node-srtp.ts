// SRTP between the nodes of a cluster (cluster.srtp, docs/cluster.md), shared by the plugins whose media crosses
// nodes: the node that receives a copy picks a fresh AES_CM_128_HMAC_SHA1_80 master key for it and gives it to
// the node that sends (over NATS). Media then goes as SRTP; the RTCP the receiving node sends back (keyframe
// requests) goes as SRTCP under the same master key, and so does the sender's first RTCP (which the receiving
// node latches as the address to send back to): either side drops what does not authenticate. A data
// message is sent behind a 12-byte RTP header of the sender's making, so that it is protected as media is.
import { randomBytes } from 'node:crypto';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../rtp/srtp/srtp-keys.js';
import { SRTCP_TAG_LENGTH, SrtcpProtector } from '../rtp/srtp/srtcp-protector.js';
import { SrtcpUnprotector } from '../rtp/srtp/srtcp-unprotector.js';
import { SrtpRtpProtector } from '../rtp/srtp/srtp-protector.js';
import { SrtpRtpUnprotector } from '../rtp/srtp/srtp-unprotector.js';

const KEY_BYTES = 30; // a 16-byte key and a 14-byte salt

/** A fresh master key, base64, as `srtp_crypto` carries it. */
export function freshNodeKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Whether another node's `srtp_crypto` is a key of the right form (untrusted input). */
export function isNodeKey(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && Buffer.from(v, 'base64').length === KEY_BYTES;
}

function masterOf(key: string, rtcp: boolean) {
  const raw = Buffer.from(key, 'base64');
  return deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, raw.subarray(0, 16), raw.subarray(16), rtcp);
}

/** The sending node's side: media protected, the RTCP back opened. */
export class NodeSrtpSender {
  private readonly rtp: SrtpRtpProtector;
  private readonly rtcp: SrtcpUnprotector;
  private readonly rtcpOut: SrtcpProtector;
  /** RTCP datagrams from the receiving node that did not authenticate (or replayed). */
  refused = 0;
  /** Per SSRC sent: the highest sequence number and the rollover counter. */
  private readonly rolls = new Map<number, { seq: number; roc: number }>();
  /** A data message behind its header, before protection; and each data SSRC's next sequence number. */
  private wrapped = Buffer.alloc(1500);
  private readonly dataSeqs = new Map<number, number>();

  constructor(key: string) {
    this.rtp = new SrtpRtpProtector(masterOf(key, false));
    this.rtcp = new SrtcpUnprotector(masterOf(key, true));
    this.rtcpOut = new SrtcpProtector(masterOf(key, true));
  }

  /** The room `out` needs beyond the packet. */
  get tagLength(): number {
    return this.rtp.tagLength;
  }

  /** Protects the RTP packet `plain[0, len)` into `out`; its length, or -1 for a malformed packet. */
  protectInto(plain: Buffer, len: number, out: Buffer): number {
    if (len < 12) return -1;
    const ssrc = plain.readUInt32BE(8);
    const seq = plain.readUInt16BE(2);
    let roll = this.rolls.get(ssrc);
    if (!roll) this.rolls.set(ssrc, (roll = { seq, roc: 0 }));
    else if (seq < 0x1000 && roll.seq > 0xf000) roll.roc++;
    // A late packet from before a wrap keeps the older counter.
    const roc = seq > 0xf000 && roll.seq < 0x1000 && roll.roc > 0 ? roll.roc - 1 : roll.roc;
    if (roc === roll.roc) roll.seq = seq;
    return this.rtp.protectInto(plain, len, roc, out);
  }

  /** Protects a data message into `out` (at least 12 + its length + tagLength bytes), as RTP of SSRC `ssrc`. */
  protectData(message: Buffer, ssrc: number, out: Buffer): number {
    const len = 12 + message.length;
    if (this.wrapped.length < len) this.wrapped = Buffer.alloc(len);
    const seq = this.dataSeqs.get(ssrc) ?? 0;
    this.dataSeqs.set(ssrc, (seq + 1) & 0xffff);
    const w = this.wrapped;
    w[0] = 0x80;
    w[1] = 1;
    w.writeUInt16BE(seq, 2);
    w.writeUInt32BE(0, 4);
    w.writeUInt32BE(ssrc >>> 0, 8);
    message.copy(w, 12);
    return this.protectInto(w, len, out);
  }

  /** The RTCP inside an SRTCP packet from the receiving node, or undefined when it does not authenticate. */
  openRtcp(srtcp: Buffer): Buffer | undefined {
    const r = this.rtcp.unprotect(srtcp);
    if (!r) this.refused++;
    return r;
  }

  /** The SRTCP packet for RTCP sent to the receiving node (the first one opens its RTCP path back). */
  protectRtcp(rtcp: Buffer): Buffer | undefined {
    return this.rtcpOut.protect(rtcp);
  }
}

/** The receiving node's side: media opened, the RTCP back protected. */
export class NodeSrtpReceiver {
  private readonly rtp: SrtpRtpUnprotector;
  private readonly rtcp: SrtcpProtector;
  private readonly rtcpIn: SrtcpUnprotector;
  private lastIndexIn = -1;
  /** Datagrams that did not authenticate (or replayed). */
  refused = 0;

  constructor(key: string) {
    this.rtp = new SrtpRtpUnprotector(masterOf(key, false), 10);
    this.rtcp = new SrtcpProtector(masterOf(key, true));
    this.rtcpIn = new SrtcpUnprotector(masterOf(key, true));
  }

  /** The RTP packet inside an SRTP datagram (a new buffer), or undefined. */
  open(srtp: Buffer): Buffer | undefined {
    const r = this.rtp.unprotect(srtp);
    if (Buffer.isBuffer(r)) return r;
    this.refused++;
    return undefined;
  }

  /** The data message inside a datagram made by protectData, or undefined. */
  openData(srtp: Buffer): Buffer | undefined {
    const r = this.open(srtp);
    return r && r.length >= 12 && r[0] === 0x80 ? r.subarray(12) : undefined;
  }

  /** The SRTCP packet for an RTCP packet sent back (a keyframe request). */
  protectRtcp(rtcp: Buffer): Buffer | undefined {
    return this.rtcp.protect(rtcp);
  }

  /**
   * The RTCP inside an SRTCP packet from the sending node, or undefined (counted as refused). What it opens moves
   * the address RTCP goes back to, so an index not above the last one opened is a replay and refused too.
   */
  openRtcp(srtcp: Buffer): Buffer | undefined {
    const r = this.rtcpIn.unprotect(srtcp);
    const index = r ? srtcp.readUInt32BE(srtcp.length - 4 - SRTCP_TAG_LENGTH) & 0x7fffffff : -1;
    if (!r || index <= this.lastIndexIn) {
      this.refused++;
      return undefined;
    }
    this.lastIndexIn = index;
    return r;
  }
}

// Minimal RTCP building and inspection on raw buffers (RFC 3550, 4585, 5104, draft-alvestrand-rmcat-remb).
// Pure functions; compound packets are walked without allocation beyond the result.

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;

/** A Picture Loss Indication asking `mediaSsrc` for a keyframe. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80 | 1; // V=2, FMT=1
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  return b;
}

/** A Full Intra Request (RFC 5104) for `mediaSsrc` with command sequence number `seq`. */
export function buildFir(senderSsrc: number, mediaSsrc: number, seq: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80 | 4; // FMT=4
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(4, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(mediaSsrc >>> 0, 12);
  b[16] = seq & 0xff;
  return b;
}

/** A Receiver Estimated Maximum Bitrate message capping the senders of `ssrcs` at `bitrate` bit/s. */
export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: readonly number[]): Buffer {
  const n = Math.min(ssrcs.length, 255);
  const b = Buffer.alloc(20 + 4 * n);
  b[0] = 0x80 | 15; // FMT=15 (application layer feedback)
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(b.length / 4 - 1, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(0, 8);
  b.write('REMB', 12, 'ascii');
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exp = 0;
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  b[16] = n;
  b[17] = (exp << 2) | ((mantissa >> 16) & 0x03);
  b.writeUInt16BE(mantissa & 0xffff, 18);
  for (let i = 0; i < n; i++) b.writeUInt32BE(ssrcs[i] >>> 0, 20 + 4 * i);
  return b;
}

/** One report block of an SR or RR: what the receiver of `ssrc` says of it (RFC 3550 §6.4.1). */
export interface ReportBlock {
  readonly ssrc: number;
  /** Cumulative packets lost (signed: duplicates can make it negative). */
  readonly lost: number;
  /** Interarrival jitter, in the stream's timestamp units. */
  readonly jitter: number;
  /** The middle 32 bits of the NTP time of the last Sender Report from `ssrc` (0: none yet), and the delay since. */
  readonly lsr: number;
  readonly dlsr: number;
}

export interface RtcpSummary {
  /** A PLI or FIR is in the compound packet. */
  keyframeRequest: boolean;
  /** REMB bitrate if one is present. */
  remb?: number;
  /** Sequence numbers reported lost by Generic NACKs. */
  nacked: number;
  /** Largest cumulative loss found in SR/RR report blocks. */
  reportedLost?: number;
  /** The SR/RR report blocks, in order. */
  reports?: ReportBlock[];
  /** The first Sender Report: its sender and the middle 32 bits of its NTP time (for our LSR). */
  senderReport?: { ssrc: number; ntpMiddle: number };
}

/** Walks a (decrypted) compound RTCP packet; returns undefined when it is not well-formed RTCP. */
export function summarizeRtcp(buf: Buffer): RtcpSummary | undefined {
  if (buf.length < 8) return undefined;
  const out: RtcpSummary = { keyframeRequest: false, nacked: 0 };
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const first = buf[pos];
    if (first >> 6 !== 2) return undefined;
    const count = first & 0x1f;
    const type = buf[pos + 1];
    const len = (buf.readUInt16BE(pos + 2) + 1) * 4;
    if (pos + len > buf.length) return undefined;
    if (type === RTCP_PSFB) {
      if (count === 1 || count === 4) out.keyframeRequest = true;
      else if (count === 15 && len >= 20 && buf.toString('ascii', pos + 12, pos + 16) === 'REMB') {
        const exp = buf[pos + 17] >> 2;
        const mantissa = ((buf[pos + 17] & 0x03) << 16) | buf.readUInt16BE(pos + 18);
        out.remb = mantissa * 2 ** exp;
      }
    } else if (type === RTCP_RTPFB && count === 1) {
      for (let p = pos + 12; p + 4 <= pos + len; p += 4) {
        let blp = buf.readUInt16BE(p + 2);
        let lost = 1;
        while (blp !== 0) {
          lost += blp & 1;
          blp >>= 1;
        }
        out.nacked += lost;
      }
    } else if (type === RTCP_SR || type === RTCP_RR) {
      if (type === RTCP_SR && !out.senderReport && len >= 28) {
        out.senderReport = { ssrc: buf.readUInt32BE(pos + 4), ntpMiddle: ((buf.readUInt16BE(pos + 10) << 16) | buf.readUInt16BE(pos + 12)) >>> 0 };
      }
      const blocksAt = pos + (type === RTCP_SR ? 28 : 8);
      for (let i = 0; i < count && blocksAt + 24 * (i + 1) <= pos + len; i++) {
        const at = blocksAt + 24 * i;
        const lost = buf.readUIntBE(at + 5, 3);
        out.reportedLost = Math.max(out.reportedLost ?? 0, lost);
        (out.reports ??= []).push({
          ssrc: buf.readUInt32BE(at),
          lost: buf.readIntBE(at + 5, 3),
          jitter: buf.readUInt32BE(at + 12),
          lsr: buf.readUInt32BE(at + 16),
          dlsr: buf.readUInt32BE(at + 20),
        });
      }
    }
    pos += len;
  }
  return pos === buf.length ? out : undefined;
}

const NTP_UNIX_OFFSET_S = 2208988800;

/** The middle 32 bits of the NTP time at wall-clock `unixMs` (what a report block's LSR holds). */
export function ntpMiddle(unixMs: number): number {
  const seconds = (Math.floor(unixMs / 1000) + NTP_UNIX_OFFSET_S) >>> 0;
  const fraction = Math.floor(((unixMs % 1000) / 1000) * 0x100000000) >>> 0;
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/**
 * The round trip a report block tells at wall-clock `unixMs` (now, in NTP's middle bits, less LSR and DLSR), in
 * whole ms as Janus reports it, with the three values it came from; undefined without a Sender Report to refer to.
 */
export function roundTrip(lsr: number, dlsr: number, unixMs: number): { ms: number; ntp: number; lsr: number; dlsr: number } | undefined {
  if (lsr === 0) return undefined;
  const ntp = ntpMiddle(unixMs);
  const rtt = (ntp - lsr - dlsr) >>> 0;
  const micros = Math.floor(((rtt & 0xffff) * 15625) / 1024);
  return { ms: (rtt >>> 16) * 1000 + Math.floor(micros / 1000), ntp, lsr, dlsr };
}

/**
 * A Sender Report for `ssrc` (no report blocks) at wall-clock time `unixMs`, with an SDES CNAME chunk when
 * `cname` is given (RFC 3550 §6.4.1, §6.5).
 */
export function buildSenderReport(ssrc: number, unixMs: number, rtpTimestamp: number, packets: number, octets: number, cname?: string): Buffer {
  const name = cname ? Buffer.from(cname.slice(0, 255), 'utf8') : undefined;
  // SDES: header 4 + SSRC 4 + item (2 + len) + end 1, padded to 32 bits.
  const sdesLen = name ? Math.ceil((4 + 4 + 2 + name.length + 1) / 4) * 4 : 0;
  const b = Buffer.alloc(28 + sdesLen);
  b[0] = 0x80;
  b[1] = RTCP_SR;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs % 1000) / 1000) * 0x100000000);
  b.writeUInt32BE((seconds + NTP_UNIX_OFFSET_S) >>> 0, 8);
  b.writeUInt32BE(fraction >>> 0, 12);
  b.writeUInt32BE(rtpTimestamp >>> 0, 16);
  b.writeUInt32BE(packets >>> 0, 20);
  b.writeUInt32BE(octets >>> 0, 24);
  if (name) {
    const at = 28;
    b[at] = 0x81; // one chunk
    b[at + 1] = 202; // SDES
    b.writeUInt16BE(sdesLen / 4 - 1, at + 2);
    b.writeUInt32BE(ssrc >>> 0, at + 4);
    b[at + 8] = 1; // CNAME
    b[at + 9] = name.length;
    name.copy(b, at + 10);
    // the rest is already zero: end of items and padding
  }
  return b;
}

/** Sequence numbers a (decrypted, compound) RTCP packet NACKs for media SSRC `mediaSsrc` (Generic NACK). */
export function nackedSequences(buf: Buffer, mediaSsrc: number): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    if (buf[pos] >> 6 !== 2) break;
    const len = (buf.readUInt16BE(pos + 2) + 1) * 4;
    if (pos + len > buf.length) break;
    if (buf[pos + 1] === RTCP_RTPFB && (buf[pos] & 0x1f) === 1 && len >= 16 && buf.readUInt32BE(pos + 8) === mediaSsrc >>> 0) {
      for (let p = pos + 12; p + 4 <= pos + len && out.length < 1024; p += 4) {
        const pid = buf.readUInt16BE(p);
        const blp = buf.readUInt16BE(p + 2);
        out.push(pid);
        for (let i = 0; i < 16; i++) if (blp & (1 << i)) out.push((pid + i + 1) & 0xffff);
      }
    }
    pos += len;
  }
  return out;
}

/** A Receiver Report from `senderSsrc` with up to 31 report blocks written by the callbacks (24 bytes each). */
export function buildReceiverReport(senderSsrc: number, blocks: number, write: (b: Buffer, at: number, i: number) => void): Buffer {
  const n = Math.min(31, blocks);
  const b = Buffer.alloc(8 + 24 * n);
  b[0] = 0x80 | n;
  b[1] = RTCP_RR;
  b.writeUInt16BE(b.length / 4 - 1, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  for (let i = 0; i < n; i++) write(b, 8 + 24 * i, i);
  return b;
}

/** A Generic NACK (RFC 4585 §6.2.1) asking `mediaSsrc` for these sequence numbers (PID + bitmask pairs). */
export function buildNack(senderSsrc: number, mediaSsrc: number, seqs: readonly number[]): Buffer {
  const sorted = [...new Set(seqs.map((s) => s & 0xffff))].sort((a, b) => a - b);
  const fci: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = fci[fci.length - 1];
    const d = last ? (s - last[0]) & 0xffff : 0;
    if (last && d >= 1 && d <= 16) last[1] |= 1 << (d - 1);
    else fci.push([s, 0]);
  }
  const n = Math.min(fci.length, 256);
  const b = Buffer.alloc(12 + 4 * n);
  b[0] = 0x80 | 1; // FMT=1
  b[1] = RTCP_RTPFB;
  b.writeUInt16BE(b.length / 4 - 1, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  for (let i = 0; i < n; i++) {
    b.writeUInt16BE(fci[i][0], 12 + 4 * i);
    b.writeUInt16BE(fci[i][1], 14 + 4 * i);
  }
  return b;
}

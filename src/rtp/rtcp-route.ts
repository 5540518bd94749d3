// Where one RTCP packet of a peer's compound belongs: to a stream the peer sends us (its sender report), or to
// streams we send it (report blocks, NACKs, keyframe requests, REMB, transport-wide feedback). Pure; the caller
// has checked the compound's shape (rtcpCompoundProblem) before splitting it.

/** The SSRCs an RTCP packet is about: `remote` a stream the peer sends, `local` streams we send it. */
export interface RtcpRoute {
  readonly remote?: number;
  readonly local: readonly number[];
}

const SR = 200;
const RR = 201;
const RTPFB = 205;
const PSFB = 206;
const REMB_FMT = 15;

/**
 * The packets of a compound RTCP datagram, each copied out (whoever gets one may keep it). Stops at a packet whose
 * length runs past the end.
 */
export function splitRtcpCompound(compound: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 4 <= compound.length;) {
    const len = 4 * (compound.readUInt16BE(at + 2) + 1);
    if (at + len > compound.length) break;
    out.push(Buffer.from(compound.subarray(at, at + len)));
    at += len;
  }
  return out;
}

/** Whom one RTCP packet concerns; undefined for what no stream needs (SDES, BYE, APP, XR, or too short). */
export function rtcpRoute(packet: Buffer): RtcpRoute | undefined {
  if (packet.length < 8) return undefined;
  const pt = packet[1];
  const count = packet[0] & 0x1f;
  if (pt === SR || pt === RR) {
    // Report blocks (24 bytes each) after the sender's SSRC, and for SR its 20 bytes of sender info.
    const first = pt === SR ? 28 : 8;
    const local: number[] = [];
    for (let i = 0; i < count && first + 24 * (i + 1) <= packet.length; i++) local.push(packet.readUInt32BE(first + 24 * i));
    return pt === SR ? { remote: packet.readUInt32BE(4), local } : { local };
  }
  if (pt !== RTPFB && pt !== PSFB) return undefined;
  if (packet.length < 12) return undefined;
  if (pt === PSFB && count === REMB_FMT) {
    // REMB: 'REMB', the number of SSRCs and the bitrate, then the SSRCs it applies to.
    if (packet.length < 20 || packet.toString('latin1', 12, 16) !== 'REMB') return undefined;
    const n = packet[16];
    const local: number[] = [];
    for (let i = 0; i < n && 20 + 4 * (i + 1) <= packet.length; i++) local.push(packet.readUInt32BE(20 + 4 * i));
    return { local };
  }
  // NACK, transport-wide feedback, PLI, FIR (whose media SSRC field is 0: its FCI names the stream).
  const media = packet.readUInt32BE(8);
  if (media === 0 && pt === PSFB && packet.length >= 16) return { local: [packet.readUInt32BE(12)] };
  return { local: [media] };
}

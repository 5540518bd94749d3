// Bounded checks of RTP and RTCP bytes from the network, run before any other parser (ours or the WebRTC
// stack's) sees them. Pure functions: each returns why the bytes are unusable, or undefined when they are fine.
// Every length field is checked against the bytes present; every walk is bounded by those bytes and a count.

/** More header-extension elements than this in one packet is not media (RFC 8285 ids: 14 one-byte, 255 two-byte). */
export const MAX_RTP_EXTENSION_ELEMENTS = 32;
/** RTCP packets in one compound datagram; real senders put 2-5 there. */
export const MAX_RTCP_COMPOUND_PACKETS = 16;
/** A compound RTCP datagram larger than this is refused: senders keep RTCP within the path MTU. */
export const MAX_RTCP_COMPOUND_BYTES = 2048;

/** Byte offset of the payload of an RTP packet whose header fits in `end` bytes, or a reason it does not. */
export function rtpPayloadOffset(b: Uint8Array, end = b.length): number | string {
  if (end < 12) return 'shorter than an RTP header';
  if (b[0] >> 6 !== 2) return 'not RTP version 2';
  let at = 12 + 4 * (b[0] & 0x0f);
  if (at > end) return 'CSRC list past the end';
  if ((b[0] & 0x10) === 0) return at;
  if (at + 4 > end) return 'extension header past the end';
  const profile = (b[at] << 8) | b[at + 1];
  const blockEnd = at + 4 + 4 * ((b[at + 2] << 8) | b[at + 3]);
  if (blockEnd > end) return 'extension length past the end';
  at += 4;
  const oneByte = profile === 0xbede;
  if (oneByte || (profile & 0xfff0) === 0x1000) {
    let elements = 0;
    while (at < blockEnd) {
      if (b[at] === 0) {
        at++; // padding between elements
        continue;
      }
      if (oneByte && b[at] >> 4 === 15) break; // reserved id: the rest is not to be read
      if (++elements > MAX_RTP_EXTENSION_ELEMENTS) return 'too many header extension elements';
      at += oneByte ? 2 + (b[at] & 0x0f) : 2 + (at + 1 < blockEnd ? b[at + 1] : 0);
    }
  }
  return blockEnd;
}

/**
 * Why the RTP header of `b` is unusable, or undefined. `trailer`: bytes at the end that are not RTP (an SRTP
 * authentication tag), so the header must fit before them. The payload is not looked at (it may be encrypted).
 */
export function rtpHeaderProblem(b: Uint8Array, trailer = 0): string | undefined {
  const offset = rtpPayloadOffset(b, b.length - trailer);
  return typeof offset === 'string' ? offset : undefined;
}

/** Why a decrypted RTP packet is unusable (header as rtpHeaderProblem, plus its padding), or undefined. */
export function rtpPacketProblem(b: Uint8Array): string | undefined {
  const offset = rtpPayloadOffset(b);
  if (typeof offset === 'string') return offset;
  if (b[0] & 0x20) {
    const pad = b.length > offset ? b[b.length - 1] : 0;
    if (pad === 0 || pad > b.length - offset) return 'padding length past the payload';
  }
  return undefined;
}

/** Whether the second byte says RTCP (payload types 64-95 with the marker bit: RTCP types 192-223, RFC 5761). */
export function looksLikeRtcp(b: Uint8Array): boolean {
  return b.length >= 2 && b[1] >= 192 && b[1] <= 223;
}

/**
 * Why the first RTCP header of an SRTCP datagram is unusable, or undefined: the rest of the packet is encrypted,
 * so only the clear part is checked (version, type, and the first packet's length within what precedes the
 * SRTCP index and tag, `trailer` bytes).
 */
export function srtcpHeaderProblem(b: Uint8Array, trailer: number): string | undefined {
  if (b.length > MAX_RTCP_COMPOUND_BYTES + trailer) return 'RTCP datagram too large';
  if (b.length < 8 + trailer) return 'shorter than an SRTCP packet';
  if (b[0] >> 6 !== 2) return 'not RTCP version 2';
  if (!looksLikeRtcp(b)) return 'not an RTCP packet type';
  if (4 * (((b[2] << 8) | b[3]) + 1) > b.length - trailer) return 'RTCP length past the end';
  return undefined;
}

/** Why a (decrypted) compound RTCP datagram is unusable, or undefined. Each packet's body is checked by type. */
export function rtcpCompoundProblem(b: Uint8Array): string | undefined {
  if (b.length > MAX_RTCP_COMPOUND_BYTES) return 'RTCP datagram too large';
  if (b.length < 4) return 'shorter than an RTCP header';
  let at = 0;
  let count = 0;
  while (at < b.length) {
    if (++count > MAX_RTCP_COMPOUND_PACKETS) return 'too many packets in a compound RTCP datagram';
    if (at + 4 > b.length) return 'RTCP header past the end';
    if (b[at] >> 6 !== 2) return 'not RTCP version 2';
    const type = b[at + 1];
    if (type < 192 || type > 223) return 'not an RTCP packet type';
    const length = 4 * (((b[at + 2] << 8) | b[at + 3]) + 1);
    const end = at + length;
    if (end > b.length) return 'RTCP length past the end';
    let bodyEnd = end;
    if (b[at] & 0x20) {
      // RFC 3550: only the last packet of a compound may be padded, and the padding is inside its length.
      if (end !== b.length) return 'padding on a packet that is not the last';
      const pad = b[end - 1];
      if (pad === 0 || pad > length - 4) return 'padding length past the packet';
      bodyEnd = end - pad;
    }
    const problem = rtcpBodyProblem(b, type, b[at] & 0x1f, at + 4, bodyEnd);
    if (problem) return problem;
    at = end;
  }
  return undefined;
}

/** One RTCP packet's body (after its 4-byte header, up to `end`), by packet type. */
function rtcpBodyProblem(b: Uint8Array, type: number, count: number, at: number, end: number): string | undefined {
  const size = end - at;
  switch (type) {
    case 200: // SR: SSRC, sender info, report blocks
      return 24 + 24 * count <= size ? undefined : 'sender report blocks past the packet';
    case 201: // RR
      return 4 + 24 * count <= size ? undefined : 'receiver report blocks past the packet';
    case 202:
      return sdesProblem(b, count, at, end);
    case 203: // BYE: SSRC/CSRC list, optional reason
      return 4 * count <= size ? undefined : 'BYE sources past the packet';
    case 205: // RTPFB
      if (size < 8) return 'feedback shorter than its SSRCs';
      if (count === 1) return (size - 8) % 4 === 0 ? undefined : 'NACK entries not whole';
      if (count === 15) return twccProblem(b, at + 8, end);
      return undefined;
    case 206: // PSFB
      if (size < 8) return 'feedback shorter than its SSRCs';
      if (count === 4) return (size - 8) % 8 === 0 ? undefined : 'FIR entries not whole';
      if (count === 15 && size >= 12 && b[at + 8] === 0x52 && b[at + 9] === 0x45 && b[at + 10] === 0x4d && b[at + 11] === 0x42) {
        // REMB: "REMB", number of SSRCs, bitrate, then that many SSRCs.
        return size >= 16 && 16 + 4 * b[at + 12] <= size ? undefined : 'REMB SSRCs past the packet';
      }
      return undefined;
    default:
      return undefined;
  }
}

/** SDES: `count` chunks, each an SSRC and items (type, length, text) ended by a zero byte, padded to 32 bits. */
function sdesProblem(b: Uint8Array, count: number, at: number, end: number): string | undefined {
  for (let chunk = 0; chunk < count; chunk++) {
    if (at + 4 > end) return 'SDES chunk past the packet';
    let i = at + 4;
    for (;;) {
      if (i >= end) return 'SDES items past the packet';
      if (b[i] === 0) break;
      if (i + 2 > end || i + 2 + b[i + 1] > end) return 'SDES item past the packet';
      i += 2 + b[i + 1];
    }
    at = (i + 4) & ~3; // the terminating zero, then padding to the next 32-bit boundary
    if (at > end) return 'SDES chunk padding past the packet';
  }
  return undefined;
}

/**
 * Transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01): base sequence, status count,
 * reference time and count, then packet chunks until `count` statuses are described, then one receive delta per
 * received packet (1 byte small, 2 bytes large). All of it must lie within the packet.
 */
function twccProblem(b: Uint8Array, at: number, end: number): string | undefined {
  if (at + 8 > end) return 'TWCC header past the packet';
  const statusCount = (b[at + 2] << 8) | b[at + 3];
  let i = at + 8;
  let described = 0;
  let deltaBytes = 0;
  while (described < statusCount) {
    if (i + 2 > end) return 'TWCC chunks past the packet';
    const word = (b[i] << 8) | b[i + 1];
    i += 2;
    if ((word & 0x8000) === 0) {
      // Run length: 2-bit status, 13-bit run.
      const status = (word >> 13) & 0x03;
      const run = Math.min(statusCount - described, word & 0x1fff);
      if (status === 1) deltaBytes += run;
      else if (status === 2) deltaBytes += 2 * run;
      described += run;
    } else if ((word & 0x4000) === 0) {
      // Status vector of 14 one-bit symbols (1: received, small delta).
      for (let s = 13; s >= 0; s--) if ((word >> s) & 1) deltaBytes++;
      described += 14;
    } else {
      // Status vector of 7 two-bit symbols.
      for (let s = 6; s >= 0; s--) {
        const status = (word >> (2 * s)) & 0x03;
        if (status === 1) deltaBytes++;
        else if (status === 2) deltaBytes += 2;
      }
      described += 7;
    }
    if (i + deltaBytes > end) return 'TWCC receive deltas past the packet';
  }
  return undefined;
}

// The fixed part of an RTP header (RFC 3550), read without copying; garbage gives undefined.

export interface RtpHeaderView {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** Bytes of header, CSRCs and extension: where the payload starts. */
  readonly headerLength: number;
}

/** True when the datagram looks like RTCP (payload types 200-204 in the second byte). */
export function looksLikeRtcp(buf: Buffer): boolean {
  return buf.length >= 8 && buf[1] >= 200 && buf[1] <= 204;
}

export function parseRtpHeader(buf: Buffer): RtpHeaderView | undefined {
  if (buf.length < 12 || buf[0] >> 6 !== 2) return undefined;
  const csrcCount = buf[0] & 0x0f;
  let length = 12 + csrcCount * 4;
  if (buf[0] & 0x10) {
    if (buf.length < length + 4) return undefined;
    length += 4 + buf.readUInt16BE(length + 2) * 4;
  }
  let end = buf.length;
  if (buf[0] & 0x20) {
    const padding = buf[buf.length - 1];
    if (padding === 0) return undefined;
    end -= padding;
  }
  if (length > end) return undefined;
  return {
    payloadType: buf[1] & 0x7f,
    marker: (buf[1] & 0x80) !== 0,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    headerLength: length,
  };
}

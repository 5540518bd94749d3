// The one RTP header view (RFC 3550): fixed header, CSRC list, extension block and padding, read without copying.
// It lives in rtp/ rather than forwarding/ because the media layer walks the same header on its receive and send
// paths; rtp/ is the socket-free packet code both of them (and the plugins) already depend on.

/** The fields of an RTP header as a plain object (what parseRtpHeader returns). */
export interface RtpHeader {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** Bytes of header, CSRCs and extension: where the payload starts. */
  readonly headerLength: number;
}

/**
 * Where the payload of an RTP packet starts (after the CSRC list and the extension block), or -1 when the
 * bytes up to `end` are no RTP version 2 header or a length field points past them.
 */
export function rtpPayloadStart(b: Uint8Array, end = b.length): number {
  if (end < 12 || b[0] >> 6 !== 2) return -1;
  let at = 12 + 4 * (b[0] & 0x0f);
  if ((b[0] & 0x10) === 0) return at <= end ? at : -1;
  if (at + 4 > end) return -1;
  at += 4 + 4 * ((b[at + 2] << 8) | b[at + 3]);
  return at <= end ? at : -1;
}

/** Where the extension block of an RTP packet starts (its 4-byte profile/length word), or -1 when it has none. */
export function rtpExtensionStart(b: Uint8Array): number {
  if (b.length < 12 || (b[0] & 0x10) === 0) return -1;
  return 12 + 4 * (b[0] & 0x0f);
}

/**
 * Where the value of header extension element `id` starts (RFC 8285, one- or two-byte form), when at least
 * `minLength` bytes of it lie inside the extension block; -1 when the packet carries no such element or its
 * extension block does not fit the packet. Reads in place (the receive path calls it per packet).
 */
export function rtpExtensionValueStart(b: Uint8Array, id: number, minLength = 1): number {
  const start = rtpExtensionStart(b);
  if (start < 0 || start + 4 > b.length) return -1;
  const profile = (b[start] << 8) | b[start + 1];
  const end = start + 4 + 4 * ((b[start + 2] << 8) | b[start + 3]);
  if (end > b.length) return -1;
  const oneByte = profile === 0xbede;
  if (!oneByte && (profile & 0xfff0) !== 0x1000) return -1;
  let at = start + 4;
  while (at < end) {
    if (b[at] === 0) {
      at++; // padding between elements
      continue;
    }
    const elementId = oneByte ? b[at] >> 4 : b[at];
    if (oneByte && elementId === 15) return -1; // reserved: the rest of the block is not to be read
    const length = oneByte ? (b[at] & 0x0f) + 1 : b[at + 1];
    const value = at + (oneByte ? 1 : 2);
    if (elementId === id) return length >= minLength && value + minLength <= end ? value : -1;
    at = value + length;
  }
  return -1;
}

/** Where the payload ends (before the padding, P bit), or -1 when the padding count is 0 or reaches into `start`. */
export function rtpPayloadEnd(b: Uint8Array, start: number, end = b.length): number {
  if ((b[0] & 0x20) === 0) return end;
  const padding = b[end - 1];
  if (padding === 0 || end - padding < start) return -1;
  return end - padding;
}

/**
 * A reusable view of one RTP packet's header: `read` fills it in place, so a hot path reads every packet with
 * no allocation. The fields describe the last packet read successfully.
 */
export class RtpHeaderView implements RtpHeader {
  payloadType = 0;
  marker = false;
  sequence = 0;
  timestamp = 0;
  ssrc = 0;
  headerLength = 0;
  /** Where the payload ends (padding excluded). */
  payloadEnd = 0;

  /** Reads the header of `b`; false (the view unchanged) when it is no RTP packet or its lengths do not fit. */
  read(b: Uint8Array): boolean {
    const start = rtpPayloadStart(b);
    if (start < 0) return false;
    const end = rtpPayloadEnd(b, start);
    if (end < 0) return false;
    this.payloadType = b[1] & 0x7f;
    this.marker = (b[1] & 0x80) !== 0;
    this.sequence = (b[2] << 8) | b[3];
    this.timestamp = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
    this.ssrc = ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) >>> 0;
    this.headerLength = start;
    this.payloadEnd = end;
    return true;
  }
}

/** The header of `buf` as a new object, or undefined for garbage. Off the hot path (it allocates). */
export function parseRtpHeader(buf: Buffer): RtpHeader | undefined {
  const view = new RtpHeaderView();
  if (!view.read(buf)) return undefined;
  const { payloadType, marker, sequence, timestamp, ssrc, headerLength } = view;
  return { payloadType, marker, sequence, timestamp, ssrc, headerLength };
}

/**
 * True when a datagram on a plain-RTP port starts with an RTCP report (SR, RR, SDES, BYE or APP: types 200-204).
 * Narrower than packet-check's looksLikeRtcp (RFC 5761's whole range): what a plain RTP sender multiplexes.
 */
export function looksLikeRtcpReport(buf: Uint8Array): boolean {
  return buf.length >= 8 && buf[1] >= 200 && buf[1] <= 204;
}

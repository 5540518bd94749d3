// RTP and RTCP packets as bytes, for tests and benchmarks that feed a parser, a socket or a plugin directly.
// Fields left out get fixed, recognisable values, so a test states only what it is about.

/** A header-extension block (RFC 3550 5.3.1): the 16-bit profile word and its data, a multiple of 4 bytes. */
export interface RtpExtensionBlock {
  readonly profile: number;
  readonly data: Buffer;
}

export interface RtpFields {
  /** 111 (Opus in our SDP) unless told. */
  readonly payloadType?: number;
  readonly marker?: boolean;
  /** Taken modulo 2^16. */
  readonly sequenceNumber?: number;
  /** Taken modulo 2^32. */
  readonly timestamp?: number;
  readonly ssrc?: number;
  readonly csrcs?: readonly number[];
  readonly extension?: RtpExtensionBlock;
  /** Padding bytes at the end (the last one says how many); sets the P bit. */
  readonly padding?: number;
  readonly payload?: Buffer | string;
}

/** An RTP packet with the given header fields and payload. */
export function rtpPacket(f: RtpFields = {}): Buffer {
  const csrcs = f.csrcs ?? [];
  const ext = f.extension;
  const payload = typeof f.payload === 'string' ? Buffer.from(f.payload) : (f.payload ?? Buffer.alloc(0));
  const pad = f.padding ?? 0;
  const extAt = 12 + 4 * csrcs.length;
  const payloadAt = extAt + (ext ? 4 + ext.data.length : 0);
  const b = Buffer.alloc(payloadAt + payload.length + pad);
  b[0] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  b[1] = (f.marker ? 0x80 : 0) | ((f.payloadType ?? 111) & 0x7f);
  b.writeUInt16BE((f.sequenceNumber ?? 0) & 0xffff, 2);
  b.writeUInt32BE((f.timestamp ?? 0) >>> 0, 4);
  b.writeUInt32BE((f.ssrc ?? 0x1234) >>> 0, 8);
  csrcs.forEach((c, i) => b.writeUInt32BE(c >>> 0, 12 + 4 * i));
  if (ext) {
    b.writeUInt16BE(ext.profile, extAt);
    b.writeUInt16BE(ext.data.length / 4, extAt + 2);
    ext.data.copy(b, extAt + 4);
  }
  payload.copy(b, payloadAt);
  if (pad > 0) b[b.length - 1] = pad;
  return b;
}

/** A one-byte header-extension block (RFC 8285 4.2, profile 0xBEDE) of the given elements, zero-padded. */
export function oneByteExtensions(elements: ReadonlyArray<{ readonly id: number; readonly data: Buffer }>): RtpExtensionBlock {
  const parts = elements.flatMap((e) => [Buffer.from([(e.id << 4) | (e.data.length - 1)]), e.data]);
  return { profile: 0xbede, data: padTo4(Buffer.concat(parts)) };
}

/** A two-byte header-extension block (RFC 8285 4.3, profile 0x1000) of the given elements, zero-padded. */
export function twoByteExtensions(elements: ReadonlyArray<{ readonly id: number; readonly data: Buffer }>): RtpExtensionBlock {
  const parts = elements.flatMap((e) => [Buffer.from([e.id, e.data.length]), e.data]);
  return { profile: 0x1000, data: padTo4(Buffer.concat(parts)) };
}

/**
 * An RTCP packet (RFC 3550 6.4): version 2, `count` (or FMT) in the first byte, `type`, the length word, then
 * `body` (everything after the length word: usually the sender SSRC first), padded to 32 bits.
 */
export function rtcpPacket(type: number, count: number, body: Buffer): Buffer {
  const padded = padTo4(body);
  const b = Buffer.alloc(4 + padded.length);
  b[0] = 0x80 | (count & 0x1f);
  b[1] = type;
  b.writeUInt16BE(padded.length / 4, 2);
  padded.copy(b, 4);
  return b;
}

function padTo4(b: Buffer): Buffer {
  const rest = b.length % 4;
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - rest)]);
}

/** A VP8 payload that starts a keyframe (a 320x240 frame header, the rest zeros): enough for keyframe checks. */
export const VP8_KEYFRAME: Buffer = Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

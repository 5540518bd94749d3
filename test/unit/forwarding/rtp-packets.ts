// RTP packets and VP8/VP9 payload descriptors for the forwarding unit tests.

/** The sequence number of the next packet made without one: packets in order, as a sender makes them. */
let nextSeq = 1;

/**
 * An RTP packet: header (with `csrcs` CSRCs, an optional one-byte extension block of `extWords` words), payload,
 * padding. Without `seq`, each packet gets the number after the previous one's.
 */
export function rtp(payload: Uint8Array, o: { pt?: number; marker?: boolean; seq?: number; ts?: number; ssrc?: number; csrcs?: number; extWords?: number; padding?: number } = {}): Buffer {
  const csrcs = o.csrcs ?? 0;
  const ext = o.extWords === undefined ? 0 : 4 + 4 * o.extWords;
  const pad = o.padding ?? 0;
  const b = Buffer.alloc(12 + 4 * csrcs + ext + payload.length + pad);
  b[0] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext > 0 ? 0x10 : 0) | csrcs;
  b[1] = (o.marker ? 0x80 : 0) | (o.pt ?? 96);
  b.writeUInt16BE(o.seq ?? nextSeq++ & 0xffff, 2);
  b.writeUInt32BE(o.ts ?? 3000, 4);
  b.writeUInt32BE(o.ssrc ?? 0x11223344, 8);
  let at = 12 + 4 * csrcs;
  if (ext > 0) {
    b.writeUInt16BE(0xbede, at);
    b.writeUInt16BE(o.extWords ?? 0, at + 2);
    at += ext;
  }
  b.set(payload, at);
  if (pad > 0) b[b.length - 1] = pad;
  return b;
}

/** A VP8 payload descriptor with a 15-bit picture ID, TL0PICIDX and TID/Y, then a payload header (`key`: P=0). */
export function vp8(pid: number, tid: number, sync: boolean, start = true, key = false): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80 | (start ? 0x10 : 0);
  b[1] = 0x80 | 0x40 | 0x20; // I, L, T
  b[2] = 0x80 | (pid >> 8);
  b[3] = pid & 0xff;
  b[4] = 7;
  b[5] = (tid << 6) | (sync ? 0x20 : 0);
  b[6] = key ? 0x00 : 0x01;
  return b;
}

/** A flexible-mode VP9 descriptor (I, P, L, F, B, E) with a 15-bit picture ID and layer indices. */
export function vp9(o: { p?: boolean; b?: boolean; e?: boolean; sid: number; tid: number; u?: boolean }): Buffer {
  const b = Buffer.alloc(6);
  b[0] = 0x80 | (o.p ? 0x40 : 0) | 0x20 | 0x10 | (o.b ? 0x08 : 0) | (o.e ? 0x04 : 0);
  b[1] = 0x80;
  b[2] = 7;
  b[3] = (o.tid << 5) | (o.u ? 0x10 : 0) | (o.sid << 1);
  return b;
}

/** Random bytes of a random length below `max`. */
export function garbage(max: number): Buffer {
  return Buffer.from(Array.from({ length: Math.floor(Math.random() * max) }, () => Math.floor(Math.random() * 256)));
}

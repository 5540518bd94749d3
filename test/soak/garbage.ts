// Hostile datagrams for the soak run: random bytes and packets that look like RTP, RTCP, STUN, DTLS or TURN
// ChannelData at a glance but lie about their lengths, counts or contents. Pure and seeded, so a run can be replayed.

/** A small seeded PRNG (mulberry32): the same seed gives the same garbage. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

export const GARBAGE_KINDS = ['random', 'rtp-truncated', 'rtp-mutated', 'rtp-lying', 'rtcp', 'stun', 'dtls', 'channeldata'] as const;
export type GarbageKind = (typeof GARBAGE_KINDS)[number];

/** One hostile datagram of the given kind (at most 1500 bytes). */
export function garbage(rng: Prng, kind: GarbageKind): Buffer {
  switch (kind) {
    case 'random':
      return rng.bytes(rng.chance(0.1) ? rng.below(4) : rng.below(1400));
    case 'rtp-truncated': {
      const full = rtp(rng);
      return full.subarray(0, rng.below(Math.min(full.length, 16)));
    }
    case 'rtp-mutated': {
      const p = Buffer.from(rtp(rng));
      const flips = rng.between(1, 8);
      for (let i = 0; i < flips; i++) p[rng.below(p.length)] ^= 1 << rng.below(8);
      return p;
    }
    case 'rtp-lying':
      return lyingRtp(rng);
    case 'rtcp':
      return rtcp(rng);
    case 'stun':
      return stun(rng);
    case 'dtls':
      return dtls(rng);
    case 'channeldata': {
      // TURN ChannelData: channel 0x4000-0x7fff, a length that may exceed what follows.
      const body = rng.bytes(rng.below(200));
      const b = Buffer.alloc(4 + body.length);
      b.writeUInt16BE(0x4000 | rng.below(0x4000), 0);
      b.writeUInt16BE(rng.chance(0.5) ? rng.below(0x10000) : body.length, 2);
      body.copy(b, 4);
      return b;
    }
  }
}

/** A well-formed RTP packet (version 2, opus/VP8-like payload types) with a random payload. */
function rtp(rng: Prng): Buffer {
  const payload = rng.bytes(rng.between(1, 300));
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = rng.pick([96, 100, 111, 0, 8, 127]) | (rng.chance(0.3) ? 0x80 : 0);
  b.writeUInt16BE(rng.below(0x10000), 2);
  b.writeUInt32BE(rng.u32(), 4);
  b.writeUInt32BE(rng.u32(), 8);
  payload.copy(b, 12);
  return b;
}

/** RTP whose CSRC count, header extension length or padding count claim more bytes than the packet has. */
function lyingRtp(rng: Prng): Buffer {
  const size = rng.between(12, 64);
  const b = rng.bytes(size);
  const cc = rng.below(16);
  const ext = rng.chance(0.6);
  const pad = rng.chance(0.4);
  b[0] = 0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | cc;
  b[1] = rng.pick([96, 100, 111]) | (rng.chance(0.5) ? 0x80 : 0);
  const extAt = 12 + 4 * cc;
  if (ext && extAt + 4 <= size) {
    b.writeUInt16BE(rng.pick([0xbede, 0x1000, rng.below(0x10000)]), extAt);
    b.writeUInt16BE(rng.pick([0xffff, rng.below(0x100), 1]), extAt + 2);
  }
  if (pad) b[size - 1] = rng.pick([0, 255, size, size + 1, rng.below(256)]);
  return b;
}

/** A compound RTCP packet (SR, RR, SDES, BYE, APP, RTPFB, PSFB, XR) whose lengths and counts may lie. */
function rtcp(rng: Prng): Buffer {
  const parts: Buffer[] = [];
  const n = rng.between(1, 4);
  for (let i = 0; i < n; i++) {
    const words = rng.below(12);
    const p = rng.bytes(4 + 4 * words);
    p[0] = 0x80 | (rng.chance(0.2) ? 0x20 : 0) | rng.below(32);
    p[1] = rng.pick([200, 201, 202, 203, 204, 205, 206, 207, rng.between(192, 223)]);
    // The length field: right, zero, too long, or anything.
    p.writeUInt16BE(rng.pick([words, 0, words + 1, 0xffff, rng.below(0x10000)]), 2);
    parts.push(p);
  }
  const all = Buffer.concat(parts);
  return rng.chance(0.2) ? all.subarray(0, rng.below(all.length + 1)) : all;
}

const STUN_ATTRIBUTES = [0x0001, 0x0006, 0x0008, 0x0009, 0x000a, 0x0014, 0x0015, 0x0020, 0x0024, 0x0025, 0x8022, 0x8028, 0x8029, 0x802a];

/** A STUN message (binding request/response/indication or any type) with attributes whose lengths may lie. */
function stun(rng: Prng): Buffer {
  const attrs: Buffer[] = [];
  const n = rng.below(8);
  for (let i = 0; i < n; i++) {
    const type = rng.chance(0.8) ? rng.pick(STUN_ATTRIBUTES) : rng.below(0x10000);
    const value = type === 0x0020 || type === 0x0001 ? xorAddress(rng) : rng.bytes(rng.below(64));
    const a = Buffer.alloc(4 + value.length + ((4 - (value.length % 4)) % 4));
    a.writeUInt16BE(type, 0);
    a.writeUInt16BE(rng.chance(0.7) ? value.length : rng.pick([0xffff, value.length + 4, rng.below(0x10000)]), 2);
    value.copy(a, 4);
    attrs.push(a);
  }
  const body = Buffer.concat(attrs);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(rng.pick([0x0001, 0x0101, 0x0111, 0x0011, 0x0003, rng.below(0x4000)]), 0);
  h.writeUInt16BE(rng.chance(0.7) ? body.length : rng.below(0x10000), 2);
  h.writeUInt32BE(rng.chance(0.9) ? 0x2112a442 : rng.u32(), 4);
  rng.bytes(12).copy(h, 8);
  const all = Buffer.concat([h, body]);
  return rng.chance(0.15) ? all.subarray(0, rng.below(all.length)) : all;
}

/** The value of a (XOR-)MAPPED-ADDRESS: family IPv4, IPv6 or neither, and maybe too short for it. */
function xorAddress(rng: Prng): Buffer {
  const family = rng.pick([0x01, 0x02, rng.below(256)]);
  const len = rng.pick([8, 20, rng.below(24)]);
  const v = rng.bytes(len);
  if (len > 1) v[1] = family;
  return v;
}

/** A DTLS record (or several) with a handshake that may claim more than it carries. */
function dtls(rng: Prng): Buffer {
  const records: Buffer[] = [];
  const n = rng.between(1, 3);
  for (let i = 0; i < n; i++) {
    const type = rng.pick([20, 21, 22, 22, 23, rng.between(20, 63)]);
    let body: Buffer;
    if (type === 22) {
      // Handshake header: type, 24-bit length, message_seq, fragment_offset, fragment_length.
      const fragment = rng.bytes(rng.below(200));
      body = Buffer.alloc(12 + fragment.length);
      body[0] = rng.pick([1, 2, 3, 11, 12, 14, 15, 16, 20, rng.below(256)]);
      body.writeUIntBE(rng.chance(0.5) ? fragment.length : rng.below(0x1000000), 1, 3);
      body.writeUInt16BE(rng.below(8), 4);
      body.writeUIntBE(rng.chance(0.7) ? 0 : rng.below(0x1000000), 6, 3);
      body.writeUIntBE(rng.chance(0.5) ? fragment.length : rng.below(0x1000000), 9, 3);
      fragment.copy(body, 12);
    } else {
      body = rng.bytes(rng.below(120));
    }
    const r = Buffer.alloc(13 + body.length);
    r[0] = type;
    r.writeUInt16BE(rng.pick([0xfefd, 0xfeff, 0x0303, rng.below(0x10000)]), 1);
    r.writeUInt16BE(rng.below(3), 3);
    r.writeUIntBE(rng.below(0x1000000), 5, 6);
    r.writeUInt16BE(rng.chance(0.6) ? body.length : rng.pick([0, 0xffff, body.length + 1, rng.below(0x10000)]), 11);
    body.copy(r, 13);
    records.push(r);
  }
  const all = Buffer.concat(records);
  return rng.chance(0.15) ? all.subarray(0, rng.below(all.length)) : all;
}

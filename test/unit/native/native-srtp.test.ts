// The native SRTP transform against the TypeScript one: byte for byte the same SRTP packets for both profiles over
// random packets and keys, decryptable by our unprotector, protected in place, and refusing what it must.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nativeAddon, nativeAddonStatus } from '../../../src/native/native-addon.js';
import { NativeSrtpRtpProtector } from '../../../src/rtp/srtp/native-srtp-protector.js';
import { deriveSessionKeys, masterLengths, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, type SrtpProfile } from '../../../src/rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../../src/rtp/srtp/srtp-protector.js';
import { SrtpRtpUnprotector } from '../../../src/rtp/srtp/srtp-unprotector.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;
const RUNS = Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 400);

const packetArb = fc.record({
  seq: fc.integer({ min: 0, max: 0xffff }),
  ts: fc.integer({ min: 0, max: 0xffffffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  ext: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  payload: fc.integer({ min: 0, max: 1400 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  roc: fc.integer({ min: 0, max: 0xffffffff }),
});

function build(p: { seq: number; ts: number; ssrc: number; csrcs: number[]; ext: number | undefined; payload: Uint8Array }): Buffer {
  const extension = p.ext === undefined ? undefined : { profile: 0xbede, data: Buffer.alloc(4 * p.ext, 0x11) };
  return rtpPacket({ sequenceNumber: p.seq, timestamp: p.ts, ssrc: p.ssrc, csrcs: p.csrcs, extension, payload: Buffer.from(p.payload) });
}

for (const [name, profile] of [
  ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80],
  ['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM],
] as [string, SrtpProfile][]) {
  const lengths = masterLengths(profile);
  const keyArb = fc.record({ key: fc.uint8Array({ minLength: lengths.key, maxLength: lengths.key }), salt: fc.uint8Array({ minLength: lengths.salt, maxLength: lengths.salt }) });

  test(`${name}: native protectInto is byte-identical to the TypeScript one over random packets, keys and ROCs`, { skip }, () => {
    fc.assert(
      fc.property(keyArb, fc.array(packetArb, { minLength: 1, maxLength: 4 }), (k, packets) => {
        const keys = deriveSessionKeys(profile, Buffer.from(k.key), Buffer.from(k.salt));
        const ts = new SrtpRtpProtector(keys);
        const native = NativeSrtpRtpProtector.create(keys);
        assert.ok(native);
        assert.equal(native.tagLength, ts.tagLength);
        // Several packets through one context: the context is reused, never re-keyed.
        for (const p of packets) {
          const plain = build(p);
          const a = Buffer.alloc(plain.length + 16);
          const b = Buffer.alloc(plain.length + 16);
          const na = ts.protectInto(plain, plain.length, p.roc, a);
          const nb = native.protectInto(plain, plain.length, p.roc, b);
          assert.equal(nb, na);
          assert.deepEqual(b.subarray(0, nb), a.subarray(0, na));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test(`${name}: what the native path protects, our unprotector decrypts (ROC 0)`, { skip }, () => {
    fc.assert(
      fc.property(keyArb, packetArb, (k, p) => {
        const keys = deriveSessionKeys(profile, Buffer.from(k.key), Buffer.from(k.salt));
        const native = NativeSrtpRtpProtector.create(keys);
        assert.ok(native);
        const plain = build(p);
        const enc = native.protect(plain, plain.length, 0);
        assert.ok(enc);
        const clear = new SrtpRtpUnprotector(keys).unprotect(enc);
        assert.ok(Buffer.isBuffer(clear), `unprotect said ${String(clear)}`);
        assert.deepEqual(clear, plain);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  test(`${name}: the native unprotect gives the TypeScript one's results: clear packets, bad tags, replays`, { skip }, () => {
    fc.assert(
      fc.property(keyArb, fc.array(packetArb, { minLength: 1, maxLength: 6 }), fc.nat(), (k, packets, flip) => {
        const keys = deriveSessionKeys(profile, Buffer.from(k.key), Buffer.from(k.salt));
        const protector = new SrtpRtpProtector(keys);
        const native = new SrtpRtpUnprotector(keys);
        const ts = new SrtpRtpUnprotector(keys, 10, false);
        for (const [i, p] of packets.entries()) {
          const plain = build({ ...p, ssrc: 0x1234, seq: (packets[0].seq % 60000) + i }); // rising: none is a replay
          const enc = protector.protect(plain, plain.length, 0);
          assert.ok(enc);
          // Every other packet has one bit flipped (header, payload or tag): both refuse it.
          const bad = i % 2 === 1;
          if (bad) enc[flip % enc.length] ^= 1 << (flip % 8);
          const a = native.unprotect(enc);
          const b = ts.unprotect(enc);
          assert.deepEqual(a, b);
          if (!bad) assert.deepEqual(a, plain);
          // The same packet again is a replay for both (or still refused).
          assert.deepEqual(native.unprotect(enc), ts.unprotect(enc));
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  test(`${name}: in place, with the tag after the packet; no room throws; a malformed header is -1`, { skip }, () => {
    const keys = deriveSessionKeys(profile, Buffer.alloc(lengths.key, 7), Buffer.alloc(lengths.salt, 9));
    const ts = new SrtpRtpProtector(keys);
    const native = NativeSrtpRtpProtector.create(keys);
    const addon = nativeAddon();
    assert.ok(native && addon);
    const plain = rtpPacket({ sequenceNumber: 65535, ssrc: 0xdeadbeef, csrcs: [1, 2], payload: Buffer.alloc(1200, 0xab) });
    const inPlace = Buffer.alloc(plain.length + native.tagLength);
    plain.copy(inPlace);
    assert.equal(native.protectInto(inPlace, plain.length, 3, inPlace), plain.length + native.tagLength);
    assert.deepEqual(inPlace, ts.protect(plain, plain.length, 3));
    // The raw entry point: no room for the tag is an error, not a write past the end.
    const ctx = addon.srtpCreate(keys.profile, keys.cipherKey, keys.salt, keys.authKey);
    assert.throws(() => addon.srtpProtect(ctx, Buffer.from(plain), plain.length, 0), RangeError);
    // Header lengths exactly as rtpHeaderLength: too short, CSRCs past the end, an extension past the end.
    const room = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc(16)]);
    assert.equal(addon.srtpProtect(ctx, room(Buffer.alloc(11, 0x80)), 11, 0), -1);
    assert.equal(addon.srtpProtect(ctx, room(Buffer.from([0x8f, ...Buffer.alloc(15)])), 16, 0), -1);
    assert.equal(addon.srtpProtect(ctx, room(Buffer.from([0x90, ...Buffer.alloc(13)])), 14, 0), -1);
    const ext = Buffer.from([0x90, ...Buffer.alloc(11), 0xbe, 0xde, 0x00, 0x02, 0, 0, 0, 0]);
    assert.equal(addon.srtpProtect(ctx, room(ext), ext.length, 0), -1);
    assert.equal(native.protectInto(plain, plain.length, 0, Buffer.alloc(plain.length)), -1, 'short out');
    // Unprotect in place: the clear packet over the SRTP bytes; len past the buffer and a tag length of another profile throw.
    const enc = ts.protect(plain, plain.length, 3);
    assert.ok(enc);
    assert.equal(addon.srtpUnprotect(ctx, enc, enc.length, 3, native.tagLength), plain.length);
    assert.deepEqual(enc.subarray(0, plain.length), plain);
    assert.throws(() => addon.srtpUnprotect(ctx, enc, enc.length + 1, 3, native.tagLength), RangeError);
    assert.throws(() => addon.srtpUnprotect(ctx, enc, enc.length, 3, profile === SRTP_AEAD_AES_128_GCM ? 10 : 16), RangeError);
    assert.equal(addon.srtpUnprotect(ctx, Buffer.alloc(20, 0x80), 20, 0, native.tagLength), -1, 'shorter than a header and a tag');
  });
}

test('AES_CM_128_HMAC_SHA1_32: the native unprotect checks the 4-byte tag as the TypeScript one does', { skip }, () => {
  const keys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, Buffer.alloc(16, 3), Buffer.alloc(14, 4));
  const plain = rtpPacket({ sequenceNumber: 7, ssrc: 99, payload: Buffer.alloc(300, 0x5a) });
  const full = new SrtpRtpProtector(keys).protect(plain, plain.length, 0);
  assert.ok(full);
  // An 80-bit tag cut to its first 32 bits is the 32-bit tag.
  const short = Buffer.from(full.subarray(0, plain.length + 4));
  assert.deepEqual(new SrtpRtpUnprotector(keys, 4).unprotect(short), plain);
  assert.deepEqual(new SrtpRtpUnprotector(keys, 4, false).unprotect(short), plain);
  short[short.length - 1] ^= 1;
  assert.equal(new SrtpRtpUnprotector(keys, 4).unprotect(short), 'auth');
});

// Native SRTCP against werift's, which every browser call so far has accepted: protection gives byte for byte the
// same SRTCP packets for AES-CM-HMAC-SHA1-80 and AES-GCM over random compound packets, keys and indices, werift
// decrypts them back, and our decryption opens werift's (and unencrypted SRTCP, E = 0); a changed byte or a short
// packet is refused, as is what is not RTCP, a short buffer or an index out of range when protecting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SrtcpSession } from 'werift';
import { nativeAddon, nativeAddonStatus } from '../../../src/native/native-addon.js';
import { createCipheriv, createHmac } from 'node:crypto';
import { NativeSrtcpOpener } from '../../../src/rtp/srtp/native-srtcp-opener.js';
import { NativeSrtcpProtector, SRTCP_TRAILER_MAX } from '../../../src/rtp/srtp/native-srtcp-protector.js';
import { deriveSessionKeys, masterLengths, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, type SrtpProfile } from '../../../src/rtp/srtp/srtp-keys.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;
const RUNS = Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 400);

interface WeriftSrtcpContext {
  setIndex(ssrc: number, index: number): void;
}

const rtcpArb = fc.record({
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  pt: fc.integer({ min: 192, max: 223 }),
  body: fc.integer({ min: 0, max: 300 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  index: fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.constantFrom(0, 1, 0xffff, 0x10000, 0x7fffffff)),
});

function rtcp(p: { ssrc: number; pt: number; body: Uint8Array }): Buffer {
  const b = Buffer.concat([Buffer.alloc(8), Buffer.from(p.body)]);
  b[0] = 0x80;
  b[1] = p.pt;
  b.writeUInt16BE(Math.floor(b.length / 4) - 1, 2);
  b.writeUInt32BE(p.ssrc, 4);
  return b;
}

for (const [name, profile] of [
  ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80],
  ['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM],
] as [string, SrtpProfile][]) {
  const lengths = masterLengths(profile);
  const keyArb = fc.record({ key: fc.uint8Array({ minLength: lengths.key, maxLength: lengths.key }), salt: fc.uint8Array({ minLength: lengths.salt, maxLength: lengths.salt }) });

  test(`${name}: native SRTCP is werift's byte for byte, and werift decrypts it`, { skip }, () => {
    fc.assert(
      fc.property(keyArb, fc.array(rtcpArb, { minLength: 1, maxLength: 4 }), (k, packets) => {
        const key = Buffer.from(k.key);
        const salt = Buffer.from(k.salt);
        const native = NativeSrtcpProtector.create(deriveSessionKeys(profile, key, salt, true))!;
        const werift = new SrtcpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile });
        const local = (werift as unknown as { localContext: WeriftSrtcpContext }).localContext;
        for (const p of packets) {
          const plain = rtcp(p);
          const out = Buffer.alloc(plain.length + SRTCP_TRAILER_MAX);
          const n = native.protectInto(plain, p.index, out);
          // werift increments its index before use.
          local.setIndex(p.ssrc, p.index - 1);
          const expected = werift.encrypt(plain);
          assert.equal(n, expected.length);
          assert.ok(out.subarray(0, n).equals(expected), `index ${p.index}`);
          assert.ok(werift.decrypt(Buffer.from(out.subarray(0, n))).equals(plain));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test(`${name}: native SRTCP decryption opens werift's packets, and refuses a changed byte or a cut packet`, { skip }, () => {
    fc.assert(
      fc.property(keyArb, rtcpArb, fc.nat(), (k, p, flip) => {
        const key = Buffer.from(k.key);
        const salt = Buffer.from(k.salt);
        const werift = new SrtcpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile });
        (werift as unknown as { localContext: WeriftSrtcpContext }).localContext.setIndex(p.ssrc, p.index - 1);
        const plain = rtcp(p);
        const srtcp = werift.encrypt(plain);
        const opener = NativeSrtcpOpener.create(deriveSessionKeys(profile, key, salt, true))!;
        const opened = opener.open(Buffer.from(srtcp));
        assert.ok(opened?.equals(plain), 'opened');
        const changed = Buffer.from(srtcp);
        changed[flip % changed.length] ^= 0x01;
        assert.equal(opener.open(changed), undefined, `byte ${flip % changed.length} changed`);
        assert.equal(opener.open(Buffer.from(srtcp.subarray(0, 8 + (profile === SRTP_AEAD_AES_128_GCM ? 19 : 13)))), undefined, 'too short');
        assert.equal(opener.refused, 2);
      }),
      { numRuns: RUNS },
    );
  });
}

test('native SRTCP decryption takes unencrypted SRTCP (E = 0): only the tag is checked', { skip }, () => {
  const masterKey = Buffer.alloc(16, 3);
  const plain = rtcp({ ssrc: 0x01020304, pt: 201, body: new Uint8Array(24).fill(9) });
  const index = Buffer.from([0, 0, 0, 5]); // E = 0, index 5
  // AES-CM: the packet in the clear, E|index, then HMAC-SHA1-80 over both.
  const cm = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, masterKey, Buffer.alloc(14, 4), true);
  const signed = Buffer.concat([plain, index]);
  const cmPacket = Buffer.concat([signed, createHmac('sha1', cm.authKey).update(signed).digest().subarray(0, 10)]);
  assert.ok(NativeSrtcpOpener.create(cm)!.open(cmPacket)?.equals(plain));
  // GCM: all of the RTCP and E|index are the AAD of an empty plaintext; the tag, then E|index.
  const gcm = deriveSessionKeys(SRTP_AEAD_AES_128_GCM, masterKey, Buffer.alloc(12, 4), true);
  const iv = Buffer.alloc(12);
  plain.copy(iv, 2, 4, 8);
  index.copy(iv, 8);
  for (let i = 0; i < 12; i++) iv[i] ^= gcm.salt[i];
  const cipher = createCipheriv('aes-128-gcm', gcm.cipherKey, iv);
  cipher.setAAD(Buffer.concat([plain, index]));
  cipher.final();
  const gcmPacket = Buffer.concat([plain, cipher.getAuthTag(), index]);
  assert.ok(NativeSrtcpOpener.create(gcm)!.open(gcmPacket)?.equals(plain));
});

test('native SRTCP refuses what is not RTCP, a short buffer and an index beyond 31 bits', { skip }, () => {
  const native = NativeSrtcpProtector.create(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, Buffer.alloc(16, 1), Buffer.alloc(14, 2), true))!;
  const plain = rtcp({ ssrc: 1, pt: 200, body: new Uint8Array(20) });
  const out = Buffer.alloc(plain.length + SRTCP_TRAILER_MAX);
  assert.equal(native.protectInto(plain.subarray(0, 7), 0, out), -1, 'shorter than an RTCP header');
  const v1 = Buffer.from(plain);
  v1[0] = 0x40;
  assert.equal(native.protectInto(v1, 0, out), -1, 'not version 2');
  assert.equal(native.protectInto(plain, 0, Buffer.alloc(plain.length + 10)), -1, 'no room for the trailer');
  assert.equal(native.protectInto(plain, 0x80000000, out), -1, 'index beyond 31 bits');
  const addon = nativeAddon()!;
  const ctx = addon.srtpCreate(SRTP_AES128_CM_HMAC_SHA1_80, Buffer.alloc(16), Buffer.alloc(14), Buffer.alloc(20));
  assert.throws(() => addon.srtcpProtect(ctx, Buffer.alloc(30), 20, 0), RangeError, 'the addon itself checks the room');
  assert.throws(() => addon.srtcpProtect({} as never, Buffer.alloc(60), 20, 0), /context/);
});

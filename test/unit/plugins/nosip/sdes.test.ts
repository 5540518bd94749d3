// SDES keys for the plain leg: suite names, our keys, and that what one side protects the other opens (RTP with
// both tag lengths, SRTCP where the native addon is there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masterOf, newLocalSdes, sdesReceiver, sdesSender, sdesSuite } from '../../../../src/plugins/nosip/sdes.js';
import { buildPli } from '../../../../src/rtp/rtcp.js';

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(40, 7);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(1234, 8);
  return b;
}

test('suite names in any case; others refused', () => {
  assert.equal(sdesSuite('aes_cm_128_hmac_sha1_32'), 'AES_CM_128_HMAC_SHA1_32');
  assert.equal(sdesSuite('AES_CM_128_HMAC_SHA1_80'), 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(sdesSuite('AEAD_AES_256_GCM'), undefined);
});

test('our keys are 30 random bytes in base64; a short key is refused', () => {
  const a = newLocalSdes('AES_CM_128_HMAC_SHA1_80');
  const b = newLocalSdes('AES_CM_128_HMAC_SHA1_80');
  assert.equal(masterOf(a.key)?.length, 30);
  assert.notEqual(a.key, b.key);
  assert.equal(masterOf('c2hvcnQ='), undefined);
  assert.equal(sdesSender('AES_CM_128_HMAC_SHA1_80', 'c2hvcnQ='), undefined);
  assert.equal(sdesReceiver('AES_CM_128_HMAC_SHA1_80', 'c2hvcnQ='), undefined);
});

for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
  test(`${suite}: protected RTP opens with the same key, not with another`, () => {
    const { key } = newLocalSdes(suite);
    const sender = sdesSender(suite, key)!;
    const receiver = sdesReceiver(suite, key)!;
    const other = sdesReceiver(suite, newLocalSdes(suite).key)!;
    const out = Buffer.alloc(100);
    const plain = rtp(5);
    const n = sender.rtp.protectInto(plain, plain.length, 0, out);
    assert.equal(n, plain.length + 10);
    const wire = Buffer.from(out.subarray(0, plain.length + sender.tagLength));
    assert.equal(wire.length, plain.length + (suite.endsWith('32') ? 4 : 10));
    assert.equal(other.rtp.unprotect(Buffer.from(wire)), 'auth');
    const opened = receiver.rtp.unprotect(wire);
    assert.ok(Buffer.isBuffer(opened));
    assert.deepEqual(opened, plain);
    // SRTCP: the 80-bit tag whatever the suite; opened where the addon is there.
    const srtcp = sender.rtcp.protect(buildPli(1, 2))!;
    if (receiver.rtcp) assert.deepEqual(receiver.rtcp.open(srtcp), buildPli(1, 2));
  });
}

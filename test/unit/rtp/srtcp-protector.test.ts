// Our outbound SRTCP against werift's independent implementation: what we protect, werift decrypts to the same
// RTCP, packet after packet (the index advances); a changed byte fails its authentication.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SrtcpSession } from 'werift';
import { buildPli, buildRemb } from '../../../src/rtp/rtcp.js';
import { SrtcpProtector } from '../../../src/rtp/srtp/srtcp-protector.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../../src/rtp/srtp/srtp-keys.js';

test('werift decrypts the SRTCP we protect; tampering is detected', () => {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const ours = new SrtcpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, key, salt, true));
  const theirs = new SrtcpSession({ keys: { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(14), remoteMasterKey: key, remoteMasterSalt: salt }, profile: SRTP_AES128_CM_HMAC_SHA1_80 });
  for (let i = 0; i < 20; i++) {
    const rtcp = i % 2 === 0 ? buildPli(1, 0x11223344 + i) : buildRemb(1, 500_000 + i, [0xaabbccdd]);
    const enc = ours.protect(rtcp);
    assert.ok(enc);
    assert.equal(enc.length, rtcp.length + 14);
    assert.notDeepEqual(enc.subarray(8, rtcp.length), rtcp.subarray(8), 'payload encrypted');
    assert.deepEqual(theirs.decrypt(enc), rtcp);
  }
  const enc = ours.protect(buildPli(1, 5))!;
  enc[9] ^= 1;
  assert.throws(() => theirs.decrypt(enc));
  assert.equal(ours.protect(Buffer.alloc(4)), undefined);
});

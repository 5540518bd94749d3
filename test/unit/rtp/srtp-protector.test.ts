// Our outbound SRTP against werift's independent implementation: what we protect, werift must decrypt to the
// same RTP packet, for both profiles, across batches, sequence wrap (ROC), retransmissions and odd sizes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SrtpSession } from 'werift';
import { deriveKey, deriveSessionKeys, masterLengths, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, type SrtpProfile } from '../../../src/rtp/srtp/srtp-keys.js';
import { rtpHeaderLength, SrtpRtpProtector } from '../../../src/rtp/srtp/srtp-protector.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

function rtp(seq: number, ts: number, ssrc: number, payload: Buffer, opts: { csrcs?: number; ext?: number } = {}): Buffer {
  const extWords = opts.ext ?? -1;
  const extData = Buffer.alloc(4 * Math.max(0, extWords));
  if (extWords > 0) extData.set([0x10, 0xab]); // one-byte element id 1, 1 byte; the rest padding
  const extension = extWords >= 0 ? { profile: 0xbede, data: extData } : undefined;
  return rtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: ts, ssrc, csrcs: new Array<number>(opts.csrcs ?? 0).fill(0), extension, payload });
}

function pair(profile: SrtpProfile): { ours: SrtpRtpProtector; theirs: SrtpSession } {
  const len = masterLengths(profile);
  const key = randomBytes(len.key);
  const salt = randomBytes(len.salt);
  const ours = new SrtpRtpProtector(deriveSessionKeys(profile, key, salt));
  // werift decrypts with the "remote" keys: ours.
  const theirs = new SrtpSession({ keys: { localMasterKey: randomBytes(len.key), localMasterSalt: randomBytes(len.salt), remoteMasterKey: key, remoteMasterSalt: salt }, profile });
  return { ours, theirs };
}

test('RFC 3711 B.3: session keys derived from the example master key', () => {
  const key = Buffer.from('E1F97A0D3E018BE0D64FA32C06DE4139', 'hex');
  const salt = Buffer.from('0EC675AD498AFEEBB6960B3AABE6', 'hex');
  assert.equal(deriveKey(key, salt, 0, 16).toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(deriveKey(key, salt, 2, 14).toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
});

for (const [name, profile] of [
  ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80],
  ['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM],
] as const) {
  test(`${name}: werift decrypts what we protect, across batches, sizes and a sequence wrap`, () => {
    const { ours, theirs } = pair(profile);
    const ssrc = 0x11223344;
    let roc = 0;
    let seq = 65500;
    for (let i = 0; i < 200; i++) {
      const size = [1, 15, 16, 17, 160, 1100, 1200][i % 7];
      const packet = rtp(seq, i * 3000, ssrc, randomBytes(size), i % 5 === 0 ? { ext: 2 } : i % 11 === 0 ? { csrcs: 2 } : {});
      const enc = ours.protect(packet, packet.length, roc);
      assert.ok(enc);
      assert.equal(enc.length, packet.length + ours.tagLength);
      assert.deepEqual(theirs.decrypt(enc), packet, `packet ${i} (seq ${seq}, roc ${roc}, ${size} bytes)`);
      seq = (seq + 1) & 0xffff;
      if (seq === 0) roc++;
    }
    assert.equal(roc, 1);
  });

  test(`${name}: a retransmitted older packet and a second SSRC are protected correctly`, () => {
    const { ours, theirs } = pair(profile);
    const sent: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const p = rtp(1000 + i, i, 0xaaaa0001, randomBytes(900));
      sent.push(p);
      assert.deepEqual(theirs.decrypt(ours.protect(p, p.length, 0) as Buffer), p);
      const a = rtp(5000 + i, i, 0xbbbb0002, randomBytes(80));
      assert.deepEqual(theirs.decrypt(ours.protect(a, a.length, 0) as Buffer), a);
    }
    // werift tracks ROC per SSRC by highest sequence; a retransmission is an older index.
    const again = sent[3];
    const enc = ours.protect(again, again.length, 0) as Buffer;
    assert.deepEqual(theirs.decrypt(enc), again);
  });
}

test('malformed RTP is refused, not thrown', () => {
  const { ours } = pair(SRTP_AES128_CM_HMAC_SHA1_80);
  assert.equal(ours.protect(Buffer.alloc(8), 8, 0), undefined);
  const bad = rtp(1, 1, 1, Buffer.alloc(0), { ext: 0 });
  bad.writeUInt16BE(100, 14); // extension claims 400 bytes
  assert.equal(ours.protect(bad, bad.length, 0), undefined);
  assert.equal(rtpHeaderLength(Buffer.from([0x8f, 0, 0, 0]), 4), -1);
});

test('protectInto writes the same SRTP packet as protect, into the caller buffer', () => {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const p = new SrtpRtpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, key, salt));
  const plain = Buffer.alloc(200, 7);
  plain[0] = 0x80;
  plain[1] = 96;
  plain.writeUInt32BE(0xabcdef01, 8);
  const out = Buffer.alloc(300);
  for (let seq = 0; seq < 5; seq++) {
    plain.writeUInt16BE(seq, 2);
    const n = p.protectInto(plain, plain.length, 0, out);
    assert.equal(n, plain.length + 10);
    assert.deepEqual(out.subarray(0, n), p.protect(plain, plain.length, 0));
  }
  assert.equal(p.protectInto(plain, plain.length, 0, Buffer.alloc(150)), -1, 'too small a buffer');
});

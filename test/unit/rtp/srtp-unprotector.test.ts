// Inbound SRTP (AES-CM, 80- and 32-bit tags): what the protector sends comes back intact; tampering, replays and
// garbage are refused; the rollover counter is followed across a sequence wrap and small reordering.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { deriveSessionKeys, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../../src/rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../../src/rtp/srtp/srtp-protector.js';
import { estimateIndex, SrtpRtpUnprotector } from '../../../src/rtp/srtp/srtp-unprotector.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

function rtp(seq: number, payload: Buffer): Buffer {
  return rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0xabcdef01, payload });
}

for (const tagLength of [10, 4] as const) {
  test(`AES-CM with a ${tagLength * 8}-bit tag: round trip across a wrap, reordering; tamper and replay refused`, () => {
    const keys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, randomBytes(16), randomBytes(14));
    const out = new SrtpRtpProtector(keys);
    const inb = new SrtpRtpUnprotector(keys, tagLength);
    const sent: Buffer[] = [];
    const plain: Buffer[] = [];
    for (let i = 0; i < 120; i++) {
      const seq = 65480 + i;
      const p = rtp(seq, randomBytes(1 + (i % 300)));
      plain.push(p);
      const full = out.protect(p, p.length, Math.floor(seq / 65536)) as Buffer;
      sent.push(full.subarray(0, p.length + tagLength)); // a 32-bit tag is the first 4 bytes of the same HMAC
    }
    // Deliver with some reordering (swap neighbours every 7 packets).
    const order = sent.map((_, i) => i);
    for (let i = 0; i + 1 < order.length; i += 7) [order[i], order[i + 1]] = [order[i + 1], order[i]];
    for (const i of order) assert.deepEqual(inb.unprotect(sent[i]), plain[i], `packet ${i}`);
    assert.equal(inb.unprotect(sent[100]), 'replay');
    const next = rtp(65480 + 120, randomBytes(50));
    const good = (out.protect(next, next.length, 1) as Buffer).subarray(0, next.length + tagLength);
    const tampered = Buffer.from(good);
    tampered[20] ^= 1;
    assert.equal(inb.unprotect(tampered), 'auth');
    assert.deepEqual(inb.unprotect(good), next, 'a refused forgery does not block the real packet');
    assert.equal(inb.unprotect(Buffer.alloc(5)), 'malformed');
    for (let i = 0; i < 200; i++) {
      const junk = randomBytes(Math.floor(Math.random() * 100));
      const r = inb.unprotect(junk);
      assert.ok(r === 'malformed' || r === 'auth' || r === 'replay', String(r));
    }
  });
}

test('ROC estimation (RFC 3711 Appendix A)', () => {
  assert.equal(estimateIndex(65535, 0), 65536, 'wrap forward');
  assert.equal(estimateIndex(65536 + 2, 65534), 65534, 'late packet from before the wrap');
  assert.equal(estimateIndex(1000, 999), 999);
  assert.equal(estimateIndex(40000, 100), 65536 + 100);
});

test('AEAD_AES_128_GCM: round trip across a wrap, in place too; tamper and replay refused; a window of 64 both ways', () => {
  const keys = deriveSessionKeys(SRTP_AEAD_AES_128_GCM, randomBytes(16), randomBytes(12));
  const out = new SrtpRtpProtector(keys);
  const inb = new SrtpRtpUnprotector(keys);
  assert.equal(inb.tagLength, 16);
  const plain: Buffer[] = [];
  const sent: Buffer[] = [];
  for (let i = 0; i < 100; i++) {
    const seq = 65500 + i;
    const p = rtp(seq, randomBytes(1 + (i % 200)));
    plain.push(p);
    sent.push(Buffer.from(out.protect(p, p.length, Math.floor(seq / 65536)) as Buffer));
  }
  for (let i = 0; i < 100; i++) {
    const copy = Buffer.from(sent[i]);
    assert.deepEqual(i % 2 ? inb.unprotect(copy, true) : inb.unprotect(copy), plain[i], `packet ${i}`);
  }
  assert.equal(inb.unprotect(Buffer.from(sent[99])), 'replay');
  assert.equal(inb.unprotect(Buffer.from(sent[10])), 'replay', 'older than the window');
  const next = rtp(65600, randomBytes(40));
  const tampered = Buffer.from(out.protect(next, next.length, 1) as Buffer);
  tampered[20] ^= 1;
  assert.equal(inb.unprotect(tampered), 'auth');
});

test('replay window: late packets inside 64 are taken once, also across the 32-bit word boundary', () => {
  const keys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, randomBytes(16), randomBytes(14));
  const out = new SrtpRtpProtector(keys);
  const inb = new SrtpRtpUnprotector(keys);
  const packets = new Map<number, Buffer>();
  for (let seq = 1000; seq < 1100; seq++) {
    const p = rtp(seq, Buffer.from('x'));
    packets.set(seq, Buffer.from(out.protect(p, p.length, 0) as Buffer));
  }
  // Every other packet first, then the missing ones late (delays up to 40 and 63).
  for (let seq = 1000; seq < 1100; seq += 2) assert.ok(Buffer.isBuffer(inb.unprotect(Buffer.from(packets.get(seq)!))));
  for (const late of [1097, 1059, 1037, 1035]) {
    assert.ok(Buffer.isBuffer(inb.unprotect(Buffer.from(packets.get(late)!))), `late ${late} accepted`);
    assert.equal(inb.unprotect(Buffer.from(packets.get(late)!)), 'replay', `late ${late} once only`);
  }
  assert.equal(inb.unprotect(Buffer.from(packets.get(1033)!)), 'replay', 'beyond the window');
});

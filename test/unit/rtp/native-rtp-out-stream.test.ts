// The native outgoing stream against RtpOutStream, the TypeScript reference: random runs of packets from several
// sources (in order, late, repeated), skips, restarts, NACK recalls and idle prunes give the same SRTP bytes, the
// same resends and the same Sender Report counters. Plus the native entry points' own argument checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { NativeRtpOutStream } from '../../../src/rtp/native-rtp-out-stream.js';
import { RtpOutStream } from '../../../src/media/rtp-out-stream.js';
import { nativeAddon, nativeAddonStatus } from '../../../src/native/native-addon.js';
import { NativeSrtpRtpProtector } from '../../../src/rtp/srtp/native-srtp-protector.js';
import { deriveSessionKeys, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../../src/rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../../src/rtp/srtp/srtp-protector.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;
const RUNS = Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 300);

type Op =
  | { kind: 'send'; source: number; seqStep: number; tsStep: number; size: number; marker: boolean; ext: boolean }
  | { kind: 'skip' }
  | { kind: 'restart' }
  | { kind: 'recall'; back: number }
  | { kind: 'wait'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      source: fc.integer({ min: 0, max: 2 }),
      // Mostly the next packet; sometimes a jump, a late one (negative) or the same again (0).
      seqStep: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: -0x8000, max: 0xffff }) }),
      tsStep: fc.oneof(fc.constant(0), fc.constant(3000), fc.integer({ min: 0, max: 0xffffffff })),
      size: fc.integer({ min: 0, max: 1300 }),
      marker: fc.boolean(),
      ext: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'skip' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('recall' as const), back: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 200 })) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.double({ min: 0, max: 60, noNaN: true }), fc.constantFrom(19.99, 20, 450, 499, 501, 999.5, 1000, 2000, 2500)) }),
  },
);

for (const [name, profile, keyLength, saltLength] of [
  ['AES-CM', SRTP_AES128_CM_HMAC_SHA1_80, 16, 14],
  ['GCM', SRTP_AEAD_AES_128_GCM, 16, 12],
] as const) {
  test(`native outgoing stream (${name}) sends, resends and counts exactly as RtpOutStream`, { skip }, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLength, maxLength: keyLength }),
        fc.uint8Array({ minLength: saltLength, maxLength: saltLength }),
        fc.boolean(),
        fc.integer({ min: 0, max: 127 }),
        fc.constantFrom(90000, 48000, 8000),
        fc.array(opArb, { minLength: 1, maxLength: 120 }),
        (key, salt, history, payloadType, clockRate, ops) => {
          const keys = deriveSessionKeys(profile, Buffer.from(key), Buffer.from(salt));
          const tsProtect = new SrtpRtpProtector(keys);
          const nativeProtect = NativeSrtpRtpProtector.create(keys);
          assert.ok(nativeProtect);
          const ref = new RtpOutStream(0xcafe0001, payloadType, clockRate, history);
          const native = NativeRtpOutStream.create(nativeProtect.context, 0xcafe0001, payloadType, clockRate, history);
          assert.ok(native);
          const scratch = Buffer.alloc(1500);
          const out = Buffer.alloc(1500);
          const seqs = [0x1000, 0xfff0, 7];
          const tss = [0, 0xfffff000, 12345];
          let now = 1000;
          let lastSent = -1;
          for (const op of ops) {
            if (op.kind === 'send') {
              seqs[op.source] = (seqs[op.source] + op.seqStep) & 0xffff;
              tss[op.source] = (tss[op.source] + op.tsStep) >>> 0;
              const packet = rtpPacket({
                sequenceNumber: seqs[op.source],
                timestamp: tss[op.source],
                ssrc: 0x5000 + op.source,
                payloadType: 96,
                marker: op.marker,
                extension: op.ext ? { profile: 0xbede, data: Buffer.alloc(4, 0x10) } : undefined,
                payload: Buffer.alloc(op.size, op.size & 0xff),
              });
              const roc = ref.rewrite(packet, scratch, now);
              const seq = (scratch[2] << 8) | scratch[3];
              const enc = ref.bufferFor(seq, packet.length + tsProtect.tagLength);
              const want = tsProtect.protectInto(scratch, packet.length, roc, enc);
              if (want >= 0) ref.remember(seq, want, now);
              const got = native.sendInto(packet, now, out);
              assert.equal(got, want);
              assert.deepEqual(out.subarray(0, got), enc.subarray(0, want));
              assert.equal(native.bytesLastSecond(now), ref.bytesLastSecond(now), 'bytes of the last second');
              lastSent = seq;
            } else if (op.kind === 'skip') {
              ref.skip();
              native.skip();
            } else if (op.kind === 'restart') {
              ref.restart();
              native.restart();
            } else if (op.kind === 'recall') {
              const seq = (lastSent - op.back) & 0xffff;
              const want = ref.recall(seq, now);
              const got = native.recallInto(seq, now, out);
              assert.equal(got, want?.length ?? 0, `recall of ${seq}`);
              if (want) assert.deepEqual(out.subarray(0, got), want);
            } else {
              now += op.ms;
              ref.prune(now);
              native.prune(now);
            }
          }
          assert.deepEqual(
            [native.packets, native.octets, native.retransmitted, native.lastTs, native.lastSentAt, native.timestampAt(now + 33), native.bytesLastSecond(now + 1500)],
            [ref.packets, ref.octets, ref.retransmitted, ref.lastTs, ref.lastSentAt, ref.timestampAt(now + 33), ref.bytesLastSecond(now + 1500)],
          );
          // The three counters read in one native call, as the metrics and statistics read them.
          assert.deepEqual(native.sentCounts(), ref.sentCounts());
          assert.deepEqual(native.sentCounts(), { packets: ref.packets, octets: ref.octets, retransmitted: ref.retransmitted });
        },
      ),
      { numRuns: RUNS },
    );
  });
}

test('native outgoing stream: bad arguments throw before anything changes; src and out may not overlap', { skip }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const keys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, Buffer.alloc(16), Buffer.alloc(14));
  const ctx = NativeSrtpRtpProtector.create(keys)!.context;
  const stream = addon.outStreamCreate(ctx, 1, 96, 90000, true);
  const packet = rtpPacket({ sequenceNumber: 1, payload: Buffer.alloc(100) });
  assert.throws(() => addon.outStreamCreate(ctx, -1, 96, 90000, true), RangeError);
  assert.throws(() => addon.outStreamCreate(ctx, 1, 128, 90000, true), RangeError);
  assert.throws(() => addon.outStreamCreate(ctx, 1, 96, 0, true), RangeError);
  assert.throws(() => addon.outStreamCreate(stream as never, 1, 96, 90000, true), TypeError);
  assert.throws(() => addon.outStreamSend(ctx as never, packet, packet.length, 0, Buffer.alloc(200)), TypeError);
  assert.throws(() => addon.outStreamSend(stream, packet, packet.length, NaN, Buffer.alloc(200)), RangeError);
  assert.throws(() => addon.outStreamSend(stream, packet, packet.length + 1, 0, Buffer.alloc(200)), RangeError);
  assert.throws(() => addon.outStreamSend(stream, packet, packet.length, 0, Buffer.alloc(packet.length + 9)), RangeError, 'no room for the tag');
  const both = Buffer.alloc(400);
  packet.copy(both);
  assert.throws(() => addon.outStreamSend(stream, both.subarray(0, packet.length), packet.length, 0, both.subarray(50)), RangeError, 'overlap');
  assert.equal(addon.outStreamSend(stream, Buffer.alloc(11, 0x80), 11, 0, Buffer.alloc(100)), -1, 'shorter than a header');
  const counters = new Float64Array(8);
  addon.outStreamCounters(stream, counters);
  assert.deepEqual([...counters], [0, 0, 0, 0, -1, 0, 0, -1], 'nothing counted by the refusals');
  assert.throws(() => addon.outStreamCounters(stream, new Float64Array(7)), RangeError);
  assert.throws(() => addon.outStreamRecall(stream, 70000, 0, 20, Buffer.alloc(10)), RangeError);
  const n = addon.outStreamSend(stream, packet, packet.length, 10, Buffer.alloc(200));
  assert.equal(n, packet.length + 10);
  assert.throws(() => addon.outStreamRecall(stream, 1, 100, 20, Buffer.alloc(10)), RangeError, 'out too small for the kept packet');
  assert.equal(addon.outStreamRecall(stream, 1, 100, 20, Buffer.alloc(200)), n);
});

test('native outgoing stream: the NACK history holds about 500 ms of packets, not a buffer in each of its 128 slots', { skip }, () => {
  const keys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, Buffer.alloc(16), Buffer.alloc(14));
  const stream = NativeRtpOutStream.create(NativeSrtpRtpProtector.create(keys)!.context, 1, 96, 90000, true)!;
  const out = Buffer.alloc(1500);
  // 100 packets a second of 1100 bytes for 3 s: about 50 are resendable at any time.
  for (let i = 0; i < 300; i++) stream.sendInto(rtpPacket({ sequenceNumber: i, payload: Buffer.alloc(1100) }), i * 10, out);
  const held = stream.historyBytes;
  assert.ok(held <= (51 + 16) * 1300, `history holds ${held} bytes`);
  assert.ok(held >= 50 * 1300, `history holds ${held} bytes`);
  assert.ok(stream.recallInto(299 - 49, 2990, out) > 0, 'a packet 490 ms old is resent');
  assert.equal(stream.recallInto(299 - 60, 2990, out), 0, 'one 600 ms old is gone');
  // A burst (a keyframe of 120 packets at once) is all kept, then given back as it ages.
  for (let i = 300; i < 420; i++) stream.sendInto(rtpPacket({ sequenceNumber: i, payload: Buffer.alloc(1100) }), 3000, out);
  assert.ok(stream.recallInto(300, 3000, out) > 0);
  for (let i = 420; i < 520; i++) stream.sendInto(rtpPacket({ sequenceNumber: i, payload: Buffer.alloc(1100) }), 3000 + (i - 419) * 10, out);
  assert.ok(stream.historyBytes <= (51 + 16) * 1300, `after the burst: ${stream.historyBytes} bytes`);
  stream.prune(10_000);
  assert.equal(stream.historyBytes, 0, 'an idle stream gives everything back');
});

test('native outgoing stream: its SRTP context lives as long as the stream, after the context object is collected', { skip }, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const keys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, Buffer.alloc(16, 1), Buffer.alloc(14, 2));
  const packet = rtpPacket({ sequenceNumber: 9, payload: Buffer.alloc(200, 3) });
  const want = new SrtpRtpProtector(keys).protect(Buffer.from(packet), packet.length, 0);
  // Only the stream holds the context once this returns.
  const stream = ((): NativeRtpOutStream => NativeRtpOutStream.create(NativeSrtpRtpProtector.create(keys)!.context, packet.readUInt32BE(8), packet[1] & 0x7f, 90000, true)!)();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const out = Buffer.alloc(300);
  const n = stream.sendInto(packet, 1, out);
  assert.deepEqual(out.subarray(0, n), want);
});

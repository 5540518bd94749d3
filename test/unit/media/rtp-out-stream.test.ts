// RtpOutStream: our SSRC/PT written over the source's, one continuous stream across a new source and a restart,
// the rollover counter across a wrap, and the NACK history with its resend limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HISTORY_MS, HISTORY_SLOTS, RtpOutStream } from '../../../src/media/rtp-out-stream.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

function src(ssrc: number, seq: number, ts: number, pt = 100): Buffer {
  return rtpPacket({ payloadType: pt, marker: true, sequenceNumber: seq, timestamp: ts, ssrc, payload: Buffer.alloc(8) });
}

test('rewrite keeps one stream across a new source and a restart; ROC follows the wrap', () => {
  const out = new RtpOutStream(0xdeadbeef, 96, 90000, true);
  const buf = Buffer.alloc(1500);
  let t = 0;
  const send = (p: Buffer) => {
    const roc = out.rewrite(p, buf, t);
    return { seq: buf.readUInt16BE(2), ts: buf.readUInt32BE(4), ssrc: buf.readUInt32BE(8), pt: buf[1] & 0x7f, marker: buf[1] >> 7, roc };
  };
  const a = send(src(1, 65534, 1000));
  assert.deepEqual([a.ssrc, a.pt, a.marker], [0xdeadbeef, 96, 1]);
  t += 33;
  const b = send(src(1, 65535, 4000));
  assert.equal(b.seq, 65535);
  t += 33;
  const c = send(src(1, 0, 7000));
  assert.deepEqual([c.seq, c.roc], [0, 1], 'wrap: the ROC goes up');
  // A new source with unrelated numbers: the next sequence number, the clock advanced by the wall time.
  t += 100;
  const d = send(src(2, 30000, 123456789));
  assert.equal(d.seq, 1);
  assert.equal((d.ts - c.ts) >>> 0, 9000, '100 ms at 90 kHz');
  // Pause then start on the same source: restart() re-bases although the SSRC did not change.
  t += 1000;
  out.restart();
  const e = send(src(2, 30500, 123456789 + 500 * 3000));
  assert.equal(e.seq, 2);
  assert.equal((e.ts - d.ts) >>> 0, 90000);
  assert.equal(out.packets, 5);
});

test('NACK history: recall within the slots, once per 20 ms, nothing for unknown, overwritten or too old packets', () => {
  const out = new RtpOutStream(1, 96, 90000, true);
  /** Protects (here: writes) `text` into the slot buffer for `seq`, as the send path does. */
  const keep = (seq: number, text: string, now: number): Buffer => {
    const b = out.bufferFor(seq, text.length + 10);
    const n = b.write(text);
    out.remember(seq, n, now);
    return b;
  };
  const first = keep(500, 'protected', 1000);
  assert.equal(out.recall(500, 1000)?.toString(), 'protected');
  assert.equal(out.recall(500, 1010), undefined, 'again too soon');
  assert.equal(out.recall(500, 1030)?.toString(), 'protected');
  assert.equal(out.recall(501, 1030), undefined);
  const reused = keep(500 + HISTORY_SLOTS, 'newer', 1040);
  assert.equal(reused, first, 'the slot buffer is reused, not reallocated');
  assert.equal(out.recall(500, 1100), undefined, 'slot reused');
  assert.equal(out.recall(500 + HISTORY_SLOTS, 1100)?.toString(), 'newer');
  keep(600, 'x', 2000);
  assert.equal(out.recall(600, 2000 + HISTORY_MS + 1), undefined, 'older than the history keeps');
  // Buffers stay while the stream sends; an idle stream gives them back.
  keep(601, 'y', 3000);
  out.lastSentAt = 3000;
  out.prune(3100);
  assert.equal(out.recall(601, 3100)?.toString(), 'y', 'an active stream keeps its buffers');
  out.prune(3000 + 2001);
  assert.equal(out.recall(601, 3000), undefined, 'idle: let go');
  const audio = new RtpOutStream(2, 111, 48000, false);
  assert.equal(audio.recall(1, 0), undefined, 'audio keeps no history');
  const firstSpare = audio.bufferFor(1, 100);
  assert.notEqual(audio.bufferFor(2, 100), firstSpare, 'the next packet gets another buffer (the first may still be queued)');
  for (let i = 3; i <= 8; i++) audio.bufferFor(i, 100);
  assert.equal(audio.bufferFor(9, 100), firstSpare, 'a few buffers serve in turn');
});

test('skips close the gap; a late packet from before a skip keeps the number it was due', () => {
  const out = new RtpOutStream(7, 96, 90000, true);
  const buf = Buffer.alloc(1500);
  const seqOf = (inSeq: number): number => {
    out.rewrite(src(1, inSeq, inSeq * 3000), buf, inSeq);
    return buf.readUInt16BE(2);
  };
  assert.deepEqual([65530, 65531, 65532].map(seqOf), [65530, 65531, 65532]);
  out.skip(); // 65533 dropped
  out.skip(); // 65534 dropped
  assert.equal(seqOf(65535), 65533, 'the gap is closed');
  assert.equal(seqOf(0), 65534, 'across the wrap');
  assert.equal(seqOf(65531), 65531, 'a retransmission of a packet before the skips: its own number again');
  assert.equal(seqOf(65535), 65533, 'one after the skips: the current numbering');
  assert.equal(seqOf(1), 65535);
  out.skip(); // 2 dropped
  assert.equal(seqOf(1), 65535, 'a second copy of the newest packet sent (RTX probing resends it), a skip since: its own number');
  assert.equal(seqOf(3), 0, 'the next one: after the gap closed');
  assert.equal(seqOf(3), 0, 'a copy of it, no skip since: the same number');
});

test('NACK history holds about HISTORY_MS of packets: buffers of older ones are recycled, not one per slot', () => {
  const out = new RtpOutStream(1, 96, 90000, true);
  const scratch = Buffer.alloc(1500);
  const send = (seq: number, now: number): void => {
    const packet = rtpPacket({ sequenceNumber: seq & 0xffff, payload: Buffer.alloc(1100) });
    out.rewrite(packet, scratch, now);
    const outSeq = (scratch[2] << 8) | scratch[3];
    const b = out.bufferFor(outSeq, packet.length + 10);
    scratch.copy(b, 0, 0, packet.length);
    out.remember(outSeq, packet.length + 10, now);
  };
  // 100 packets a second for 3 s: about 50 are resendable at any time.
  for (let i = 0; i < 300; i++) send(i, i * 10);
  assert.ok(out.historyBytes <= (51 + 16) * 1300, `history holds ${out.historyBytes} bytes`);
  assert.ok(out.historyBytes >= 50 * 1300, `history holds ${out.historyBytes} bytes`);
  assert.ok(out.recall(299 - 49, 2990) !== undefined, 'a packet 490 ms old is resent');
  assert.equal(out.recall(299 - 60, 2990), undefined, 'one 600 ms old is gone');
  // A burst is all kept, then given back as it ages.
  for (let i = 300; i < 420; i++) send(i, 3000);
  assert.ok(out.recall(300, 3000) !== undefined);
  for (let i = 420; i < 520; i++) send(i, 3000 + (i - 419) * 10);
  assert.ok(out.historyBytes <= (51 + 16) * 1300, `after the burst: ${out.historyBytes} bytes`);
  out.prune(10_000);
  assert.equal(out.historyBytes, 0, 'an idle stream gives everything back');
});

// RtpOutStream: our SSRC/PT written over the source's, one continuous stream across a new source and a restart,
// the rollover counter across a wrap, and the NACK history with its resend limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HISTORY_MS, RtpOutStream } from '../../src/media/rtp-out-stream.js';

function src(ssrc: number, seq: number, ts: number, pt = 100): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80;
  b[1] = 0x80 | pt; // marker set
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
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
  const p = Buffer.from('protected');
  out.remember(500, p, 1000);
  assert.equal(out.recall(500, 1000), p);
  assert.equal(out.recall(500, 1010), undefined, 'again too soon');
  assert.equal(out.recall(500, 1030), p);
  assert.equal(out.recall(501, 1030), undefined);
  out.remember(500 + 256, Buffer.from('newer'), 1040);
  assert.equal(out.recall(500, 1100), undefined, 'slot reused');
  out.remember(600, p, 2000);
  assert.equal(out.recall(600, 2000 + HISTORY_MS + 1), undefined, 'older than the history keeps');
  out.remember(601, p, 3000);
  out.prune(3000 + HISTORY_MS + 1);
  assert.equal(out.recall(601, 3000), undefined, 'pruned: let go');
  assert.equal(new RtpOutStream(2, 111, 48000, false).recall(1, 0), undefined, 'audio keeps no history');
});

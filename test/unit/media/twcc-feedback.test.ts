// Transport-wide CC feedback: what the recorder reports must decode back to the arrival times it was given, with
// losses, reordering, sequence wrap, large gaps in time and long runs, and the parser must survive garbage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTransportCcFeedback, TransportCcRecorder, type TransportCcFeedback } from '../../../src/media/twcc-feedback.js';

/** Arrival ticks (250 µs) per 16-bit sequence number, rebuilt from feedback messages. */
function arrivals(msgs: readonly TransportCcFeedback[]): Map<number, number | undefined> {
  const out = new Map<number, number | undefined>();
  for (const m of msgs) {
    let t = m.referenceTime * 256;
    m.deltas.forEach((d, i) => {
      const seq = (m.baseSeq + i) & 0xffff;
      if (d === undefined) {
        if (!out.has(seq)) out.set(seq, undefined);
        return;
      }
      t += d;
      out.set(seq, t);
    });
  }
  return out;
}

function decodeAll(bufs: readonly Buffer[]): TransportCcFeedback[] {
  return bufs.map((b) => {
    assert.equal(b.length % 4, 0);
    assert.equal((b.readUInt16BE(2) + 1) * 4, b.length);
    const m = parseTransportCcFeedback(b);
    assert.ok(m, 'feedback parses');
    return m;
  });
}

test('arrival times and losses come back as they were recorded', () => {
  const r = new TransportCcRecorder();
  const sent: Array<[number, number]> = [];
  let t = 1_000_000; // µs
  for (let seq = 100; seq < 160; seq++) {
    t += seq % 10 === 0 ? 90_000 : 1_000 + (seq % 3) * 400; // some small deltas and some large ones
    if (seq % 7 === 3) continue; // lost
    sent.push([seq, t]);
    r.onPacket(seq, t);
  }
  const msgs = decodeAll(r.takeFeedback(1, 0x1234));
  assert.equal(msgs[0].senderSsrc, 1);
  assert.equal(msgs[0].mediaSsrc, 0x1234);
  assert.equal(msgs[0].baseSeq, 100);
  const got = arrivals(msgs);
  for (const [seq, us] of sent) assert.equal(got.get(seq), Math.floor(us / 250), `seq ${seq}`);
  for (let seq = 100; seq < 160; seq++) if (seq % 7 === 3) assert.equal(got.get(seq), undefined);
  assert.equal(r.pending, false);
  assert.deepEqual(r.takeFeedback(1, 0), []);
});

test('feedback continues where it stopped; late packets are not reported twice; counts go up', () => {
  const r = new TransportCcRecorder();
  r.onPacket(10, 1000);
  r.onPacket(12, 2000);
  const first = decodeAll(r.takeFeedback(1, 0));
  assert.equal(first.length, 1);
  assert.deepEqual(
    first[0].deltas.map((d) => d !== undefined),
    [true, false, true],
  );
  r.onPacket(11, 3000); // late: 11 was already reported lost
  r.onPacket(13, 4000);
  const second = decodeAll(r.takeFeedback(1, 0));
  assert.equal(second.length, 1);
  assert.equal(second[0].baseSeq, 13);
  assert.equal(second[0].deltas.length, 1);
  assert.equal(second[0].fbCount, (first[0].fbCount + 1) & 0xff);
});

test('reordering inside one window is reported in sequence order, negative deltas included', () => {
  const r = new TransportCcRecorder();
  r.onPacket(5, 10_000);
  r.onPacket(7, 11_000);
  r.onPacket(6, 12_000); // arrived after 7
  const [m] = decodeAll(r.takeFeedback(1, 0));
  const got = arrivals([m]);
  assert.equal(got.get(5), 40);
  assert.equal(got.get(6), 48);
  assert.equal(got.get(7), 44);
});

test('sequence numbers wrap at 65536', () => {
  const r = new TransportCcRecorder();
  const seqs = [65533, 65534, 65535, 0, 1, 2];
  seqs.forEach((s, i) => r.onPacket(s, 5_000_000 + i * 2_000));
  const got = arrivals(decodeAll(r.takeFeedback(1, 0)));
  seqs.forEach((s, i) => assert.equal(got.get(s), Math.floor((5_000_000 + i * 2_000) / 250)));
});

test('a pause longer than a 16-bit delta splits the feedback; a long run fits in several messages', () => {
  const r = new TransportCcRecorder();
  r.onPacket(1, 1_000_000);
  r.onPacket(2, 1_000_000 + 10_000_000); // 10 s later
  const msgs = decodeAll(r.takeFeedback(1, 0));
  assert.equal(msgs.length, 2);
  const got = arrivals(msgs);
  assert.equal(got.get(2), Math.floor(11_000_000 / 250));

  const big = new TransportCcRecorder();
  for (let i = 0; i < 2000; i++) big.onPacket(i & 0xffff, 2_000_000 + i * (i % 2 === 0 ? 100 : 70_000));
  const many = decodeAll(big.takeFeedback(1, 0));
  assert.ok(many.length >= 2, `${many.length} messages`);
  for (const b of big.takeFeedback(1, 0)) assert.fail(`unexpected ${b.length}`);
  const all = arrivals(many);
  for (let i = 0; i < 2000; i += 97) assert.ok(all.get(i) !== undefined, `seq ${i}`);
});

test('a long loss ahead of the next packet is one cheap message', () => {
  const r = new TransportCcRecorder();
  r.onPacket(0, 1000);
  decodeAll(r.takeFeedback(1, 0));
  r.onPacket(1500, 2000);
  const bufs = r.takeFeedback(1, 0);
  assert.equal(bufs.length, 1);
  assert.ok(bufs[0].length < 40, `${bufs[0].length} bytes`);
  const [m] = decodeAll(bufs);
  assert.equal(m.deltas.length, 1500);
  assert.notEqual(m.deltas[1499], undefined);
  // A jump beyond what is kept: reporting starts no further back than that.
  r.onPacket(9000, 3000);
  const [far] = decodeAll(r.takeFeedback(1, 0));
  assert.ok(far.deltas.length <= 2048 && far.deltas[far.deltas.length - 1] !== undefined);
});

test('parser: truncations and random bytes never throw', () => {
  const r = new TransportCcRecorder();
  for (let i = 0; i < 50; i++) if (i % 5 !== 0) r.onPacket(i, 1000 + i * 3000);
  const [good] = r.takeFeedback(1, 0);
  for (let n = 0; n < good.length; n++) parseTransportCcFeedback(good.subarray(0, n));
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 4; k++) b[rnd() % b.length] = rnd();
    parseTransportCcFeedback(b);
    const junk = Buffer.alloc(rnd() % 64);
    for (let k = 0; k < junk.length; k++) junk[k] = rnd();
    parseTransportCcFeedback(junk);
  }
});

// SRTP between nodes (src/plugins/node-srtp.ts): media and data protected by the sending node and opened by the
// receiving one, keyframe requests back as SRTCP, across a sequence number wrap; a wrong key or a changed byte refused;
// the sending node's RTCP (which moves where the receiving node sends back) opened once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshNodeKey, isNodeKey, NodeSrtpReceiver, NodeSrtpSender } from '../../../src/plugins/node-srtp.js';
import { buildPli, buildReceiverReport } from '../../../src/rtp/rtcp.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

test('a fresh key has the form another node checks; others do not', () => {
  assert.ok(isNodeKey(freshNodeKey()));
  assert.notEqual(freshNodeKey(), freshNodeKey());
  for (const bad of [undefined, 3, '', 'AAAA', Buffer.alloc(16).toString('base64'), 'x'.repeat(100)]) assert.equal(isNodeKey(bad), false);
});

test('media crosses a sequence number wrap, data comes out as sent, a PLI goes back', () => {
  const key = freshNodeKey();
  const sender = new NodeSrtpSender(key);
  const receiver = new NodeSrtpReceiver(key);
  const out = Buffer.alloc(1600);
  for (let i = 0; i < 40; i++) {
    const seq = (0xffec + i) & 0xffff;
    const payload = Buffer.from([i, 1, 2, 3, 4]);
    const plain = rtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: i * 3000, ssrc: 0x2222, payload });
    const n = sender.protectInto(plain, plain.length, out);
    assert.equal(n, plain.length + sender.tagLength);
    assert.ok(!out.subarray(12, plain.length).equals(plain.subarray(12)), 'the payload is encrypted');
    const opened = receiver.open(Buffer.from(out.subarray(0, n)));
    assert.deepEqual(opened, plain, `packet ${seq}`);
  }
  const message = Buffer.from('hello over the nodes');
  const n = sender.protectData(message, 0xda7a0001, out);
  assert.ok(!out.subarray(0, n).includes(message));
  assert.deepEqual(receiver.openData(Buffer.from(out.subarray(0, n))), message);

  const pli = buildPli(1, 0x2222);
  const srtcp = receiver.protectRtcp(pli)!;
  assert.deepEqual(sender.openRtcp(srtcp), pli);
  srtcp[srtcp.length - 1] ^= 1;
  assert.equal(sender.openRtcp(srtcp), undefined);
  assert.equal(receiver.refused, 0);
});

test('what another key protected is refused, and counted', () => {
  const sender = new NodeSrtpSender(freshNodeKey());
  const receiver = new NodeSrtpReceiver(freshNodeKey());
  const plain = rtpPacket({ payloadType: 111, sequenceNumber: 1, timestamp: 960, ssrc: 0x1111, payload: Buffer.from([1, 2, 3]) });
  const out = Buffer.alloc(100);
  const n = sender.protectInto(plain, plain.length, out);
  assert.equal(receiver.open(out.subarray(0, n)), undefined);
  assert.equal(receiver.refused, 1);
  assert.equal(new NodeSrtpSender(freshNodeKey()).openRtcp(receiver.protectRtcp(buildPli(1, 1))!), undefined);
});

test("the sending node's RTCP opens on the receiving node once: a replay, a plain packet or a changed byte is refused", () => {
  const key = freshNodeKey();
  const sender = new NodeSrtpSender(key);
  const receiver = new NodeSrtpReceiver(key);
  const rr = buildReceiverReport(1010, 0, () => undefined);
  const first = sender.protectRtcp(rr)!;
  const second = sender.protectRtcp(rr)!;
  assert.ok(!first.equals(second), 'each packet has its own index');
  assert.deepEqual(receiver.openRtcp(first), rr);
  assert.deepEqual(receiver.openRtcp(second), rr);
  assert.equal(receiver.openRtcp(first), undefined, 'a replay moves nothing');
  assert.equal(receiver.openRtcp(rr), undefined, 'plain RTCP is refused');
  const changed = Buffer.from(sender.protectRtcp(rr)!);
  changed[5] ^= 1;
  assert.equal(receiver.openRtcp(changed), undefined);
  assert.equal(receiver.refused, 3);
  assert.equal(sender.refused, 0);
  assert.equal(sender.openRtcp(rr), undefined);
  assert.equal(sender.refused, 1, 'the sending node counts what it refuses too');
});

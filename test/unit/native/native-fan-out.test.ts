// Native fan-out groups (src/native/fan-out.c through net/udp-fan-out.ts): one call gives every member the datagram
// its own outgoing stream would have sent alone (same rewrite, same SRTP, same history), on its own socket and
// address, through this thread or the sender threads; a bad member list is refused whole and leaves the group as
// it was; the counters add up.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { nativeAddon, nativeAddonStatus, type OutStreamHandle } from '../../../src/native/native-addon.js';
import { udpSocketFd } from '../../../src/net/socket-fd.js';
import { UdpFanOut } from '../../../src/net/udp-fan-out.js';
import { UdpSendPool } from '../../../src/net/udp-send-pool.js';
import { waitFor } from '../../../support/wait.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  socket.setRecvBufferSize(4 * 1024 * 1024);
  return socket;
}

/** A keyed AES-CM or GCM context (fixed keys per member index, so a twin can be made). */
function context(i: number) {
  const addon = nativeAddon()!;
  const gcm = i % 2 === 1;
  return addon.srtpCreate(gcm ? 7 : 1, Buffer.alloc(16, i + 1), Buffer.alloc(gcm ? 12 : 14, i + 2), Buffer.alloc(gcm ? 0 : 20, i + 3));
}

/** An RTP packet of a source, with a payload naming its number. */
function sourcePacket(n: number): Buffer {
  const b = Buffer.alloc(12 + 40 + (n % 7) * 100, n & 0xff);
  b[0] = 0x80;
  b[1] = 96 | (n % 5 === 0 ? 0x80 : 0);
  b.writeUInt16BE((60000 + n) & 0xffff, 2);
  b.writeUInt32BE((n * 3000) >>> 0, 4);
  b.writeUInt32BE(0x1234, 8);
  b.write(`packet ${n}`, 12);
  return b;
}

for (const threads of [0, 2]) {
  test(`fan-out (${threads ? 'sender threads' : 'this thread'}): each member gets what its own stream sends alone, on its socket, in order`, { skip }, async () => {
    const addon = nativeAddon()!;
    const senders = [await bound(), await bound()];
    const receivers = await Promise.all(Array.from({ length: 6 }, () => bound()));
    const pool = threads ? UdpSendPool.create(threads, 1) : undefined;
    const fanOut = UdpFanOut.create()!;
    const got = receivers.map(() => [] as Buffer[]);
    receivers.forEach((r, i) => r.on('message', (m) => got[i].push(m)));
    try {
      const grouped: OutStreamHandle[] = [];
      const alone: OutStreamHandle[] = [];
      const members = receivers.map((r, i) => {
        // Members alternate between the two sending sockets; the group sorts them into runs.
        const socket = senders[i % 2];
        const address = Buffer.alloc(addon.addressSlotBytes);
        assert.ok(addon.encodeAddress(address, 0, '127.0.0.1', r.address().port, false));
        const stream = addon.outStreamCreate(context(i), 5000 + i, 100 + i, 90000, true);
        grouped.push(stream);
        alone.push(addon.outStreamCreate(context(i), 5000 + i, 100 + i, 90000, true));
        return { stream, destination: { fd: udpSocketFd(socket)!, address, pool } };
      });
      fanOut.setMembers(members);
      assert.equal(fanOut.members, 6);
      const expected = receivers.map(() => [] as Buffer[]);
      const packets = 40;
      for (let n = 0; n < packets; n++) {
        const p = sourcePacket(n);
        // A restart and a skip half-way, on both twins: the group uses the member's own stream state.
        if (n === 20) for (const s of [...grouped, ...alone]) addon.outStreamRestart(s);
        if (n === 30) for (const s of [...grouped, ...alone]) addon.outStreamSkip(s);
        const now = 1000 + n * 10;
        assert.equal(fanOut.send(p, now), 6);
        alone.forEach((s, i) => {
          const out = Buffer.alloc(p.length + 16);
          const len = addon.outStreamSend(s, p, p.length, now, out);
          expected[i].push(out.subarray(0, len));
        });
      }
      await waitFor(() => got.every((g) => g.length === packets), { timeout: 5000, what: 'every datagram' });
      for (let i = 0; i < receivers.length; i++) assert.deepEqual(got[i], expected[i], `member ${i}`);
      // The history is the member's: a NACK is answered with the same bytes as sent.
      const resend = Buffer.alloc(1500);
      const seq = got[0][39].readUInt16BE(2);
      const len = addon.outStreamRecall(grouped[0], seq, 1000 + 39 * 10, 0, resend);
      assert.deepEqual(resend.subarray(0, len), got[0][39]);
      assert.deepEqual(fanOut.stats(), { members: 6, sent: 6 * packets, dropped: 0, failed: 0 });
    } finally {
      fanOut.setMembers([]);
      pool?.close();
      for (const s of [...senders, ...receivers]) s.close();
    }
  });
}

test('fan-out: a bad member list is refused whole and leaves the group as it was; no members sends nothing', { skip }, async () => {
  const addon = nativeAddon()!;
  const sender = await bound();
  const receiver = await bound();
  const fanOut = UdpFanOut.create()!;
  let count = 0;
  receiver.on('message', () => count++);
  try {
    assert.equal(fanOut.send(sourcePacket(1), 0), 0, 'an empty group');
    const address = Buffer.alloc(addon.addressSlotBytes);
    addon.encodeAddress(address, 0, '127.0.0.1', receiver.address().port, false);
    const fd = udpSocketFd(sender)!;
    const good = { stream: addon.outStreamCreate(context(0), 1, 96, 90000, false), destination: { fd, address, pool: undefined } };
    fanOut.setMembers([good]);
    // An address slot holding no address, a negative fd, something that is no stream: each refused.
    const empty = Buffer.alloc(addon.addressSlotBytes);
    assert.throws(() => fanOut.setMembers([good, { ...good, destination: { fd, address: empty, pool: undefined } }]), RangeError);
    assert.throws(() => fanOut.setMembers([good, { ...good, destination: { fd: -1, address, pool: undefined } }]), RangeError);
    assert.throws(() => fanOut.setMembers([{ ...good, stream: {} as OutStreamHandle }]), TypeError);
    assert.equal(fanOut.send(sourcePacket(2), 0), 1, 'the one member from before');
    // Too short to be RTP: nothing sent, nothing counted.
    assert.equal(fanOut.send(Buffer.alloc(8, 0x80), 0), 0);
    await waitFor(() => count === 1, { timeout: 3000, what: 'the datagram' });
    assert.deepEqual(fanOut.stats(), { members: 1, sent: 1, dropped: 0, failed: 0 });
  } finally {
    fanOut.setMembers([]);
    sender.close();
    receiver.close();
  }
});

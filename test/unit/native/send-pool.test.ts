// Sender threads (media.send_threads): a batch handed to the pool reaches every receiver on loopback (IPv4, and
// IPv6 when the host has it), each destination's datagrams in the order queued; the counters add up; UdpSendBatch
// hands large flushes to it; closing joins the threads and later batches are refused.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { nativeAddon, nativeAddonStatus } from '../../../src/native/native-addon.js';
import { udpSocketFd } from '../../../src/net/socket-fd.js';
import { UdpSendBatch } from '../../../src/net/udp-send-batch.js';
import { UdpSendPool } from '../../../src/net/udp-send-pool.js';
import { waitFor } from '../../../support/wait.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;

async function bound(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  socket.bind(0, address);
  await once(socket, 'listening');
  socket.setRecvBufferSize(4 * 1024 * 1024);
  return socket;
}

async function hasIpv6(): Promise<boolean> {
  try {
    (await bound('udp6', '::1')).close();
    return true;
  } catch {
    return false;
  }
}

for (const [type, address] of [
  ['udp4', '127.0.0.1'],
  ['udp6', '::1'],
] as const) {
  test(`send pool (${type}): every datagram arrives, in order per destination; the counters add up`, { skip }, async (t) => {
    if (type === 'udp6' && !(await hasIpv6())) return t.skip('no IPv6 on this host');
    const addon = nativeAddon()!;
    const sender = await bound(type, address);
    const receivers = await Promise.all([0, 1, 2, 3, 4].map(() => bound(type, address)));
    const got = receivers.map(() => [] as number[]);
    receivers.forEach((r, k) => r.on('message', (m) => got[k].push(m.readUInt32BE(0))));
    const pool = UdpSendPool.create(3, 1)!;
    try {
      const PER = 120; // per receiver and round; two rounds: 1200 datagrams, within the receivers' buffers
      for (let round = 0; round < 2; round++) {
        const n = PER * receivers.length;
        const packets = Buffer.alloc(n * 200);
        const offsets = new Int32Array(n);
        const lengths = new Int32Array(n);
        const slots = new Int32Array(n);
        const addresses = Buffer.alloc(receivers.length * addon.addressSlotBytes);
        receivers.forEach((r, k) => assert.ok(addon.encodeAddress(addresses, k, address, r.address().port, type === 'udp6')));
        for (let i = 0; i < n; i++) {
          const k = i % receivers.length;
          offsets[i] = i * 200;
          lengths[i] = 8 + (i % 190);
          slots[i] = k;
          packets.writeUInt32BE(round * n + i, offsets[i]);
        }
        assert.equal(pool.queue(udpSocketFd(sender)!, packets, offsets, lengths, addresses, slots, n), n);
        packets.fill(0); // copied at once: reusing the arena changes nothing
      }
      await waitFor(() => got.every((g) => g.length === 2 * PER), { timeout: 5000, what: 'every datagram arrived' });
      for (const [k, g] of got.entries()) {
        const want = Array.from({ length: 2 * PER }, (_, j) => (j < PER ? j * receivers.length + k : PER * receivers.length + (j - PER) * receivers.length + k));
        assert.deepEqual(g, want, `receiver ${k} got its datagrams in order`);
      }
      const stats = pool.stats();
      assert.deepEqual(stats, { threads: 3, queued: 2 * PER * receivers.length, sent: 2 * PER * receivers.length, droppedFull: 0, droppedError: 0 });
    } finally {
      pool.close();
      pool.close(); // idempotent
      sender.close();
      for (const r of receivers) r.close();
    }
  });
}

test('UdpSendBatch hands a flush of at least the threshold to the pool, and a smaller one sends itself', { skip }, async () => {
  const sender = await bound('udp4', '127.0.0.1');
  const receiver = await bound('udp4', '127.0.0.1');
  const got: number[] = [];
  receiver.on('message', (m) => got.push(m.readUInt32BE(0)));
  const pool = UdpSendPool.create(1, 10)!;
  const batch = new UdpSendBatch(sender, { pool });
  try {
    const b = Buffer.alloc(100);
    for (let i = 0; i < 9; i++) {
      b.writeUInt32BE(i, 0);
      batch.queue(b, 100, receiver.address().port, '127.0.0.1');
    }
    batch.flush();
    assert.equal(pool.stats().queued, 0, 'nine datagrams: below the threshold');
    for (let i = 9; i < 29; i++) {
      b.writeUInt32BE(i, 0);
      batch.queue(b, 100, receiver.address().port, '127.0.0.1');
    }
    batch.flush();
    assert.equal(pool.stats().queued, 20);
    await waitFor(() => got.length === 29, { timeout: 5000, what: 'all 29 arrived' });
    assert.deepEqual(
      got,
      Array.from({ length: 29 }, (_, i) => i),
    );
    assert.equal(batch.sentNative, 29);
  } finally {
    pool.close();
    sender.close();
    receiver.close();
  }
});

test('send pool: bad arguments throw before anything is queued; a closed pool refuses batches', { skip }, async () => {
  const addon = nativeAddon()!;
  assert.throws(() => addon.sendPoolCreate(0), RangeError);
  assert.throws(() => addon.sendPoolCreate(17), RangeError);
  assert.throws(() => UdpSendPool.create(-1), RangeError);
  assert.equal(UdpSendPool.create(0), undefined, 'no threads: no pool');
  const pool = addon.sendPoolCreate(1);
  const addresses = Buffer.alloc(addon.addressSlotBytes);
  assert.ok(addon.encodeAddress(addresses, 0, '127.0.0.1', 9, false));
  const one = new Int32Array([0]);
  assert.throws(() => addon.sendPoolQueue(pool, 0, Buffer.alloc(10), one, new Int32Array([11]), addresses, one, 1), RangeError, 'past the packets');
  assert.throws(() => addon.sendPoolQueue(pool, 0, Buffer.alloc(10), one, one, Buffer.alloc(addon.addressSlotBytes), one, 1), RangeError, 'an empty address slot');
  assert.throws(() => addon.sendPoolQueue(pool, 0, Buffer.alloc(10), one, one, addresses, one, 2), RangeError, 'count beyond the arrays');
  assert.throws(() => addon.sendPoolQueue(addresses as never, 0, Buffer.alloc(10), one, one, addresses, one, 1), TypeError);
  const stats = new Float64Array(5);
  addon.sendPoolStats(pool, stats);
  assert.deepEqual([...stats], [1, 0, 0, 0, 0]);
  assert.throws(() => addon.sendPoolStats(pool, new Float64Array(4)), RangeError);
  addon.sendPoolClose(pool);
  assert.throws(() => addon.sendPoolQueue(pool, 0, Buffer.alloc(10), one, one, addresses, one, 1), /closed/);
});

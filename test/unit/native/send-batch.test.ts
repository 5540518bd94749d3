// Batched UDP send: sendBatch puts N datagrams on loopback (IPv4, and IPv6 when the host has it) to two receivers
// in one batch, each intact and where it was addressed; UdpSendBatch delivers through the addon, and through
// dgram when the addon is disabled (PORTUNUS_NATIVE=0) or cannot take a destination.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { nativeAddon, nativeAddonStatus } from '../../../src/native/native-addon.js';
import { udpSocketFd } from '../../../src/net/socket-fd.js';
import { UdpSendBatch } from '../../../src/net/udp-send-batch.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;

async function bound(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  socket.bind(0, address);
  await once(socket, 'listening');
  return socket;
}

/** A receiving socket whose buffer holds a burst: loopback drops what does not fit instead of blocking the sender. */
async function receiver(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  const socket = await bound(type, address);
  socket.setRecvBufferSize(4 * 1024 * 1024);
  return socket;
}

async function hasIpv6(): Promise<boolean> {
  try {
    const s = await bound('udp6', '::1');
    s.close();
    return true;
  } catch {
    return false;
  }
}

/** Collects datagrams until `count` arrived (or the time is up). */
function collect(socket: dgram.Socket, count: number, ms = 3000): Promise<Buffer[]> {
  const got: Buffer[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(got), ms);
    socket.on('message', (msg) => {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

/** Datagram i: its index and which receiver it is for, then filler of a size that varies. */
function datagram(i: number, receiver: number): Buffer {
  const b = Buffer.alloc(8 + ((i * 37) % 1200), i & 0xff);
  b.writeUInt32BE(i, 0);
  b.writeUInt32BE(receiver, 4);
  return b;
}

function checkArrived(got: Buffer[], expected: Buffer[], receiver: number): void {
  assert.equal(got.length, expected.length, `receiver ${receiver}: ${got.length} of ${expected.length} datagrams`);
  const byIndex = new Map(got.map((g) => [g.readUInt32BE(0), g]));
  for (const e of expected) {
    const g = byIndex.get(e.readUInt32BE(0));
    assert.ok(g, `receiver ${receiver} lacks datagram ${e.readUInt32BE(0)}`);
    assert.equal(g.readUInt32BE(4), receiver);
    assert.deepEqual(g, e);
  }
}

for (const [type, host] of [
  ['udp4', '127.0.0.1'],
  ['udp6', '::1'],
] as const) {
  test(`sendBatch over ${host}: N datagrams in one call to two receivers arrive intact and to the right one`, { skip }, async (t) => {
    if (type === 'udp6' && !(await hasIpv6())) return t.skip('no IPv6 on this host');
    const addon = nativeAddon();
    assert.ok(addon);
    const sender = await bound(type, host);
    const receivers = [await receiver(type, host), await receiver(type, host)];
    try {
      const fd = udpSocketFd(sender);
      assert.ok(fd !== undefined, 'the fd of a bound socket');
      const n = 300;
      const arena = Buffer.alloc(n * 1300);
      const offsets = new Int32Array(n);
      const lengths = new Int32Array(n);
      const slots = new Int32Array(n);
      const addresses = Buffer.alloc(2 * addon.addressSlotBytes);
      receivers.forEach((r, k) => assert.equal(addon.encodeAddress(addresses, k, host, r.address().port, type === 'udp6'), true));
      const expected: Buffer[][] = [[], []];
      let at = 0;
      for (let i = 0; i < n; i++) {
        const k = i % 3 === 0 ? 1 : 0;
        const d = datagram(i, k);
        d.copy(arena, at);
        offsets[i] = at;
        lengths[i] = d.length;
        slots[i] = k;
        at += d.length;
        expected[k].push(d);
      }
      const arrivals = receivers.map((r, k) => collect(r, expected[k].length));
      const sent = addon.sendBatch(fd, arena, offsets, lengths, addresses, slots, n);
      assert.equal(sent, n, 'loopback takes a batch of 300 at once');
      const got = await Promise.all(arrivals);
      got.forEach((g, k) => checkArrived(g, expected[k], k));
    } finally {
      for (const s of [sender, ...receivers]) s.close();
    }
  });
}

test('sendBatch on an IPv6 socket reaches an IPv4 receiver through a v4-mapped address', { skip }, async (t) => {
  if (!(await hasIpv6())) return t.skip('no IPv6 on this host');
  const addon = nativeAddon();
  assert.ok(addon);
  const sender = await bound('udp6', '::');
  const receiver = await bound('udp4', '127.0.0.1');
  try {
    const addresses = Buffer.alloc(addon.addressSlotBytes);
    assert.equal(addon.encodeAddress(addresses, 0, '127.0.0.1', receiver.address().port, true), true);
    const arrival = collect(receiver, 1);
    const d = datagram(7, 0);
    assert.equal(addon.sendBatch(udpSocketFd(sender) ?? -1, d, new Int32Array([0]), new Int32Array([d.length]), addresses, new Int32Array([0]), 1), 1);
    checkArrived(await arrival, [d], 0);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('UdpSendBatch: more than one sendmmsg call and more than one arena, to two receivers, natively', { skip }, async (t) => {
  const sender = await bound('udp4', '127.0.0.1');
  const receivers = [await receiver('udp4', '127.0.0.1'), await receiver('udp4', '127.0.0.1')];
  try {
    if (receivers[0].getRecvBufferSize() < 2 * 1024 * 1024) return t.skip('net.core.rmem_max is too small for the receivers to hold a 1400-datagram burst');
    const batch = new UdpSendBatch(sender, { maxDatagrams: 1500, arenaBytes: 100_000 }); // fills at ~1200 datagrams: two sendmmsg calls, then a second arena
    assert.equal(batch.native, true);
    const n = 1400;
    const expected: Buffer[][] = [[], []];
    const arrivals = [collect(receivers[0], Math.ceil(n / 2)), collect(receivers[1], Math.floor(n / 2))];
    for (let i = 0; i < n; i++) {
      const k = i % 2;
      const d = datagram(i, k).subarray(0, 8 + (i % 150));
      expected[k].push(d);
      batch.queue(d, d.length, receivers[k].address().port, '127.0.0.1');
    }
    assert.ok(batch.pending > 0 && batch.pending < n, 'queue() flushed a full arena by itself');
    batch.flush();
    assert.equal(batch.pending, 0);
    assert.equal(batch.sentNative + batch.sentDgram, n);
    assert.ok(batch.sentNative > 0, 'the addon sent');
    const got = await Promise.all(arrivals);
    got.forEach((g, k) => checkArrived(g, expected[k], k));
  } finally {
    for (const s of [sender, ...receivers]) s.close();
  }
});

test('UdpSendBatch: a destination the addon cannot take (a name) and what follows go through dgram, in order', { skip }, async () => {
  const sender = await bound('udp4', '127.0.0.1');
  const receiver = await bound('udp4', '127.0.0.1');
  try {
    const batch = new UdpSendBatch(sender);
    const port = receiver.address().port;
    const sent = [datagram(0, 0), datagram(1, 0), datagram(2, 0)];
    const arrival = collect(receiver, 3);
    batch.queue(sent[0], sent[0].length, port, '127.0.0.1');
    batch.queue(sent[1], sent[1].length, port, 'localhost');
    batch.queue(sent[2], sent[2].length, port, '127.0.0.1');
    assert.equal(batch.flush(), 1);
    assert.equal(batch.sentDgram, 2);
    checkArrived(await arrival, sent, 0);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('UdpSendBatch: from a datagram the kernel refuses (EMSGSIZE) on, the rest go through dgram', { skip }, async () => {
  const sender = await bound('udp4', '127.0.0.1');
  const receiver = await bound('udp4', '127.0.0.1');
  try {
    const batch = new UdpSendBatch(sender, { arenaBytes: 100_000 });
    const port = receiver.address().port;
    const small = [datagram(0, 0), datagram(1, 0), datagram(3, 0)];
    const huge = Buffer.alloc(70_000); // over UDP's 65507-byte limit: sendmmsg stops before it
    const arrival = collect(receiver, 3);
    batch.queue(small[0], small[0].length, port, '127.0.0.1');
    batch.queue(small[1], small[1].length, port, '127.0.0.1');
    batch.queue(huge, huge.length, port, '127.0.0.1');
    batch.queue(small[2], small[2].length, port, '127.0.0.1');
    assert.equal(batch.flush(), 2, 'the two before the refused one went natively');
    assert.equal(batch.sentDgram, 2);
    checkArrived(await arrival, small, 0); // the refused one is refused by dgram too (it reports no error without a callback)
  } finally {
    sender.close();
    receiver.close();
  }
});

test('UdpSendBatch on a socket not bound yet: dgram binds it and delivers', async () => {
  const sender = dgram.createSocket('udp4');
  const receiver = await bound('udp4', '127.0.0.1');
  try {
    const batch = new UdpSendBatch(sender);
    const sent = [datagram(0, 0), datagram(1, 0)];
    const arrival = collect(receiver, 2);
    for (const d of sent) batch.queue(d, d.length, receiver.address().port, '127.0.0.1');
    assert.equal(batch.flush(), 0);
    checkArrived(await arrival, sent, 0);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('PORTUNUS_NATIVE=0: the loader reports the addon absent and UdpSendBatch delivers through dgram', async () => {
  const before = process.env.PORTUNUS_NATIVE;
  process.env.PORTUNUS_NATIVE = '0';
  const sender = await bound('udp4', '127.0.0.1');
  const receiver = await bound('udp4', '127.0.0.1');
  try {
    assert.equal(nativeAddon(), undefined);
    assert.match(nativeAddonStatus(), /PORTUNUS_NATIVE=0/);
    const batch = new UdpSendBatch(sender, { maxDatagrams: 8 });
    assert.equal(batch.native, false);
    const sent = Array.from({ length: 20 }, (_, i) => datagram(i, 0));
    const arrival = collect(receiver, sent.length);
    // 20 into a batch of 8: queue() flushes twice by itself, then the rest.
    for (const d of sent) batch.queue(d, d.length, receiver.address().port, '127.0.0.1');
    assert.equal(batch.flush(), 0);
    assert.equal(batch.sentDgram, 20);
    checkArrived(await arrival, sent, 0);
  } finally {
    if (before === undefined) delete process.env.PORTUNUS_NATIVE;
    else process.env.PORTUNUS_NATIVE = before;
    sender.close();
    receiver.close();
  }
});

test('udpSocketFd: undefined before bind and after close, a number while bound', async () => {
  const socket = dgram.createSocket('udp4');
  assert.equal(udpSocketFd(socket), undefined);
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const fd = udpSocketFd(socket);
  assert.ok(typeof fd === 'number' && fd >= 0);
  socket.close();
  assert.equal(udpSocketFd(socket), undefined);
});

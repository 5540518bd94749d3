// Batched UDP receive: a socket opened with batchedReceive is read by the addon (recvmmsg), every datagram reaching
// the handler intact and once, with its sender as Node would name it (IPv4, IPv6, IPv4 mapped on a dual-stack
// socket); a datagram above a slot is dropped and counted; closing lets the port go; without the addon the socket
// is read by Node as before. The entry points refuse what is not theirs.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { nativeAddon, nativeAddonStatus } from '../../../src/native/native-addon.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { udpSocketFd } from '../../../src/net/socket-fd.js';
import { BATCH_SLOT_BYTES } from '../../../src/net/udp-batch-receive.js';
import type { UdpEndpoint, UdpSource } from '../../../src/net/udp-endpoint.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;

async function network(): Promise<HostNetwork> {
  return new HostNetwork(await discoverNetworkHost());
}

async function sender(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket(type);
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}

interface Got {
  readonly data: Buffer;
  readonly from: UdpSource;
}

function collect(endpoint: UdpEndpoint, count: number, ms = 3000): Promise<Got[]> {
  const got: Got[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(got), ms);
    endpoint.onMessage((data, from) => {
      // Copied as a consumer that keeps a datagram would see it later: the batch buffer must not be reused under it.
      got.push({ data, from });
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

function datagram(i: number, who: number): Buffer {
  const b = Buffer.alloc(8 + ((i * 53) % 1400), (i + who) & 0xff);
  b.writeUInt32BE(i, 0);
  b.writeUInt32BE(who, 4);
  return b;
}

async function hasIpv6(): Promise<boolean> {
  try {
    (await sender('udp6', '::1')).close();
    return true;
  } catch {
    return false;
  }
}

test('datagrams from three senders arrive intact, once each, with their senders; no more batches than datagrams', { skip }, async () => {
  const net = await network();
  const endpoint = await net.openUdp({ what: 'test', bind: '127.0.0.1', batchedReceive: true, recvBufferSize: 4 * 1024 * 1024 });
  const senders = await Promise.all([0, 1, 2].map(() => sender('udp4', '127.0.0.1')));
  try {
    assert.ok(endpoint.batchedReceives, 'read in batches');
    const perSender = 300;
    const got = collect(endpoint, perSender * 3);
    for (let i = 0; i < perSender; i++) for (let w = 0; w < 3; w++) senders[w].send(datagram(i, w), endpoint.port, '127.0.0.1');
    const all = await got;
    assert.equal(all.length, perSender * 3);
    const seen = new Set<string>();
    for (const { data, from } of all) {
      const i = data.readUInt32BE(0);
      const w = data.readUInt32BE(4);
      assert.deepEqual(data, datagram(i, w), `datagram ${i} of sender ${w} intact after the batches that followed it`);
      assert.equal(from.address, '127.0.0.1');
      assert.equal(from.port, senders[w].address().port);
      assert.ok(!seen.has(`${w}/${i}`), 'each once');
      seen.add(`${w}/${i}`);
    }
    const c = endpoint.batchedReceives;
    assert.equal(c?.datagrams, perSender * 3);
    assert.ok(c !== undefined && c.batches >= 1 && c.batches <= c.datagrams);
  } finally {
    for (const s of senders) s.close();
    await endpoint.close();
  }
});

test("a datagram that is not SRTP is handled after the promise jobs of the one before (as with Node's one callback each)", { skip }, async () => {
  const net = await network();
  const endpoint = await net.openUdp({ what: 'test', bind: '127.0.0.1', batchedReceive: true });
  const s = await sender('udp4', '127.0.0.1');
  try {
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      endpoint.onMessage((data) => {
        const name = data.toString();
        order.push(`got ${name}`);
        void Promise.resolve().then(() => {
          order.push(`job ${name}`);
          if (name === 'D') resolve();
        });
      });
    });
    for (const name of ['A', 'B', 'C', 'D']) s.send(name, endpoint.port, '127.0.0.1');
    await done;
    assert.deepEqual(order, ['got A', 'job A', 'got B', 'job B', 'got C', 'job C', 'got D', 'job D']);
  } finally {
    s.close();
    await endpoint.close();
  }
});

test('a datagram larger than a slot is dropped and counted; the next one arrives', { skip }, async () => {
  const net = await network();
  const endpoint = await net.openUdp({ what: 'test', bind: '127.0.0.1', batchedReceive: true });
  const s = await sender('udp4', '127.0.0.1');
  try {
    const got = collect(endpoint, 1);
    s.send(Buffer.alloc(BATCH_SLOT_BYTES + 1, 1), endpoint.port, '127.0.0.1');
    s.send(Buffer.from('after'), endpoint.port, '127.0.0.1');
    const [first] = await got;
    assert.equal(first.data.toString(), 'after');
    assert.equal(endpoint.batchedReceives?.oversized, 1);
    const full = collect(endpoint, 1);
    s.send(Buffer.alloc(BATCH_SLOT_BYTES, 2), endpoint.port, '127.0.0.1');
    assert.equal((await full)[0].data.length, BATCH_SLOT_BYTES, 'a datagram of exactly one slot is whole');
  } finally {
    s.close();
    await endpoint.close();
  }
});

test('IPv6 senders, and IPv4 ones on a dual-stack socket, are named as Node names them', { skip: skip || false }, async (t) => {
  if (!(await hasIpv6())) {
    t.skip('no IPv6 on this host');
    return;
  }
  const net = await network();
  const v6 = await net.openUdp({ what: 'test', bind: '::1', batchedReceive: true });
  const dual = await net.openUdp({ what: 'test', bind: '::', batchedReceive: true });
  const s6 = await sender('udp6', '::1');
  const s4 = await sender('udp4', '127.0.0.1');
  const plain = dgram.createSocket({ type: 'udp6' });
  plain.bind(0, '::');
  await once(plain, 'listening');
  try {
    const got6 = collect(v6, 1);
    s6.send('six', v6.port, '::1');
    const [a] = await got6;
    assert.deepEqual({ address: a.from.address, port: a.from.port }, { address: '::1', port: s6.address().port });
    if (!dual.batchedReceives) return; // '::' fell back to IPv4 only: nothing mapped to check
    const gotMapped = collect(dual, 1);
    const nodeSays = once(plain, 'message');
    s4.send('four', dual.port, '127.0.0.1');
    s4.send('four', plain.address().port, '127.0.0.1');
    const [b] = await gotMapped;
    const [, rinfo] = (await nodeSays) as [Buffer, dgram.RemoteInfo];
    assert.equal(b.from.address, rinfo.address);
    assert.equal(b.from.port, s4.address().port);
  } finally {
    for (const s of [s6, s4, plain]) s.close();
    await v6.close();
    await dual.close();
  }
});

test('closing the endpoint lets its port go (the duplicate descriptor is closed too)', { skip }, async () => {
  const net = await network();
  const endpoint = await net.openUdp({ what: 'test', bind: '127.0.0.1', batchedReceive: true });
  const port = endpoint.port;
  await endpoint.close();
  const again = await net.openUdp({ what: 'test', bind: '127.0.0.1', port });
  assert.equal(again.port, port);
  await again.close();
});

test('without the addon the socket is read by Node, and still delivers', async () => {
  const saved = process.env.PORTUNUS_NATIVE;
  process.env.PORTUNUS_NATIVE = '0';
  const warnings: string[] = [];
  const net = new HostNetwork(await discoverNetworkHost(), (m) => warnings.push(m));
  let endpoint: UdpEndpoint | undefined;
  try {
    endpoint = await net.openUdp({ what: 'plain test', bind: '127.0.0.1', batchedReceive: true });
  } finally {
    if (saved === undefined) delete process.env.PORTUNUS_NATIVE;
    else process.env.PORTUNUS_NATIVE = saved;
  }
  const s = await sender('udp4', '127.0.0.1');
  try {
    assert.equal(endpoint.batchedReceives, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /plain test: datagrams are read one at a time: .*PORTUNUS_NATIVE=0/);
    const got = collect(endpoint, 1);
    s.send('hello', endpoint.port, '127.0.0.1');
    assert.equal((await got)[0].data.toString(), 'hello');
  } finally {
    s.close();
    await endpoint.close();
  }
});

test('the entry points refuse what is not theirs, and garbage', { skip }, async () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const file = openSync(new URL(import.meta.url), 'r');
  try {
    assert.throws(() => addon.udpReceiverCreate(file, new Uint8Array(4096), 2048, new Int32Array(2), new Uint8Array(56), () => 0), /not a datagram socket/);
  } finally {
    closeSync(file);
  }
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const fd = udpSocketFd(socket) ?? -1;
  try {
    assert.throws(() => addon.udpReceiverCreate(fd, new Uint8Array(10), 2048, new Int32Array(2), new Uint8Array(56), () => 0), RangeError);
    assert.throws(() => addon.udpReceiverClose({} as never), TypeError);
    const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.double(), fc.string(), fc.uint8Array({ maxLength: 100 }), fc.int32Array({ maxLength: 10 }));
    fc.assert(
      fc.property(junk, junk, junk, junk, junk, (arena, slot, lengths, sources, cb) => {
        try {
          const r = addon.udpReceiverCreate(fd, arena as never, slot as never, lengths as never, sources as never, cb as never);
          addon.udpReceiverClose(r);
        } catch (err) {
          assert.ok(err instanceof TypeError || err instanceof RangeError, String(err));
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: -3, max: 10 }), (table, slot) => {
        try {
          const text = addon.udpSourceText(table, slot);
          assert.ok(text === undefined || typeof text === 'string');
        } catch (err) {
          assert.ok(err instanceof TypeError || err instanceof RangeError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  } finally {
    socket.close();
  }
});

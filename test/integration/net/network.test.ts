import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createServer } from 'node:net';
import { BindError } from '../../../src/net/bind-error.js';
import { probeIpv6 } from '../../../src/net/ipv6-probe.js';
import { discoverNetworkHost, listInterfaces } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { waitUntil } from '../../../support/wait.js';

async function hostNetwork(): Promise<HostNetwork> {
  return new HostNetwork(await discoverNetworkHost());
}

test('the probe reports a boolean and lists interfaces accordingly', async () => {
  const r = await probeIpv6();
  assert.equal(typeof r.available, 'boolean');
  const ifaces = listInterfaces(false);
  assert.ok(ifaces.every((i) => i.family === 4));
  assert.ok(ifaces.some((i) => i.address === '127.0.0.1'));
});

test('a host without IPv6 gets IPv4 sockets by default and a clear error for an IPv6 bind', async () => {
  const net = new HostNetwork({ ipv6Available: false, interfaces: listInterfaces(false) });
  const s = await net.openUdp({ what: 'test socket' });
  assert.equal(s.family, 4);
  assert.equal(s.address, '0.0.0.0');
  assert.equal(s.socket.address().family, 'IPv4');
  s.socket.close();
  await assert.rejects(net.openUdp({ what: 'mountpoint 1 audio', bind: '::' }), (err: unknown) => {
    assert.ok(err instanceof BindError);
    assert.match(err.message, /mountpoint 1 audio/);
    assert.match(err.message, /IPv6/);
    return true;
  });
});

test('with IPv6 the default UDP socket is dual-stack and receives IPv4', async (t) => {
  const net = await hostNetwork();
  if (!net.ipv6Available) return t.skip('host has no IPv6');
  const s = await net.openUdp({ what: 'dual' });
  assert.equal(s.family, 6);
  assert.ok(s.dualStack);
  const got = new Promise<string>((resolve) => s.socket.once('message', (_m, rinfo) => resolve(rinfo.address)));
  const sender = dgram.createSocket('udp4');
  sender.send(Buffer.from('hi'), s.port, '127.0.0.1');
  assert.equal(await got, '::ffff:127.0.0.1');
  sender.close();
  s.socket.close();
});

test('port range: picks a free port inside it and skips ports in use', async () => {
  const net = await hostNetwork();
  const range = { min: 47100, max: 47103 };
  const a = await net.openUdp({ what: 'a', bind: '127.0.0.1', portRange: range });
  const b = await net.openUdp({ what: 'b', bind: '127.0.0.1', portRange: range });
  assert.ok(a.port >= range.min && a.port <= range.max);
  assert.ok(b.port >= range.min && b.port <= range.max && b.port !== a.port);
  a.socket.close();
  b.socket.close();
});

test('a fixed port in use fails with EADDRINUSE and says where', async () => {
  const net = await hostNetwork();
  const a = await net.openUdp({ what: 'first', bind: '127.0.0.1' });
  await assert.rejects(net.openUdp({ what: 'second', bind: '127.0.0.1', port: a.port }), (err: unknown) => {
    assert.ok(err instanceof BindError);
    assert.equal(err.code, 'EADDRINUSE');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${a.port}`));
    return true;
  });
  a.socket.close();
});

test('a full range fails cleanly without leaking sockets', async () => {
  const net = await hostNetwork();
  const hold = await net.openUdp({ what: 'holder', bind: '127.0.0.1', port: 0 });
  const range = { min: hold.port, max: hold.port };
  await assert.rejects(net.openUdp({ what: 'x', bind: '127.0.0.1', portRange: range }), /no free port in range/);
  hold.socket.close();
});

test('invalid ports and unknown interfaces are refused with a reason', async () => {
  const net = await hostNetwork();
  await assert.rejects(net.openUdp({ what: 'p', port: 70000 }), /port out of range/);
  await assert.rejects(net.openUdp({ what: 'p', bind: 'no-such-iface0' }), /neither a local address/);
  await assert.rejects(net.openUdp({ what: 'p', multicast: 'not-an-address' }), /not a multicast address/);
});

test('IPv4 multicast on loopback: join and receive', async () => {
  const net = await hostNetwork();
  const group = '232.1.2.3';
  const r = await net.openUdp({ what: 'mcast', multicast: group, bind: '127.0.0.1', port: 47211 });
  const got = new Promise<string>((resolve) => r.socket.once('message', (m) => resolve(m.toString())));
  const sender = dgram.createSocket('udp4');
  sender.bind(0, '127.0.0.1', () => {
    sender.setMulticastInterface('127.0.0.1');
    sender.send(Buffer.from('group'), 47211, group);
  });
  const text = await Promise.race([got, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 2000))]);
  sender.close();
  r.socket.close();
  assert.equal(text, 'group');
});

test('TCP listen: explains a port in use', async () => {
  const net = await hostNetwork();
  const first = createServer();
  const at = await net.listenTcp(first, { what: 'REST API', bind: '127.0.0.1', port: 0 });
  const second = createServer();
  await assert.rejects(net.listenTcp(second, { what: 'REST API', bind: '127.0.0.1', port: at.port }), (err: unknown) => {
    assert.ok(err instanceof BindError);
    assert.match(err.message, /REST API: cannot bind 127\.0\.0\.1:\d+ \(IPv4\): the port is already in use/);
    return true;
  });
  first.close();
});

test('a send to an IP literal leaves at once: the buffer may be reused right after (the media path does)', async () => {
  const net = await hostNetwork();
  const rx = await net.openUdp({ what: 'test receiver', bind: '127.0.0.1', recvBufferSize: 1 << 20 });
  const tx = await net.openUdp({ what: 'test sender', bind: '127.0.0.1' });
  try {
    const seen = new Set<number>();
    rx.socket.on('message', (m) => seen.add(m.readUInt32BE(0)));
    const buf = Buffer.alloc(200);
    for (let i = 0; i < 50; i++) {
      buf.writeUInt32BE(i, 0);
      tx.socket.send(buf, 0, buf.length, rx.port, '127.0.0.1');
    }
    await waitUntil(() => seen.size >= 50, { timeout: 2000, interval: 10 });
    // With dgram's default lookup every send would wait for the next tick and carry the last content only.
    assert.equal(seen.size, 50);
  } finally {
    rx.socket.close();
    tx.socket.close();
  }
});

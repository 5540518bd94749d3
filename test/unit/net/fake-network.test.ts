// The fake network behaves like the host's where tests rely on it: endpoints reach each other, bind rules and
// their errors hold, names come from the script, and nothing touches the kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BindError } from '../../../src/net/bind-error.js';
import type { UdpSource } from '../../../src/net/udp-endpoint.js';
import { FakeNetwork, fakeHost } from '../../../support/fake-network.js';

function nextMessage(endpoint: { onMessage(h: ((d: Buffer, f: UdpSource) => void) | undefined): void }): Promise<{ data: string; from: UdpSource }> {
  return new Promise((resolve) => endpoint.onMessage((data, from) => resolve({ data: data.toString(), from: { address: from.address, port: from.port } })));
}

test('two endpoints exchange datagrams; the sender may reuse its buffer at once; a closed endpoint gets nothing', async () => {
  const net = new FakeNetwork();
  const a = await net.openUdp({ what: 'a', bind: '127.0.0.1' });
  const b = await net.openUdp({ what: 'b', bind: '127.0.0.1' });
  assert.notEqual(a.port, b.port);
  const got = nextMessage(b);
  const buf = Buffer.from('hello');
  a.send(buf, b.port, '127.0.0.1');
  buf.fill(0);
  assert.deepEqual(await got, { data: 'hello', from: { address: '127.0.0.1', port: a.port } });
  const parts = nextMessage(a);
  b.sendParts([Buffer.from('he'), Buffer.from('ad')], a.port, '127.0.0.1');
  b.sendPrefix(Buffer.from('ignored'), 0, a.port, '127.0.0.1');
  assert.equal((await parts).data, 'head');
  await b.close();
  assert.equal(b.closed, true);
  a.send(Buffer.from('late'), b.port, '127.0.0.1');
  assert.equal(net.sent.at(-1)?.delivered, 0);
  assert.deepEqual(net.open, [a]);
});

test('a wildcard dual-stack endpoint hears IPv4 senders as mapped addresses', async () => {
  const net = new FakeNetwork({ host: fakeHost(true) });
  const server = await net.openUdp({ what: 'server' });
  assert.equal(server.dualStack, true);
  const client = await net.openUdp({ what: 'client', bind: '127.0.0.1' });
  const got = nextMessage(server);
  client.send(Buffer.from('x'), server.port, '127.0.0.1');
  assert.equal((await got).from.address, '::ffff:127.0.0.1');
});

test('bind rules and their explanations are those of the host network', async () => {
  const net = new FakeNetwork();
  await assert.rejects(
    net.openUdp({ what: 'mountpoint 1 audio', bind: '::' }),
    (err: unknown) => err instanceof BindError && err.code === 'EAFNOSUPPORT' && /cannot create IPv6 sockets/.test(err.message),
  );
  await assert.rejects(net.openUdp({ what: 'p', bind: 'no-such-iface0' }), /neither a local address/);
  await assert.rejects(net.openUdp({ what: 'p', multicast: 'not-an-address' }), /not a multicast address/);
  const held = await net.openUdp({ what: 'first', bind: '127.0.0.1', portRange: { min: 41000, max: 41001 } });
  await net.openUdp({ what: 'second', bind: '127.0.0.1', portRange: { min: 41000, max: 41001 } });
  await assert.rejects(net.openUdp({ what: 'third', bind: '127.0.0.1', portRange: { min: 41000, max: 41001 } }), /no free port in range 41000-41001/);
  await assert.rejects(net.openUdp({ what: 'again', bind: '127.0.0.1', port: held.port }), (err: unknown) => err instanceof BindError && err.code === 'EADDRINUSE');
  assert.equal('socket' in held, false, 'a fake endpoint has no kernel socket');
});

test('multicast members receive what is sent to the group; losses can be scripted', async () => {
  const net = new FakeNetwork();
  const m1 = await net.openUdp({ what: 'm1', multicast: '239.1.2.3', port: 5004 });
  const m2 = await net.openUdp({ what: 'm2', multicast: '239.1.2.3', port: 5004 });
  const sender = await net.openUdp({ what: 'tx', bind: '127.0.0.1' });
  const both = Promise.all([nextMessage(m1), nextMessage(m2)]);
  net.lose = (d) => d.data.toString() === 'drop me';
  sender.send(Buffer.from('drop me'), 5004, '239.1.2.3');
  sender.send(Buffer.from('rtp'), 5004, '239.1.2.3');
  assert.deepEqual(
    (await both).map((m) => m.data),
    ['rtp', 'rtp'],
  );
  assert.deepEqual(
    net.sent.map((d) => d.delivered),
    [0, 2],
  );
});

test('names come from the script, through the cache; connections only through a connector', async () => {
  const net = new FakeNetwork({ names: { 'turn.example': ['2001:db8::5', '192.0.2.5'], 'down.example': new Error('EAI_AGAIN') }, nameCache: { failureTtlMs: 0 } });
  assert.equal(await net.resolveName('turn.example', 4), '192.0.2.5');
  assert.equal(await net.resolveName('turn.example', 4), '192.0.2.5');
  await assert.rejects(net.resolveName('down.example'), /EAI_AGAIN/);
  net.setName('down.example', ['198.51.100.1']);
  assert.equal(await net.resolveName('down.example'), '198.51.100.1');
  assert.deepEqual(net.lookups, ['turn.example/4', 'down.example', 'down.example']);
  await assert.rejects(net.connectTcp('RTSP', '192.0.2.1', 554), /no connector in the fake network/);
  await assert.rejects(net.connectTls('TURN', 'turn.example', 443, { verifyCertificate: false }), /not an IP address/);
});

// The host network's endpoints and connections: the UdpEndpoint methods over the kernel, TCP and TLS
// connections to loopback servers, and name resolution through the injected resolver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { HostNetwork } from '../../../src/net/host-network.js';
import { NameCache } from '../../../src/net/name-cache.js';
import { listInterfaces } from '../../../src/net/network-host.js';
import type { UdpSource } from '../../../src/net/udp-endpoint.js';

const v4Only = (): HostNetwork => new HostNetwork({ ipv6Available: false, interfaces: listInterfaces(false) });

test('endpoint: send, sendPrefix and sendParts arrive; a new onMessage handler replaces the old one', async () => {
  const net = v4Only();
  const rx = await net.openUdp({ what: 'rx', bind: '127.0.0.1' });
  const tx = await net.openUdp({ what: 'tx', bind: '127.0.0.1' });
  const first: string[] = [];
  rx.onMessage((d) => first.push(d.toString()));
  const got: { data: string; from: UdpSource }[] = [];
  const three = new Promise<void>((resolve) =>
    rx.onMessage((d, from) => {
      got.push({ data: d.toString(), from: { address: from.address, port: from.port } });
      if (got.length === 3) resolve();
    }),
  );
  tx.send(Buffer.from('one'), rx.port, '127.0.0.1');
  tx.sendPrefix(Buffer.from('two-and-junk'), 3, rx.port, '127.0.0.1');
  tx.sendParts([Buffer.from('thr'), Buffer.from('ee')], rx.port, '127.0.0.1');
  await three;
  assert.deepEqual(first, []);
  assert.deepEqual(got.map((g) => g.data).sort(), ['one', 'three', 'two']);
  assert.deepEqual(got[0].from, { address: '127.0.0.1', port: tx.port });
  await Promise.all([rx.close(), tx.close(), tx.close()]);
  assert.equal(rx.closed, true);
  tx.send(Buffer.from('after close'), rx.port, '127.0.0.1'); // neither throws nor reports
});

test('endpoint: send failures reach the error handler, and closing through the deprecated socket is noticed', async () => {
  const net = v4Only();
  const ep = await net.openUdp({ what: 'tx', bind: '127.0.0.1' });
  const errors: string[] = [];
  ep.onError((err) => errors.push(err.message));
  ep.send(Buffer.from('x'), 0, '127.0.0.1');
  assert.equal(errors.length, 1);
  await new Promise<void>((resolve) => ep.socket.close(() => resolve()));
  assert.equal(ep.closed, true);
  await ep.close();
});

test('connectTcp reaches a loopback server and refuses names; connectTls checks the certificate only when asked', async () => {
  const net = v4Only();
  const plain = createServer((s) => s.end('plain'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainPort = (plain.address() as { port: number }).port;
  const c = await net.connectTcp('test', '127.0.0.1', plainPort);
  assert.equal(await new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString()))), 'plain');
  c.destroy();
  plain.close();
  await assert.rejects(net.connectTcp('RTSP', 'camera.example', 554), /not an IP address/);

  const dir = mkdtempSync(join(tmpdir(), 'portunus-net-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=turn.test'],
    { stdio: 'ignore' },
  );
  const secure = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (s) => s.end('secure'));
  secure.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  const port = (secure.address() as { port: number }).port;
  try {
    const s = await net.connectTls('TURN server', '127.0.0.1', port, { verifyCertificate: false, timeoutMs: 3000 });
    assert.equal(await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString()))), 'secure');
    s.destroy();
    await assert.rejects(
      net.connectTls('TURN server', '127.0.0.1', port, { verifyCertificate: true, servername: 'turn.test' }),
      /TURN server: TLS with 127\.0\.0\.1:\d+ failed: self.signed certificate/,
    );
  } finally {
    secure.close();
  }
});

test('resolveName goes through the resolver the network was given', async () => {
  const asked: string[] = [];
  const names = new NameCache(async (host) => {
    asked.push(host);
    return '192.0.2.44';
  });
  const net = new HostNetwork({ ipv6Available: false, interfaces: listInterfaces(false) }, () => {}, names);
  assert.equal(await net.resolveName('relay.example', 4), '192.0.2.44');
  assert.equal(await net.resolveName('192.0.2.1'), '192.0.2.1');
  assert.deepEqual(asked, ['relay.example']);
});

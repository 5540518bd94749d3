// ICE on one UDP port (media.single_port), on real loopback sockets: two PeerConnections share the port and each
// gets its own echo; what a stranger or the other peer sends is dropped and counted at the port and never reaches
// a PeerConnection; a flood of garbage does not stop the healthy ones; the server reports the port.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SharedIcePorts } from '../../../src/media/shared-ice-ports.js';
import { nativeAddon } from '../../../src/native/native-addon.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { freeUdpPort } from '../../helpers/child-server.js';
import { connectEchoRig, dtlsRecord, iceCredentials, stranger, type EchoRig } from '../../helpers/hostile-peer.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { bindingRequest } from '../../helpers/stun-requests.js';
import { sleep, waitFor } from '../../../support/wait.js';

const network = new HostNetwork(await discoverNetworkHost());

function guardTotal(rig: EchoRig): number {
  const d = rig.peer.stats().inbound_dropped as Record<string, number> | undefined;
  return d ? Object.values(d).reduce((a, b) => a + b, 0) : 0;
}

test('two PeerConnections on one shared port: both echo; strangers and the other peer reach neither', { timeout: 60_000 }, async () => {
  const logs: string[] = [];
  const shared = new SharedIcePorts(network, await freeUdpPort(), (level, msg) => logs.push(`${level}: ${msg}`));
  after(() => shared.close());
  const a = await connectEchoRig(network, { sharedPorts: shared });
  after(() => a.close());
  const b = await connectEchoRig(network, { sharedPorts: shared });
  after(() => b.close());
  assert.equal(a.port, shared.port);
  assert.equal(b.port, shared.port);
  await a.echo(5, 5000);
  await b.echo(5, 5000);
  const port = (await shared.portOn('127.0.0.1'))!;
  assert.equal(port.size, 2);

  const before = { a: guardTotal(a), b: guardTotal(b) };
  const credsB = iceCredentials(b);
  const credsA = iceCredentials(a);
  // From A's own (proven) address: B's ufrag with a wrong password, and a check with A's ufrag for B's agent.
  a.fromClient(bindingRequest({ username: `${credsB.serverUfrag}:${credsA.clientUfrag}`, password: 'not-the-password-0000' }));
  // From a stranger: media, DTLS, a check for A without the password, a check for nobody.
  const s = await stranger();
  after(() => s.close());
  await s.send(Buffer.from([0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0x04, 0xd2, 1, 2, 3, 4]), shared.port);
  await s.send(dtlsRecord(22, 0, Buffer.alloc(20)), shared.port);
  await s.send(bindingRequest({ username: `${credsA.serverUfrag}:x`, password: 'wrong-password-000000' }), shared.port);
  await s.send(bindingRequest({ username: 'nobody:x', password: 'wrong-password-000000' }), shared.port);
  await waitFor(() => port.counters.dropped.bad_integrity >= 2 && port.counters.dropped.unknown_ufrag >= 1 && port.counters.dropped.unknown_source >= 2, {
    timeout: 3000,
    what: 'drops counted at the port',
  });
  assert.deepEqual({ a: guardTotal(a), b: guardTotal(b) }, before, 'no refused datagram reached either PeerConnection');
  assert.equal(s.received.length, 0, 'the stranger learns nothing (no answer, not even an error)');

  // A bounded flood of garbage from the stranger while both keep echoing.
  const flood = (async () => {
    const junk = Buffer.alloc(200, 0xaa);
    const deadline = Date.now() + 2000;
    for (let i = 0; i < 20_000 && Date.now() < deadline; i++) {
      s.socket.send(junk, shared.port, '127.0.0.1');
      if (i % 200 === 0) await sleep(1);
    }
  })();
  await Promise.all([a.echo(10, 8000), b.echo(10, 8000), flood]);
  assert.ok(port.counters.dropped.unknown_source > 100, `flood counted (${port.counters.dropped.unknown_source})`);
  assert.deepEqual({ a: guardTotal(a), b: guardTotal(b) }, before);
  assert.equal(a.hangups.length + b.hangups.length, 0);
  // The echo went out through the shared socket's batches: natively with the addon, through dgram without.
  const sent = shared.status().sockets[0];
  if (nativeAddon()) assert.ok(sent.sentBatched > 0 && sent.sentSingly === 0, JSON.stringify(sent));
  else assert.ok(sent.sentSingly > 0 && sent.sentBatched === 0, JSON.stringify(sent));
});

test('a closed PeerConnection leaves the port; the port stays for the next one', { timeout: 30_000 }, async () => {
  const shared = new SharedIcePorts(network, await freeUdpPort(), () => {});
  after(() => shared.close());
  const a = await connectEchoRig(network, { sharedPorts: shared });
  await a.echo(3, 5000);
  await a.close();
  const port = (await shared.portOn('127.0.0.1'))!;
  await waitFor(() => port.size === 0, { timeout: 3000, what: 'endpoint gone' });
  const b = await connectEchoRig(network, { sharedPorts: shared });
  after(() => b.close());
  await b.echo(3, 5000);
  assert.equal(b.port, shared.port);
});

test('a port in use: said once, PeerConnections get ports of their own', { timeout: 30_000 }, async () => {
  const s = await stranger();
  after(() => s.close());
  const logs: string[] = [];
  const shared = new SharedIcePorts(network, s.port, (level, msg) => logs.push(`${level}: ${msg}`));
  after(() => shared.close());
  const a = await connectEchoRig(network, { sharedPorts: shared });
  after(() => a.close());
  await a.echo(3, 5000);
  assert.notEqual(a.port, s.port);
  assert.equal(logs.filter((l) => l.startsWith('error: media.single_port')).length, 1, logs.join('\n'));
  assert.match(logs.join('\n'), /in use/i);
});

test('the server opens the shared port at start and reports it in Admin get_status', { timeout: 30_000 }, async () => {
  const single = await freeUdpPort();
  const server = await startInProcess([['media.single_port', String(single)]]);
  after(() => server.stop());
  assert.ok(
    server.logs.some((l) => l.includes(`127.0.0.1:${single}`) && l.includes('single_port')),
    server.logs.join('\n'),
  );
  const status = server.server.gateway.media?.status?.();
  const shared = status?.single_port as { port: number; sockets: { recv_buffer?: number; send_buffer?: number }[] };
  assert.deepEqual(shared.port, single);
  // The buffers the kernel granted are shown; when net.core.*mem_max held them below what was asked, one warning says so.
  const socket = shared.sockets[0];
  assert.ok(socket.recv_buffer !== undefined && socket.recv_buffer > 0 && socket.send_buffer !== undefined && socket.send_buffer > 0, JSON.stringify(socket));
  const asked = 4 * 1024 * 1024;
  const capped = socket.recv_buffer < asked || socket.send_buffer < asked;
  assert.equal(
    server.logs.some((l) => l.includes('net.core.rmem_max')),
    capped,
    server.logs.join('\n'),
  );
});

test(
  'media.send_threads: the shared port gets sender threads, shown in get_status; 0 keeps sends on the main thread',
  { timeout: 30_000, skip: nativeAddon() ? false : 'no native addon' },
  async () => {
    for (const threads of [2, 0]) {
      const server = await startInProcess([
        ['media.single_port', String(await freeUdpPort())],
        ['media.send_threads', String(threads)],
      ]);
      try {
        const status = server.server.gateway.media?.status?.();
        const sendThreads = (status?.single_port as { send_threads: { threads: number; queued?: number } }).send_threads;
        assert.equal(sendThreads.threads, threads);
        if (threads > 0) assert.equal(sendThreads.queued, 0);
        assert.equal(
          server.logs.some((l) => l.includes(`sent by ${threads} native thread(s)`)),
          threads > 0,
          server.logs.join('\n'),
        );
      } finally {
        await server.stop();
      }
    }
  },
);

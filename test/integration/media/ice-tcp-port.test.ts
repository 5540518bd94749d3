// The ICE-TCP port beside the shared UDP port (nat.ice_tcp), on real loopback sockets: a connection whose first
// frame proves a PeerConnection's credentials gets that PeerConnection's answers, framed (RFC 4571); wrong
// credentials, garbage, other STUN first and idle connections are closed and counted, never reaching anyone; a
// flood of idle connections is capped and does not stop a proven one; the PeerConnections keep echoing.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { SharedIcePorts } from '../../../src/media/shared-ice-ports.js';
import { SharedTcpPort } from '../../../src/media/shared-tcp-port.js';
import { frame, FrameReader } from '../../../src/media/stream-framing.js';
import { readStunMessage } from '../../../src/media/stun-message.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { freeUdpPort } from '../../helpers/child-server.js';
import { connectEchoRig, iceCredentials, type EchoRig } from '../../helpers/hostile-peer.js';
import { bindingRequest } from '../../helpers/stun-requests.js';
import { waitFor } from '../../../support/wait.js';

const network = new HostNetwork(await discoverNetworkHost());

/** A raw ICE-TCP client: frames it received, and whether the server closed it. */
interface TcpClient {
  readonly socket: Socket;
  readonly frames: Buffer[];
  closed: boolean;
  close(): void;
}

function tcpClient(port: number): Promise<TcpClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new FrameReader();
    const client: TcpClient = { socket, frames: [], closed: false, close: () => socket.destroy() };
    socket.on('data', (chunk: Buffer) => client.frames.push(...reader.push(chunk).map((f) => Buffer.from(f))));
    socket.on('close', () => (client.closed = true));
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

function guardTotal(rig: EchoRig): number {
  const d = rig.peer.stats().inbound_dropped as Record<string, number> | undefined;
  return d ? Object.values(d).reduce((a, b) => a + b, 0) : 0;
}

test('ICE-TCP port: a proven connection gets its PeerConnection answers; strangers and the other peer are closed and counted', { timeout: 60_000 }, async () => {
  const logs: string[] = [];
  const shared = new SharedIcePorts(network, await freeUdpPort(), (level, msg) => logs.push(`${level}: ${msg}`), undefined, true);
  after(() => shared.close());
  const a = await connectEchoRig(network, { sharedPorts: shared });
  after(() => a.close());
  const b = await connectEchoRig(network, { sharedPorts: shared });
  after(() => b.close());
  const tcp = (await shared.portOn('127.0.0.1'))!.tcp!;
  assert.ok(tcp, logs.join('\n'));
  assert.equal(tcp.port, shared.port, 'TCP on the shared port number');
  assert.match(a.answer, new RegExp(`a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 ${shared.port} typ host tcptype passive`), 'the answer offers a passive TCP candidate');
  assert.equal(tcp.size, 2);

  const credsA = iceCredentials(a);
  const credsB = iceCredentials(b);
  const before = { a: guardTotal(a), b: guardTotal(b) };

  // A's credentials: the agent answers over the connection.
  const good = await tcpClient(tcp.port);
  after(() => good.close());
  good.socket.write(frame(bindingRequest({ username: `${credsA.serverUfrag}:${credsA.clientUfrag}`, password: credsA.serverPwd })));
  await waitFor(() => good.frames.length > 0, { timeout: 5000, what: 'a framed answer' });
  const answer = readStunMessage(good.frames[0]);
  assert.ok(typeof answer !== 'string' && answer.cls === 'success', `a Binding success response: ${JSON.stringify(answer)}`);

  // B's ufrag with A's password; a check for nobody; garbage; a STUN answer first: each closed, nobody answered.
  const wrong = await Promise.all([0, 1, 2, 3].map(() => tcpClient(tcp.port)));
  after(() => wrong.forEach((c) => c.close()));
  wrong[0].socket.write(frame(bindingRequest({ username: `${credsB.serverUfrag}:${credsA.clientUfrag}`, password: credsA.serverPwd })));
  wrong[1].socket.write(frame(bindingRequest({ username: 'nobody:x', password: 'wrong-password-000000' })));
  wrong[2].socket.write(Buffer.from([0x05, 0xdc, 0x80, 0x6f, 1, 2, 3])); // a frame header, then half an RTP packet
  wrong[2].socket.write(frame(Buffer.from([0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0x04, 0xd2, 1, 2, 3, 4])));
  const response = Buffer.from(bindingRequest({}));
  response.writeUInt16BE(0x0101, 0);
  wrong[3].socket.write(frame(response));
  await waitFor(() => wrong[0].closed && wrong[1].closed && wrong[3].closed, { timeout: 5000, what: 'wrong connections closed' });
  // The half frame leaves the reader waiting: that connection is closed when the wait for proof runs out (not here).
  const refused = tcp.counters.refused;
  assert.equal(refused.bad_integrity, 1);
  assert.equal(refused.unknown_ufrag, 1);
  assert.equal(refused.unproven, 1);
  assert.ok(
    wrong.every((c) => c.frames.length === 0),
    'refused connections got no answer',
  );
  assert.deepEqual({ a: guardTotal(a), b: guardTotal(b) }, before, 'nothing refused reached either PeerConnection');

  // Both PeerConnections still echo over UDP, and the proven connection still gets answers.
  await a.echo(5, 5000);
  await b.echo(5, 5000);
  const answered = good.frames.length;
  good.socket.write(frame(bindingRequest({ username: `${credsA.serverUfrag}:${credsA.clientUfrag}`, password: credsA.serverPwd })));
  await waitFor(() => good.frames.length > answered, { timeout: 5000, what: 'a second answer' });
  assert.equal(tcp.connections.proven, 1);

  // When A's PeerConnection goes, its connection goes with it.
  await a.close();
  await waitFor(() => good.closed, { timeout: 5000, what: "A's connection closed with A" });
  assert.equal(tcp.size, 1);
});

test('ICE-TCP port: connections that prove nothing are capped and closed after the wait; a proven one is not', { timeout: 30_000 }, async () => {
  const logs: string[] = [];
  const tcp = await SharedTcpPort.open(network, 'ICE-TCP test port', '127.0.0.1', 0, (msg) => logs.push(msg), { authTimeoutMs: 500, maxPending: 4 });
  after(() => tcp.close());
  const member = tcp.join('test agent');
  member.claimUfrag('abcd', 'the-password-of-abcd00');
  const seen: Buffer[] = [];
  member.onMessage((data) => seen.push(Buffer.from(data)));
  const idle = await Promise.all(Array.from({ length: 8 }, () => tcpClient(tcp.port)));
  after(() => idle.forEach((c) => c.close()));
  await waitFor(() => tcp.counters.accepted === 8, { timeout: 3000, what: '8 accepted' });
  assert.equal(tcp.counters.refused.too_many, 4, 'beyond 4 waiting, connections are closed at once');
  // A proven connection, made while the others wait, is kept.
  await waitFor(() => idle.filter((c) => c.closed).length >= 4, { timeout: 3000, what: 'the 4 over the cap closed' });
  await waitFor(() => tcp.connections.pending === 0, { timeout: 3000, what: 'the waiting ones timed out' });
  const proven = await tcpClient(tcp.port);
  after(() => proven.close());
  proven.socket.write(frame(bindingRequest({ username: 'abcd:efgh', password: 'the-password-of-abcd00' })));
  await waitFor(() => seen.length === 1, { timeout: 3000, what: 'the check delivered to the agent' });
  assert.equal(tcp.counters.refused.timeout, 4);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(proven.closed, false, 'a proven connection does not time out');
  assert.equal(member.connections, 1);
  // What the agent sends to the connection's address arrives framed.
  const from = { address: proven.socket.localAddress!, port: proven.socket.localPort! };
  member.send(Buffer.from('hello'), from.port, from.address);
  await waitFor(() => proven.frames.length === 1, { timeout: 3000, what: 'a framed packet' });
  assert.equal(proven.frames[0].toString(), 'hello');
  assert.ok(logs.some((l) => l.includes('too_many')) && logs.some((l) => l.includes('timeout')), logs.join('\n'));
});

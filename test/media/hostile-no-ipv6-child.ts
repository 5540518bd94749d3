// Child process of the no-IPv6 hostile-datagram test: under the no-IPv6 LD_PRELOAD shim, the 27-byte packet from
// the connected peer and a stranger's unauthenticated check and DTLS alert must leave the echo going. Prints one
// JSON line and exits 0 when it ran to the end.
import dgram from 'node:dgram';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { closeNotifies, connectEchoRig, DEADLY_RTP, iceCredentials, stranger } from './hostile-peer.js';
import { bindingRequest } from './stun-requests.js';

async function main(): Promise<void> {
  const udp6Fails = await new Promise<boolean>((resolve) => {
    const s = dgram.createSocket('udp6');
    s.once('error', () => resolve(true));
    s.bind({ address: '::', port: 0 }, () => {
      s.close();
      resolve(false);
    });
  });
  const host = await discoverNetworkHost();
  const rig = await connectEchoRig(new HostNetwork(host), { ipv6: true });
  const s = await stranger();
  try {
    await rig.echo(3, 5000);
    for (let i = 0; i < 3; i++) rig.fromClient(DEADLY_RTP);
    const { serverUfrag, clientUfrag } = iceCredentials(rig);
    await s.send(bindingRequest({ username: `${serverUfrag}:${clientUfrag}`, password: 'not-the-password-0000', useCandidate: true }), rig.port);
    for (const alert of closeNotifies()) await s.send(alert, rig.port);
    const sentAt = Date.now();
    await rig.echo(5, 5000);
    await new Promise((r) => setTimeout(r, 100));
    console.log(
      JSON.stringify({
        udp6Fails,
        ipv6Available: host.ipv6Available,
        echoMs: Date.now() - sentAt,
        hangups: rig.hangups,
        strangerGot: s.received.map((m) => m.readUInt16BE(0)),
        dropped: rig.peer.stats().inbound_dropped ?? null,
      }),
    );
  } finally {
    s.close();
    await rig.close();
  }
}

const limit = setTimeout(() => {
  console.error('hostile no-ipv6 child: timed out');
  process.exit(3);
}, 40_000);
main().then(
  () => {
    clearTimeout(limit);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);

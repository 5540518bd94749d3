// The two datagrams the soak found harmful, each sent once from a connected EchoTest client's own ICE socket (the
// address the server's ICE pair selected) after the call is up: the call must go on echoing. The server runs as a
// child process, so that a server whose event loop one of them blocks cannot block this test as well.
import { test } from 'node:test';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { startChildServer } from '../helpers/child-server.js';
import { echotestCycle } from './cycles.js';
import { Prng } from './garbage.js';

/** Chooses, for echotestCycle, a cycle that injects and ends with detach + destroy. */
class InjectingCycle extends Prng {
  override chance(): boolean {
    return true;
  }
  override below(): number {
    return 50;
  }
}

async function echoSurvives(datagram: Buffer): Promise<void> {
  const server = await startChildServer();
  try {
    const network = new HostNetwork(await discoverNetworkHost());
    await echotestCycle({
      wsUrl: server.wsUrl,
      network,
      rng: new InjectingCycle(1),
      mountpoint: 0,
      room: 0,
      injectShare: 1,
      serverPorts: () => undefined,
      injectFrom: (socket, ports) => {
        for (const p of ports) void socket.send(datagram, ['127.0.0.1', p]);
      },
    });
  } finally {
    await server.stop();
  }
}

test('an SRTP packet with an unknown SSRC whose one-byte header extension claims 0xFFFF words neither blocks the server nor stops the call', { timeout: 60_000 }, async () => {
  // V=2 X=1, PT 96, seq 1, ts 1, SSRC 0x12345678, extension 0xBEDE of 65535 words, then a 10-byte "auth tag".
  await echoSurvives(Buffer.from('906000010000000112345678bedeffff' + '00'.repeat(10), 'hex'));
});

test('a plaintext DTLS ClientHello record after DTLS is up does not stop the call', { timeout: 60_000 }, async () => {
  // Handshake record, DTLS 1.2, epoch 0, sequence 0, 12 bytes: a client_hello header with an empty body.
  await echoSurvives(Buffer.from('16fefd0000000000000000000c010000000000000000000000', 'hex'));
});

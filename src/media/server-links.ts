// How the media layer reaches the STUN/TURN servers it is configured with, beyond the sockets the network layer
// gives it: the name lookup of a server and the TLS session on a TURN connection. Kept behind this one interface
// so that both can move to the network layer (its resolver and TLS connections) without touching the peer.
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { serverAddress } from './srflx.js';

export interface ServerLinks {
  /** A STUN/TURN server's address for a socket family: an IP literal as is, a name looked up (once). */
  resolve(host: string, family: 4 | 6): Promise<string | undefined>;
  /** TLS on top of a TCP connection to a TURN server (nat.turn_type = tls), once the handshake is done. */
  secure(socket: Socket, timeoutMs: number): Promise<Socket>;
}

async function secureTurnSocket(socket: Socket, timeoutMs: number): Promise<Socket> {
  // TLS only hides the signalling from the path; the TURN credentials authenticate us, DTLS protects the media,
  // and a relay's certificate is usually self-made, so it is not checked (as Janus does not).
  const secure = tls.connect({ socket, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('TLS handshake with the TURN server timed out')), timeoutMs);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      resolve();
    });
    secure.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  }).catch((err: unknown) => {
    secure.destroy();
    throw err;
  });
  return secure;
}

/** Today's links: node's resolver (through srflx.ts's cache) and node's TLS. */
export const serverLinks: ServerLinks = {
  resolve: serverAddress,
  secure: secureTurnSocket,
};

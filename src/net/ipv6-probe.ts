// Start-up check: can this host create a dual-stack IPv6 UDP socket at all?
import dgram from 'node:dgram';

export interface Ipv6ProbeResult {
  readonly available: boolean;
  /** Why IPv6 was found unusable (e.g. "EAFNOSUPPORT"), when it was. */
  readonly reason?: string;
}

/** Binds a throw-away udp6 socket to [::]:0 with IPV6_V6ONLY off; any failure means "no IPv6". */
export function probeIpv6(): Promise<Ipv6ProbeResult> {
  return new Promise((resolve) => {
    let socket: dgram.Socket;
    try {
      socket = dgram.createSocket({ type: 'udp6', ipv6Only: false });
    } catch (err) {
      resolve({ available: false, reason: errorCode(err) });
      return;
    }
    const done = (result: Ipv6ProbeResult): void => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(result);
    };
    socket.once('error', (err) => done({ available: false, reason: errorCode(err) }));
    socket.once('listening', () => done({ available: true }));
    try {
      socket.bind({ address: '::', port: 0, exclusive: true });
    } catch (err) {
      done({ available: false, reason: errorCode(err) });
    }
  });
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return String(err);
}

// Where forwarded media goes: a host given as a literal address or a name, in the family asked for.
import { isIP, type Network } from '../../plugin-api/index.js';
import { E, VideoRoomError } from './errors.js';

/**
 * Resolves a forwarding destination: literals as they are (whatever family was asked), names through the
 * network's resolver (the user's choice).
 */
export async function resolveHost(network: Network, host: string, family: unknown): Promise<string> {
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6')
    throw new VideoRoomError(E.INVALID_ELEMENT, `Unsupported protocol family (${typeof family === 'string' ? family : JSON.stringify(family)})`);
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = await network.resolveName(host, family === 'ipv6' ? 6 : family === 'ipv4' ? 4 : undefined);
    } catch {
      throw new VideoRoomError(E.INVALID_ELEMENT, `Could not resolve address (${host})...`);
    }
  }
  if (isIP(address) === 6 && !network.ipv6Available) throw new VideoRoomError(E.INVALID_ELEMENT, `Can't forward to ${host}: IPv6 is not available on this host`);
  return address;
}

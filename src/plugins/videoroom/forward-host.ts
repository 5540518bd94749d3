// Where forwarded media goes: a host given as a literal address or a name, in the family asked for.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { E, VideoRoomError } from './errors.js';

/** Resolves a forwarding destination: literals as they are, names through the resolver (the user's choice). */
export async function resolveHost(host: string, family: unknown, canIpv6: boolean): Promise<string> {
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') throw new VideoRoomError(E.INVALID_ELEMENT, `Unsupported protocol family (${String(family)})`);
  const literal = isIP(host);
  let address = host;
  if (literal === 0) {
    try {
      address = (await lookup(host, { family: family === 'ipv6' ? 6 : family === 'ipv4' ? 4 : 0 })).address;
    } catch {
      throw new VideoRoomError(E.INVALID_ELEMENT, `Could not resolve address (${host})...`);
    }
  }
  if (isIP(address) === 6 && !canIpv6) throw new VideoRoomError(E.INVALID_ELEMENT, `Can't forward to ${host}: IPv6 is not available on this host`);
  return address;
}

// The server-reflexive address of one of our ICE sockets, asked of the configured STUN server
// (nat.stun_server / nat.stun_port) when the PeerConnection gathers, as a full ICE agent would.
import { randomBytes } from 'node:crypto';
import { isIP } from '../net/address.js';
import type { NameResolver } from '../net/name-cache.js';
import { buildBindingRequest, parseBindingResponse, type MappedAddress } from './stun-binding.js';
import type { UdpIceTransport } from './udp-ice-transport.js';

export interface StunServer {
  readonly host: string;
  readonly port: number;
}

/**
 * A STUN/TURN server's address for a socket family: an IP literal as is (undefined when of the other family), a
 * name through the network's resolver (its cache lets a failed name be asked again later).
 */
export function serverAddress(host: string, family: 4 | 6, names: NameResolver): Promise<string | undefined> {
  if (isIP(host) !== 0) return Promise.resolve(isIP(host) === family ? host : undefined);
  return names.resolveName(host, family).then(
    (address) => address,
    () => undefined,
  );
}

/**
 * Sends a Binding request from `transport` (three tries, 200 ms apart) and returns the mapped address, or
 * undefined when the server does not answer within `timeoutMs`. A server name is looked up through `names` (the
 * peer's Network). Other datagrams are passed on untouched.
 */
export async function querySrflx(transport: UdpIceTransport, server: StunServer, names: NameResolver, timeoutMs = 700): Promise<MappedAddress | undefined> {
  const family = transport.socketType === 'udp6' ? 6 : 4;
  const address = await serverAddress(server.host, family, names);
  if (!address || !transport.canSendTo(address, server.port)) return undefined;
  const txId = randomBytes(12);
  const request = buildBindingRequest(txId);
  const previous = transport.onData;
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const done = (result: MappedAddress | undefined): void => {
      for (const t of timers) clearTimeout(t);
      if (transport.onData === listen) transport.onData = previous;
      resolve(result);
    };
    const listen = (data: Buffer, from: Readonly<[string, number]>): void => {
      const mapped = parseBindingResponse(data, txId);
      if (mapped) done(mapped);
      else previous(data, from);
    };
    transport.onData = listen;
    for (let i = 0; i < 3; i++) timers.push(setTimeout(() => void transport.send(request, [address, server.port]), i * 200));
    timers.push(setTimeout(() => done(undefined), timeoutMs));
  });
}

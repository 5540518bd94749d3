// What the host can do on the network, learnt once at start-up and shared by every socket opener.
import os from 'node:os';
import type { Family, InterfaceAddress } from './address.js';
import { probeIpv6, type Ipv6ProbeResult } from './ipv6-probe.js';

export interface NetworkHost {
  readonly ipv6Available: boolean;
  readonly ipv6Reason?: string;
  readonly interfaces: readonly InterfaceAddress[];
}

/** Lists interface addresses; IPv6 ones are dropped when the host cannot use IPv6. */
export function listInterfaces(ipv6Available: boolean): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      const family: Family = a.family === 'IPv6' ? 6 : 4;
      if (family === 6 && !ipv6Available) continue;
      out.push({ name, address: a.address, family, internal: a.internal });
    }
  }
  return out;
}

export async function discoverNetworkHost(probe: () => Promise<Ipv6ProbeResult> = probeIpv6): Promise<NetworkHost> {
  const result = await probe();
  return { ipv6Available: result.available, ipv6Reason: result.reason, interfaces: listInterfaces(result.available) };
}

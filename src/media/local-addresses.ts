// Which local addresses a PeerConnection gathers host candidates on, and which address each candidate advertises.
// Pure: decided from the NetworkHost the network layer discovered, never from os.networkInterfaces() directly.
import { isIPv4, type Family, type InterfaceAddress } from '../net/address.js';

export interface LocalAddressPolicy {
  /** Only these interfaces (names or address prefixes, as Janus `nat.ice_enforce_list`). */
  readonly iceEnforceList?: readonly string[];
  /** Never these interfaces (names or address prefixes, as Janus `nat.ice_ignore_list`). */
  readonly iceIgnoreList?: readonly string[];
  /** Gather IPv6 candidates (only honoured when the host can use IPv6). */
  readonly ipv6: boolean;
  /** Advertise these addresses instead of the local ones (Janus `nat_1_1_mapping`), per address family. */
  readonly nat1to1?: readonly string[];
}

export interface LocalEndpoint {
  /** Interface the address belongs to. */
  readonly iface: string;
  /** Address the UDP socket binds to. */
  readonly bind: string;
  /** Address written in the host candidate. */
  readonly advertise: string;
  readonly family: Family;
}

function matches(entry: string, a: InterfaceAddress): boolean {
  const e = entry.trim();
  if (e === '') return false;
  return a.name === e || a.name.startsWith(e) || a.address.startsWith(e);
}

function isLinkLocal(a: InterfaceAddress): boolean {
  return (a.family === 6 && a.address.toLowerCase().startsWith('fe80:')) || (a.family === 4 && a.address.startsWith('169.254.'));
}

/**
 * Chooses the local endpoints of a PeerConnection.
 * - With an enforce list: exactly the matching addresses (loopback included when it matches, e.g. "lo").
 * - Otherwise: every non-internal address not on the ignore list.
 * - When that leaves nothing (a host with only loopback): the loopback addresses.
 * IPv6 is used only when both the policy and the host allow it; link-local addresses are skipped.
 */
export function selectLocalEndpoints(host: { readonly ipv6Available: boolean; readonly interfaces: readonly InterfaceAddress[] }, policy: LocalAddressPolicy): LocalEndpoint[] {
  const ipv6 = policy.ipv6 && host.ipv6Available;
  const usable = host.interfaces.filter((a) => (a.family === 4 || ipv6) && !isLinkLocal(a));
  const enforce = (policy.iceEnforceList ?? []).filter((e) => e.trim() !== '');
  const ignore = (policy.iceIgnoreList ?? []).filter((e) => e.trim() !== '');
  let chosen: InterfaceAddress[];
  if (enforce.length > 0) {
    chosen = usable.filter((a) => enforce.some((e) => matches(e, a)));
  } else {
    chosen = usable.filter((a) => !a.internal && !ignore.some((e) => matches(e, a)));
    if (chosen.length === 0) chosen = usable.filter((a) => a.internal);
  }
  const seen = new Set<string>();
  const out: LocalEndpoint[] = [];
  for (const a of chosen) {
    if (seen.has(a.address)) continue;
    seen.add(a.address);
    out.push({ iface: a.name, bind: a.address, advertise: mappedAddress(a, policy.nat1to1) ?? a.address, family: a.family });
  }
  // IPv4 first: what most clients pair with first.
  out.sort((x, y) => x.family - y.family);
  return out;
}

function mappedAddress(a: InterfaceAddress, nat1to1: readonly string[] | undefined): string | undefined {
  if (!nat1to1 || a.internal) return undefined;
  return nat1to1.find((m) => (isIPv4(m) ? 4 : 6) === a.family);
}

// Bind targets or the BindError that says why not: the rules every Network implementation applies alike.
import { describeBindSpecError, isIPv4, isIPv6, resolveBindSpec, type BindTarget } from './address.js';
import { BindError } from './bind-error.js';
import type { NetworkHost } from './network-host.js';

/** Resolves a bind spec on `host` or throws a BindError that explains why it cannot be used. */
export function bindTargetOrThrow(host: NetworkHost, what: string, spec: string | undefined, port: number, v6Only = false): BindTarget {
  const r = resolveBindSpec(spec, host, { v6Only });
  if (!r.ok) {
    const family = r.error.kind === 'ipv6-unavailable' ? 6 : undefined;
    throw new BindError(what, r.error.spec, port, family, r.error.kind === 'ipv6-unavailable' ? 'EAFNOSUPPORT' : 'EADDRNOTAVAIL', describeBindSpecError(r.error));
  }
  return r.target;
}

/** The target of a socket that receives multicast `group`, or a BindError (not an address, IPv6 unavailable). */
export function multicastTargetOrThrow(host: NetworkHost, what: string, group: string, port: number): BindTarget {
  if (isIPv4(group)) return { family: 4, address: group, dualStack: false, requested: group };
  if (isIPv6(group)) {
    if (!host.ipv6Available) throw new BindError(what, group, port, 6, 'EAFNOSUPPORT', `multicast group ${group} is IPv6 but this host cannot create IPv6 sockets`);
    return { family: 6, address: group, dualStack: false, requested: group };
  }
  throw new BindError(what, group, port, undefined, 'EINVAL', `'${group}' is not a multicast address`);
}

// Parsing of bind addresses, interface names and wildcards: one pure function the whole server uses.
import { isIPv4, isIPv6 } from 'node:net';

// Address classification for the rest of the server, which imports nothing from node:net itself.
export { isIP, isIPv4, isIPv6 } from 'node:net';
/** The `{ address, family, port }` shape sockets report (werift's transports expect it). */
export type { AddressInfo } from 'node:net';

export type Family = 4 | 6;

/** One address of a local interface, as the host lists it. */
export interface InterfaceAddress {
  readonly name: string;
  readonly address: string;
  readonly family: Family;
  readonly internal: boolean;
}

/** What a bind specification resolved to. `dualStack` means an IPv6 socket that also carries IPv4. */
export interface BindTarget {
  readonly family: Family;
  readonly address: string;
  readonly dualStack: boolean;
  /** The text the user gave, when they gave one (reported back as `host`/`ip` like Janus does). */
  readonly requested?: string;
}

export type BindSpecError = { readonly kind: 'unknown'; readonly spec: string } | { readonly kind: 'ipv6-unavailable'; readonly spec: string };

export type BindResolution = { ok: true; target: BindTarget } | { ok: false; error: BindSpecError };

/** Strips brackets and a zone-less trailing dot; returns the cleaned spec or '' for "nothing given". */
export function normalizeSpec(spec: string | undefined | null): string {
  if (spec === undefined || spec === null) return '';
  let s = spec.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1).trim();
  return s;
}

export function isWildcard(spec: string): boolean {
  return spec === '0.0.0.0' || isIPv6AnyLiteral(spec);
}

function isIPv6AnyLiteral(s: string): boolean {
  if (!isIPv6(s)) return false;
  return expandIPv6(s) === '0000:0000:0000:0000:0000:0000:0000:0000';
}

/** Full 8-group lowercase form of an IPv6 literal, used to compare addresses written differently. */
export function expandIPv6(address: string): string {
  let s = address.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    s = s.slice(0, v4.index) + ((o[0] << 8) | o[1]).toString(16) + ':' + ((o[2] << 8) | o[3]).toString(16);
  }
  const halves = s.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length > 1 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** True when two address literals denote the same address (IPv6 spellings compared expanded). */
export function sameAddress(a: string, b: string): boolean {
  if (isIPv4(a) && isIPv4(b)) return a === b;
  if (isIPv6(a) && isIPv6(b)) return expandIPv6(a) === expandIPv6(b);
  return false;
}

/**
 * Turns a user's bind specification into a concrete target.
 *
 * - nothing given: dual-stack `::` when IPv6 works, else IPv4 `0.0.0.0`;
 * - `0.0.0.0`: IPv4 any; `::` (any spelling): IPv6 any, dual-stack unless `v6Only`;
 * - an address literal: must belong to a local interface (or be loopback);
 * - otherwise an interface name: its first address, IPv4 preferred (as Janus does).
 * An IPv6 result on a host without IPv6 is an error, never a silent IPv4 bind.
 */
export function resolveBindSpec(
  rawSpec: string | undefined | null,
  host: { readonly ipv6Available: boolean; readonly interfaces: readonly InterfaceAddress[] },
  options: { readonly v6Only?: boolean; readonly preferFamily?: Family } = {},
): BindResolution {
  const spec = normalizeSpec(rawSpec);
  const v6Only = options.v6Only === true;
  const v6 = (address: string, requested?: string): BindResolution =>
    host.ipv6Available
      ? { ok: true, target: { family: 6, address, dualStack: !v6Only && isIPv6AnyLiteral(address), requested } }
      : { ok: false, error: { kind: 'ipv6-unavailable', spec: requested ?? address } };

  if (spec === '') {
    if (host.ipv6Available && !v6Only) return { ok: true, target: { family: 6, address: '::', dualStack: true } };
    if (v6Only) return v6('::');
    return { ok: true, target: { family: 4, address: '0.0.0.0', dualStack: false } };
  }
  if (spec === '0.0.0.0') return { ok: true, target: { family: 4, address: '0.0.0.0', dualStack: false, requested: spec } };
  if (isIPv6AnyLiteral(spec)) return v6('::', spec);
  if (isIPv4(spec)) {
    const local = spec.startsWith('127.') || host.interfaces.some((i) => i.family === 4 && i.address === spec);
    return local ? { ok: true, target: { family: 4, address: spec, dualStack: false, requested: spec } } : { ok: false, error: { kind: 'unknown', spec } };
  }
  if (isIPv6(spec)) {
    const local = sameAddress(spec, '::1') || host.interfaces.some((i) => i.family === 6 && sameAddress(i.address, spec));
    if (!local) return { ok: false, error: { kind: 'unknown', spec } };
    return v6(spec, spec);
  }
  const named = host.interfaces.filter((i) => i.name === spec);
  if (named.length === 0) return { ok: false, error: { kind: 'unknown', spec } };
  const prefer = options.preferFamily ?? 4;
  const pick = named.find((i) => i.family === prefer && (prefer === 4 || host.ipv6Available)) ?? named.find((i) => i.family === 4) ?? named[0];
  if (pick.family === 6) return v6(pick.address, spec);
  return { ok: true, target: { family: 4, address: pick.address, dualStack: false, requested: spec } };
}

/** Explains a resolution failure in one sentence. */
export function describeBindSpecError(error: BindSpecError): string {
  switch (error.kind) {
    case 'unknown':
      return `'${error.spec}' is neither a local address, a wildcard (0.0.0.0, ::) nor a network interface name`;
    case 'ipv6-unavailable':
      return `'${error.spec}' is an IPv6 address but this host cannot create IPv6 sockets`;
  }
}

/** Address to use when sending to `target` from a socket of `socketFamily` (IPv4 targets get mapped on IPv6 sockets). */
export function destinationFor(target: string, socketFamily: Family): string {
  if (socketFamily === 6 && isIPv4(target)) return `::ffff:${target}`;
  return target;
}

/** Undoes IPv4 mapping so that logs and APIs show a plain IPv4 address. */
export function unmapAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Parses "host:port", "[v6]:port" or a bare port; returns undefined on anything else. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const t = text.trim();
  let host: string;
  let portText: string;
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    if (end < 0 || t[end + 1] !== ':') return undefined;
    host = t.slice(1, end);
    portText = t.slice(end + 2);
  } else {
    const colon = t.lastIndexOf(':');
    if (colon < 0 || t.indexOf(':') !== colon) return undefined;
    host = t.slice(0, colon);
    portText = t.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535 || host === '') return undefined;
  return { host, port };
}

// Janus's transport access lists (`acl`, `admin_acl`, `ws_acl`, `admin_ws_acl`): comma-separated prefixes of
// address text, "127.,192.168.0." or "::1"; a connection whose address starts with none of them is closed. Pure.

/** The prefixes of a list as configured (blanks dropped); an empty list lets everyone in. */
export function parseAcl(text: string): readonly string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Whether `address` (as a socket or X-Forwarded-For gives it) is allowed; IPv4 seen on a dual-stack socket counts as IPv4. */
export function aclAllows(prefixes: readonly string[], address: string | undefined): boolean {
  if (prefixes.length === 0) return true;
  if (address === undefined) return false;
  const plain = address.trim().toLowerCase();
  const text = plain.startsWith('::ffff:') && plain.includes('.') ? plain.slice(7) : plain;
  return prefixes.some((p) => text.startsWith(p.toLowerCase()));
}

/** The client address X-Forwarded-For names (its first entry), if any. */
export function forwardedFor(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

export interface AccessList {
  readonly prefixes: readonly string[];
  /** Check X-Forwarded-For as well (`acl_forwarded`). */
  readonly forwarded: boolean;
}

export function accessList(text: string, forwarded: boolean): AccessList {
  return { prefixes: parseAcl(text), forwarded };
}

/** The request-level check: with `forwarded`, the X-Forwarded-For address must be allowed too (when there is one). */
export function forwardedAllowed(acl: AccessList, headers: { readonly [name: string]: string | string[] | undefined }): boolean {
  if (!acl.forwarded || acl.prefixes.length === 0) return true;
  const xff = forwardedFor(headers['x-forwarded-for']);
  return xff === undefined || aclAllows(acl.prefixes, xff);
}

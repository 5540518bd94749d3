// A bind failure that says what failed and why, in words an operator can act on.
import type { Family } from './address.js';

const HINTS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use by another socket',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address does not belong to this host',
  EAFNOSUPPORT: 'the host does not support this address family (IPv6 disabled?)',
  EINVAL: 'the address is not valid for this socket',
};

export class BindError extends Error {
  readonly code: string;
  constructor(
    readonly what: string,
    readonly address: string,
    readonly port: number,
    readonly family: Family | undefined,
    code: string,
    detail?: string,
  ) {
    const fam = family === undefined ? '' : ` (IPv${family})`;
    const why = detail ?? HINTS[code] ?? code;
    super(`${what}: cannot bind ${formatEndpoint(address, port)}${fam}: ${why}${code && !detail ? ` [${code}]` : ''}`);
    this.name = 'BindError';
    this.code = code;
  }
}

export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function errnoCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return 'EUNKNOWN';
}

/** A Unix socket that cannot be bound to its path, and why, in the same words as BindError. */
export class UnixBindError extends Error {
  readonly code: string;
  constructor(
    readonly what: string,
    readonly path: string,
    code: string,
    detail: string,
  ) {
    super(`${what}: cannot bind Unix socket ${path}: ${detail} [${code}]`);
    this.name = 'UnixBindError';
    this.code = code;
  }
}

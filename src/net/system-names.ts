// The operating system's resolver (hosts file, then DNS), behind one process-wide cache.
import { lookup } from 'node:dns/promises';
import type { Family } from './address.js';
import { NameCache } from './name-cache.js';

export async function systemNameLookup(host: string, family: Family | undefined): Promise<string> {
  return (await lookup(host, { family: family ?? 0 })).address;
}

/** Shared by every HostNetwork, so that a name is asked of the system once for the whole process. */
export const systemNames = new NameCache(systemNameLookup);

// The messages between the supervisor of local nodes and the nodes (local-nodes.ts): a node says on which loopback
// port its private link listens; the supervisor tells every node the ports of all. Read as untrusted input, as
// any message between processes.

/** From a node to the supervisor. */
export interface LinkAnnouncement {
  readonly type: 'portunus-link';
  readonly index: number;
  readonly port: number;
}

/** From the supervisor to every node: node index → link port, for the nodes that are up. */
export interface LinkTable {
  readonly type: 'portunus-links';
  readonly ports: Readonly<Record<string, number>>;
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536;
}

export function isLinkTable(m: unknown): m is LinkTable {
  if (!m || typeof m !== 'object') return false;
  const t = m as { type?: unknown; ports?: unknown };
  if (t.type !== 'portunus-links' || !t.ports || typeof t.ports !== 'object') return false;
  return Object.entries(t.ports as Record<string, unknown>).every(([k, v]) => /^\d{1,2}$/.test(k) && isPort(v));
}

export function linkAnnouncement(index: number, port: number): LinkAnnouncement {
  return { type: 'portunus-link', index, port };
}

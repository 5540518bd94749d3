// With local nodes on one machine (cluster.local_nodes, docs/cluster.md) a session id's remainder modulo the count
// names the node that holds it, and a WHIP resource id's prefix too, so that any node routes a request by the id
// alone, without a shared table.

/** The local node (index) session `id` belongs to. */
export function ownerOfId(id: number, count: number): number {
  return id % count;
}

/** Makes a random 53-bit id one of node `index`'s: the nearest id at or below with that remainder (never 0). */
export function idOfNode(random: number, node: { readonly index: number; readonly count: number }): number {
  let base = random - (random % node.count);
  // Never past 2^53 - 1, where doubles stop being exact; never 0.
  if (Number.MAX_SAFE_INTEGER - base < node.index) base -= node.count;
  const id = base + node.index;
  return id === 0 ? node.count : id;
}

/** The prefix of node `index`'s WHIP and WHEP resource ids. */
export function resourcePrefix(index: number): string {
  return `n${index}-`;
}

/** The local node a WHIP or WHEP resource id names, if any. */
export function ownerOfResource(id: string, count: number): number | undefined {
  const m = /^n(\d{1,3})-/.exec(id);
  if (!m) return undefined;
  const index = Number(m[1]);
  return index < count ? index : undefined;
}

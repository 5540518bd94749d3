// The simulcast layer a rid names, so plugins can choose layers by number whatever the sender called them.

/**
 * The simulcast layer of a rid, 0 being the lowest quality: the names janus.js and others use say it (h/m/l,
 * f/h/q); otherwise the offer's order, highest first as browsers list them.
 */
export function substreamOf(rid: string, rids: readonly string[]): number {
  // Two naming habits: high/medium/low, and full/half/quarter. Ranks go up with quality.
  const schemes: ReadonlyArray<Record<string, number>> = [
    { l: 0, m: 1, h: 2 },
    { q: 0, h: 1, f: 2 },
  ];
  for (const rank of schemes) {
    if (rids.length > 1 && rids.every((r) => r in rank)) {
      return [...rids].sort((a, b) => rank[a] - rank[b]).indexOf(rid);
    }
  }
  const at = rids.indexOf(rid);
  return at < 0 ? 0 : rids.length - 1 - at;
}

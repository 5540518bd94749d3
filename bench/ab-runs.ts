// A/B measurements of one load on two configurations of a server, taken in pairs (both sides over the same
// window, or one right after the other in alternating order) so that a machine getting slower or faster (other
// work on a shared host, the CPU's clock) weighs on both sides alike, and their summary as medians: a single
// noisy pair moves neither figure much.

export type Side = 'a' | 'b';

/**
 * The order of `rounds` rounds, each one run of either side: a b, b a, a b, … (each round starts with the side the
 * previous one ended with), so a drift that is linear over time adds the same to both sides' sums.
 */
export function abOrder(rounds: number): Side[] {
  const order: Side[] = [];
  for (let i = 0; i < rounds; i++) order.push(...(i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)));
  return order;
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface AbSummary {
  readonly medianA: number;
  readonly medianB: number;
  /** medianB / medianA − 1: what side b costs more than side a, as a fraction (negative: less). */
  readonly cost: number;
  /** Per pair, b / a − 1 (pairs missing a side are left out). */
  readonly pairCosts: readonly number[];
  /** The median of the pairs' costs: the verdict's figure (each pair saw the same machine). */
  readonly medianPairCost: number;
  /** Whether `medianPairCost` is under `bound`. */
  readonly pass: boolean;
  readonly bound: number;
}

/**
 * Summarises paired figures of a cost (lower is better): `a[i]` and `b[i]` are pair i's measurements, NaN where
 * one failed. The verdict is on the median of the pairs' costs.
 */
export function summariseAb(a: readonly number[], b: readonly number[], bound: number): AbSummary {
  const medianA = median(a);
  const medianB = median(b);
  const pairCosts: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && a[i] > 0) pairCosts.push(b[i] / a[i] - 1);
  const medianPairCost = median(pairCosts);
  return { medianA, medianB, cost: medianB / medianA - 1, pairCosts, medianPairCost, pass: Number.isFinite(medianPairCost) && medianPairCost < bound, bound };
}

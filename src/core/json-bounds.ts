// Limits on JSON values a client can have the server keep or pass on (metadata, descriptions, display names):
// a value nested thousands deep breaks every later JSON.stringify of it with a stack overflow, and a huge one
// costs every reader. Walked iteratively, so the check itself cannot overflow.

export interface JsonBounds {
  /** Deepest nesting of objects and arrays allowed (a scalar is depth 0, `{}` is 1). */
  readonly maxDepth: number;
  /** Most values (scalars, objects, arrays, object keys) in all. */
  readonly maxNodes: number;
  /** Longest string (keys included), in UTF-16 units. */
  readonly maxStringLength: number;
}

/** What any stored client value must fit: far above what real clients send, far below what hurts. */
export const STORED_JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxNodes: 10_000, maxStringLength: 65_536 };

/** Numbers that JSON carries exactly: Janus's ids are 53-bit. */
export function isSafeId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Why `value` breaks `bounds` (a short English phrase), or undefined when it fits. */
export function jsonBoundsProblem(value: unknown, bounds: JsonBounds = STORED_JSON_BOUNDS): string | undefined {
  const stack: Array<{ readonly v: unknown; readonly depth: number }> = [{ v: value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (++nodes > bounds.maxNodes) return `more than ${bounds.maxNodes} values`;
    if (typeof v === 'string') {
      if (v.length > bounds.maxStringLength) return `a string longer than ${bounds.maxStringLength} characters`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > bounds.maxDepth) return `nested deeper than ${bounds.maxDepth} levels`;
    if (Array.isArray(v)) {
      for (const item of v) stack.push({ v: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (key.length > bounds.maxStringLength) return `a key longer than ${bounds.maxStringLength} characters`;
      nodes++;
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}

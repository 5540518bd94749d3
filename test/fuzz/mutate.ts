// Fuzz inputs: random bytes, and valid samples mutated the way broken or hostile senders break them (bit flips,
// length fields overwritten with edge values, truncation, extension, slices repeated or cut out).
import fc from 'fast-check';

type Mutation = (b: Buffer) => Buffer;

/** Values a length or count field is most often wrong with. */
const EDGE_VALUES = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

const bitFlip: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => (b) => {
  if (b.length > 0) b[at % b.length] ^= 1 << bit;
  return b;
});

const byteSet: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]) => (b) => {
  if (b.length > 0) b[at % b.length] = v;
  return b;
});

/** A 1-, 2- or 4-byte big- or little-endian field anywhere set to an edge value. */
const lengthField: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.constantFrom(...EDGE_VALUES), fc.constantFrom(1, 2, 4), fc.boolean()).map(([at, value, width, bigEndian]) => (b) => {
  if (b.length < width) return b;
  const o = at % (b.length - width + 1);
  const v = value % 2 ** (8 * width);
  if (bigEndian) b.writeUIntBE(v, o, width);
  else b.writeUIntLE(v, o, width);
  return b;
});

const truncate: fc.Arbitrary<Mutation> = fc.nat().map((n) => (b) => b.subarray(0, n % (b.length + 1)));

const extend: fc.Arbitrary<Mutation> = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => (b) => Buffer.concat([b, tail]));

/** A slice of the input repeated in place (a duplicated attribute, header, page or line). */
const repeatSlice: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 4 })).map(([at, len, times]) => (b) => {
  if (b.length === 0) return b;
  const s = at % b.length;
  const slice = b.subarray(s, Math.min(b.length, s + len));
  return Buffer.concat([b.subarray(0, s), ...Array<Buffer>(times + 1).fill(slice), b.subarray(s + slice.length)]);
});

const cutSlice: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 64 })).map(([at, len]) => (b) => {
  if (b.length === 0) return b;
  const s = at % b.length;
  return Buffer.concat([b.subarray(0, s), b.subarray(Math.min(b.length, s + len))]);
});

const mutation: fc.Arbitrary<Mutation> = fc.oneof(bitFlip, byteSet, lengthField, lengthField, truncate, extend, repeatSlice, cutSlice);

/** Random bytes (a third of inputs) or one of `samples` with 1 to 6 mutations. */
export function bytesFrom(samples: readonly Buffer[], maxRandom = 512): fc.Arbitrary<Buffer> {
  const random = fc.uint8Array({ maxLength: maxRandom }).map((a) => Buffer.from(a.buffer, a.byteOffset, a.length));
  if (samples.length === 0) return random;
  const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([s, ms]) => ms.reduce<Buffer>((b, m) => m(b), Buffer.from(s)));
  return fc.oneof({ arbitrary: random, weight: 1 }, { arbitrary: mutated, weight: 2 });
}

/** Text parsers: random strings, or mutated samples (bytes read back as latin1, so every byte survives). */
export function textFrom(samples: readonly string[], maxRandom = 512): fc.Arbitrary<string> {
  return fc.oneof(
    {
      arbitrary: bytesFrom(
        samples.map((s) => Buffer.from(s, 'latin1')),
        maxRandom,
      ).map((b) => b.toString('latin1')),
      weight: 3,
    },
    { arbitrary: fc.string({ maxLength: maxRandom, unit: 'binary' }), weight: 1 },
  );
}

/** How an input is shown in a report: hex for bytes, JSON otherwise, cut to `max` characters. */
export function describeInput(input: unknown, max = 600): string {
  let s: string;
  if (Buffer.isBuffer(input) || input instanceof Uint8Array) s = `hex:${Buffer.from(input as Uint8Array).toString('hex')}`;
  else {
    try {
      s =
        JSON.stringify(input, (_k, v: unknown) => {
          // Buffers reach a replacer already turned into { type: 'Buffer', data: [...] }.
          const o = v as { type?: unknown; data?: unknown } | null;
          if (o && typeof o === 'object' && o.type === 'Buffer' && Array.isArray(o.data)) return `hex:${Buffer.from(o.data as number[]).toString('hex')}`;
          if (typeof v === 'bigint') return v.toString();
          if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
          return v;
        }) ?? String(input);
    } catch {
      s = String(input);
    }
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

// Go's encoding/json decoding of a message into typed structs, as a strict model for tests that stand in for a Go
// consumer: the text must be valid JSON (else a syntax error, as Go's scanner); an object's keys match struct
// fields by their JSON name, exactly or else case-insensitively, and unknown keys are ignored; null leaves a
// value as it was; anything else of the wrong JSON kind, a number with a fraction or an exponent for an integer,
// a negative one for an unsigned type, or one out of the type's range is an error (Go goes on decoding and
// reports the first such error; here every one is listed). json.RawMessage takes any value as its text.

/** A parsed JSON value that keeps each number's literal (Go decides on the literal, not on a float). */
export type GoJsonValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'number'; readonly literal: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly GoJsonValue[]; readonly text: string }
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, GoJsonValue]>; readonly text: string };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Parses strict JSON (RFC 8259), keeping number literals and each array's and object's source text. */
export function parseGoJson(text: string): GoJsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`invalid character at offset ${i}: ${what}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const value = (): GoJsonValue => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<[string, GoJsonValue]> = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', entries, text: text.slice(start, i) };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('object key expected');
        const key = string();
        ws();
        if (text[i++] !== ':') fail("':' expected");
        entries.push([key, value()]);
        ws();
        const sep = text[i++];
        if (sep === '}') return { kind: 'object', entries, text: text.slice(start, i) };
        if (sep !== ',') fail("',' or '}' expected");
      }
    }
    if (c === '[') {
      i++;
      const items: GoJsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items, text: text.slice(start, i) };
      }
      for (;;) {
        items.push(value());
        ws();
        const sep = text[i++];
        if (sep === ']') return { kind: 'array', items, text: text.slice(start, i) };
        if (sep !== ',') fail("',' or ']' expected");
      }
    }
    if (c === '"') return { kind: 'string', value: string() };
    for (const [word, v] of [
      ['true', { kind: 'bool', value: true }],
      ['false', { kind: 'bool', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('a value expected');
    i += m[0].length;
    return { kind: 'number', literal: m[0] };
  };
  const string = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) return fail('a bad string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('after the top-level value');
  return v;
}

/** Go types a JSON value is decoded into. */
export type GoType =
  | { readonly go: 'string' | 'bool' | 'raw' }
  | { readonly go: 'int'; readonly name: string; readonly min: bigint; readonly max: bigint }
  | { readonly go: 'ptr'; readonly to: GoType }
  | { readonly go: 'slice'; readonly of: GoType }
  | { readonly go: 'map'; readonly of: GoType }
  | { readonly go: 'struct'; readonly name: string; readonly fields: Readonly<Record<string, GoType>> };

const intType = (name: string, min: bigint, max: bigint): GoType => ({ go: 'int', name, min, max });
export const Go = {
  string: { go: 'string' } as GoType,
  bool: { go: 'bool' } as GoType,
  /** json.RawMessage: the value's text, undecoded. */
  raw: { go: 'raw' } as GoType,
  /** Go's int on a 64-bit machine. */
  int: intType('int', -(2n ** 63n), 2n ** 63n - 1n),
  int32: intType('int32', -(2n ** 31n), 2n ** 31n - 1n),
  uint32: intType('uint32', 0n, 2n ** 32n - 1n),
  uint64: intType('uint64', 0n, 2n ** 64n - 1n),
  ptr: (to: GoType): GoType => ({ go: 'ptr', to }),
  slice: (of: GoType): GoType => ({ go: 'slice', of }),
  map: (of: GoType): GoType => ({ go: 'map', of }),
  /** fields: JSON name → type (the struct's field tags). */
  struct: (name: string, fields: Record<string, GoType>): GoType => ({ go: 'struct', name, fields }),
};

/** Decoded values: strings, booleans, bigint for integers, undefined for a nil pointer, raw text for RawMessage. */
export type GoDecoded = string | boolean | bigint | undefined | GoDecoded[] | { [k: string]: GoDecoded };

function goTypeName(t: GoType): string {
  switch (t.go) {
    case 'raw':
      return 'json.RawMessage';
    case 'int':
    case 'struct':
      return t.name;
    case 'ptr':
      return `*${goTypeName(t.to)}`;
    case 'slice':
      return `[]${goTypeName(t.of)}`;
    case 'map':
      return `map[string]${goTypeName(t.of)}`;
    default:
      return t.go;
  }
}

function zero(t: GoType): GoDecoded {
  switch (t.go) {
    case 'string':
    case 'raw':
      return t.go === 'raw' ? undefined : '';
    case 'bool':
      return false;
    case 'int':
      return 0n;
    case 'struct': {
      const o: { [k: string]: GoDecoded } = {};
      for (const [k, ft] of Object.entries(t.fields)) o[k] = zero(ft);
      return o;
    }
    default:
      return undefined; // nil pointer, slice, map
  }
}

function valueText(v: GoJsonValue): string {
  switch (v.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return String(v.value);
    case 'number':
      return v.literal;
    case 'string':
      return JSON.stringify(v.value);
    default:
      return v.text;
  }
}

/**
 * Decodes `v` into `t` as Go's json.Unmarshal would: the decoded value (with zero values where the JSON said
 * nothing) and Go's type errors, each naming the struct field (`janusEvent.opaque_id`) and the JSON kind found.
 */
export function decodeGo(v: GoJsonValue, t: GoType): { value: GoDecoded; errors: string[] } {
  const errors: string[] = [];
  const mismatch = (what: string, where: string, into: GoType): void => {
    errors.push(`json: cannot unmarshal ${what} into Go ${where === '' ? 'value' : `struct field ${where}`} of type ${goTypeName(into)}`);
  };
  const dec = (v: GoJsonValue, t: GoType, where: string, current: GoDecoded): GoDecoded => {
    if (t.go === 'raw') return valueText(v);
    if (v.kind === 'null') return t.go === 'ptr' || t.go === 'slice' || t.go === 'map' ? undefined : current;
    switch (t.go) {
      case 'ptr':
        return dec(v, t.to, where, zero(t.to));
      case 'string':
        if (v.kind === 'string') return v.value;
        break;
      case 'bool':
        if (v.kind === 'bool') return v.value;
        break;
      case 'int':
        if (v.kind === 'number') {
          if (/^-?\d+$/.test(v.literal)) {
            const n = BigInt(v.literal);
            if (n >= t.min && n <= t.max) return n;
          }
          mismatch(`number ${v.literal}`, where, t);
          return current;
        }
        break;
      case 'slice':
        if (v.kind === 'array') return v.items.map((item) => dec(item, t.of, where, zero(t.of)));
        break;
      case 'map':
        if (v.kind === 'object') {
          const o: { [k: string]: GoDecoded } = {};
          for (const [k, item] of v.entries) o[k] = dec(item, t.of, where, zero(t.of));
          return o;
        }
        break;
      case 'struct':
        if (v.kind === 'object') {
          const o = (current !== undefined && typeof current === 'object' && !Array.isArray(current) ? current : zero(t)) as { [k: string]: GoDecoded };
          for (const [key, item] of v.entries) {
            const field = key in t.fields ? key : Object.keys(t.fields).find((f) => f.toLowerCase() === key.toLowerCase());
            if (field === undefined) continue;
            o[field] = dec(item, t.fields[field], `${t.name}.${field}`, o[field]);
          }
          return o;
        }
        break;
    }
    mismatch(v.kind, where, t);
    return current;
  };
  return { value: dec(v, t, '', zero(t)), errors };
}

/** json.Unmarshal of a RawMessage (or of text): a syntax error or the decode; an absent RawMessage is Go's error. */
export function unmarshalGo(text: string | undefined, t: GoType): { value: GoDecoded; errors: string[] } {
  if (text === undefined || text === '') return { value: zero(t), errors: ['unexpected end of JSON input'] };
  let parsed: GoJsonValue;
  try {
    parsed = parseGoJson(text);
  } catch (err) {
    return { value: zero(t), errors: [(err as Error).message] };
  }
  return decodeGo(parsed, t);
}

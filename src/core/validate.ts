// Field validation for JSON requests, with Janus's wording; plugins pass their own error codes.
import { timingSafeEqual } from 'node:crypto';
import { ErrorCode, JanusError } from './errors.js';

export type JsonObject = { [key: string]: unknown };

export type FieldType = 'string' | 'integer' | 'positive' | 'boolean' | 'object' | 'array' | 'number' | 'string-array' | 'string-or-integer';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly required?: boolean;
}

const TYPE_TEXT: Record<FieldType, string> = {
  string: 'a string',
  integer: 'an integer',
  positive: 'a positive integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  number: 'a number',
  'string-array': 'an array of strings',
  'string-or-integer': 'a string or an integer',
};

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'positive':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string-array':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'string-or-integer':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  }
}

export interface ValidationCodes {
  readonly missing: number;
  readonly invalid: number;
}

export const CORE_CODES: ValidationCodes = {
  missing: ErrorCode.MISSING_MANDATORY_ELEMENT,
  invalid: ErrorCode.INVALID_ELEMENT_TYPE,
};

/** Returns the first problem with `obj` as a coded error, or undefined. `null` counts as absent. */
export function findFieldError(obj: JsonObject, specs: readonly FieldSpec[], codes: ValidationCodes = CORE_CODES, prefix = ''): JanusError | undefined {
  for (const spec of specs) {
    const value = obj[spec.name];
    if (value === undefined || value === null) {
      if (spec.required) return new JanusError(codes.missing, `${prefix}Missing mandatory element (${spec.name})`);
      continue;
    }
    if (!hasType(value, spec.type)) {
      return new JanusError(codes.invalid, `${prefix}Invalid element type (${spec.name} should be ${TYPE_TEXT[spec.type]})`);
    }
  }
  return undefined;
}

export function checkFields(obj: JsonObject, specs: readonly FieldSpec[], codes: ValidationCodes = CORE_CODES, prefix = ''): void {
  const err = findFieldError(obj, specs, codes, prefix);
  if (err) throw err;
}

/** Reads an id field that may be absent or null (treated alike). */
export function optionalId(obj: JsonObject, name: string): number | undefined {
  const v = obj[name];
  return v === undefined || v === null ? undefined : (v as number);
}

/** Compares a secret, pin or key a request gave with the expected one, in constant time. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

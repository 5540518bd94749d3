// Admin `query_eventhandler` as Janus's handlers answer it: `{"request": "tweak", ...}` changes the settings
// given (events, grouping, and each kind's own: backend and credentials, compression, retries, queue cap), all
// of them or none; the answer is {"result": 200} or {"error_code", "error"} with Janus's codes 411-413.
import { findFieldError, isJsonObject, type FieldSpec, type JsonObject } from '../core/validate.js';
import type { SettingValue } from '../config/setting.js';
import type { EventDispatcher } from './event-dispatcher.js';
import { parseEventMask } from './event-mask.js';
import { sharedSettingsProblem } from './handler-settings.js';

/** Janus's codes for a handler's Admin requests (docs/errors.md). */
export const TweakError = {
  INVALID_REQUEST: 411,
  MISSING_ELEMENT: 412,
  INVALID_ELEMENT: 413,
} as const;

const CODES = { missing: TweakError.MISSING_ELEMENT, invalid: TweakError.INVALID_ELEMENT };

const SHARED_TWEAKS: readonly FieldSpec[] = [
  { name: 'events', type: 'string' },
  { name: 'grouping', type: 'boolean' },
  { name: 'max_queued_events', type: 'positive' },
];

function failure(code: number, error: string): JsonObject {
  return { error_code: code, error };
}

export function tweakHandler(d: EventDispatcher, request: unknown): JsonObject {
  if (!isJsonObject(request)) return failure(TweakError.MISSING_ELEMENT, 'Missing mandatory element (request)');
  const bad = findFieldError(request, [{ name: 'request', type: 'string', required: true }], CODES);
  if (bad) return failure(bad.code, bad.reason);
  const verb = request.request as string;
  if (verb.toLowerCase() !== 'tweak') return failure(TweakError.INVALID_REQUEST, `Unknown request '${verb.slice(0, 100)}'`);
  const own: FieldSpec[] = Object.entries(d.kind.tweaks ?? {}).map(([name, type]) => ({ name, type }));
  const invalid = findFieldError(request, [...SHARED_TWEAKS, ...own], CODES);
  if (invalid) return failure(invalid.code, invalid.reason);

  // Checked on a copy first: a tweak that would leave the handler unable to work changes nothing.
  const next: Record<string, SettingValue> = { ...d.settings };
  for (const spec of [...SHARED_TWEAKS, ...own]) {
    const v = request[spec.name];
    if (v !== undefined && v !== null) next[spec.name] = v as SettingValue;
  }
  const problem = sharedSettingsProblem(d.kind.section, next) ?? d.kind.problem(next);
  if (problem !== undefined) return failure(TweakError.INVALID_ELEMENT, `Invalid element (${problem})`);
  Object.assign(d.settings, next);
  if (typeof request.events === 'string') d.mask = parseEventMask(request.events).mask;
  if (typeof request.grouping === 'boolean') d.format.grouping = request.grouping;
  d.boundChanged();
  return { result: 200 };
}

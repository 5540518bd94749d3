// A plugin's requests as a table: per request, the rules its fields follow and the handler that gets the body
// once they hold, typed by those rules.
import type { FieldSpec, FieldType, JsonObject } from '../core/validate.js';
import type { Jsep } from './media-types.js';
import type { PluginHandle } from './plugin.js';

/** A field's rule: its type (absent or null is allowed), or its type and `required: true`. */
export type FieldRule = FieldType | { readonly type: FieldType; readonly required: true };
/** Rules by field name, checked in the order written (the first broken one is reported). */
export type FieldRules = Readonly<Record<string, FieldRule>>;

/** The value a field type admits. */
interface FieldValues {
  string: string;
  integer: number;
  positive: number;
  boolean: boolean;
  object: JsonObject;
  array: readonly unknown[];
  number: number;
  'string-array': readonly string[];
  'string-or-integer': string | number;
}

type RuleType<R> = R extends { readonly type: infer T extends FieldType } ? T : R extends FieldType ? R : never;
type RequiredKeys<R extends FieldRules> = { [K in keyof R]: R[K] extends { readonly required: true } ? K : never }[keyof R];

/** The body a handler receives: required fields present and typed, optional ones typed or absent (or null). */
export type BodyOf<R extends FieldRules> = JsonObject & { readonly [K in RequiredKeys<R>]: FieldValues[RuleType<R[K]>] } & {
  readonly [K in Exclude<keyof R, RequiredKeys<R>>]?: FieldValues[RuleType<R[K]>] | null;
};

/** What a handler answers: the `plugindata` data, and a jsep for an offer or answer. */
export interface PluginReply {
  readonly data: JsonObject;
  readonly jsep?: Jsep;
}

/** One call of a request handler. */
export interface RequestCall<S, B extends JsonObject = JsonObject> {
  /** The plugin's own state for the handle. */
  readonly session: S;
  readonly handle: PluginHandle;
  readonly body: B;
  readonly transaction: string;
  readonly jsep?: Jsep;
}

/** A request answered in the `success` reply; it runs at once, even while the handle's `ack` requests wait. */
export interface OkRequest<S> {
  readonly answer: 'ok';
  readonly fields: FieldRules;
  run(call: RequestCall<S>): PluginReply | Promise<PluginReply>;
}

/**
 * A request acknowledged at once, then run after the handle's earlier `ack` requests, one at a time; the reply it
 * returns goes out as an event with the request's transaction (undefined: it answered by itself, or not at all).
 */
export interface AckRequest<S> {
  readonly answer: 'ack';
  readonly fields: FieldRules;
  /** The `hint` of the `ack`. */
  readonly hint?: string;
  run(call: RequestCall<S>): PluginReply | undefined | Promise<PluginReply | undefined>;
}

/** One call of a request over the Admin API (`message_plugin`): no handle, no transaction of the plugin's. */
export interface AdminCall<S, B extends JsonObject = JsonObject> {
  readonly session: S;
  readonly body: B;
}

/** An `ok` request that the Admin API may send too; `runAdmin` answers it there, `run` over a handle. */
export interface AdminRequest<S> extends OkRequest<S> {
  runAdmin(call: AdminCall<S>): JsonObject | Promise<JsonObject>;
}

/** A request; its handler throws `PluginError` for what the client should read. */
export type RequestEntry<S> = OkRequest<S> | AckRequest<S>;

/** Requests by name (the body's `request`). */
export type RequestTable<S> = Readonly<Record<string, RequestEntry<S>>>;

/**
 * Builds entries whose handler sees a body typed by its rules, for plugin state `S`:
 * `const on = requestsFor<MySession>(); const table = { list: on.ok({ id: 'integer' }, (c) => …) };`
 */
export function requestsFor<S>() {
  return {
    ok<const R extends FieldRules>(fields: R, run: (call: RequestCall<S, BodyOf<R>>) => PluginReply | Promise<PluginReply>): OkRequest<S> {
      // `run` is a method in OkRequest, so it takes this narrower body; the kit calls it only with a body that passed `fields`.
      return { answer: 'ok', fields, run };
    },
    ack<const R extends FieldRules>(fields: R, run: (call: RequestCall<S, BodyOf<R>>) => PluginReply | undefined | Promise<PluginReply | undefined>, hint?: string): AckRequest<S> {
      return { answer: 'ack', fields, hint, run };
    },
    /** An `ok` request answered the same way over a handle and over the Admin API (it needs no handle). */
    admin<const R extends FieldRules>(fields: R, run: (call: AdminCall<S, BodyOf<R>>) => JsonObject | Promise<JsonObject>): AdminRequest<S> {
      const runAdmin = run as (call: AdminCall<S>) => JsonObject | Promise<JsonObject>;
      return { answer: 'ok', fields, runAdmin, run: async (call) => ({ data: await runAdmin(call) }) };
    },
  };
}

/** The rules as `findFieldError` takes them, in the order written. */
export function fieldSpecs(rules: FieldRules): FieldSpec[] {
  return Object.entries(rules).map(([name, rule]) => (typeof rule === 'string' ? { name, type: rule } : { name, type: rule.type, required: true }));
}

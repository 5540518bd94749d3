// MQTT 5 user properties on the MQTT transport's replies, as Janus's proxy_transaction_user_properties (names of a
// request's user properties copied to its reply) and add_transaction_user_properties (pairs added to every reply).
// Pure: the settings' text in, the properties of a reply out.
import type { SettingsReader } from '../brokers/broker-settings.js';

/** User properties as the mqtt package carries them: a name, its value or its values in order. */
export type UserProperties = Record<string, string | string[]>;

export interface UserPropertyRules {
  /** Names copied from a request to its reply (exactly these names). */
  readonly proxied: readonly string[];
  /** Pairs every reply carries, in order. */
  readonly added: ReadonlyArray<readonly [string, string]>;
}

/**
 * The two settings: names comma-separated (a Janus array arrives so), pairs as `[["key", "value"], ...]` (a Janus
 * list of pairs arrives so) or `key=value` comma-separated (handier in a flag).
 */
export function readUserPropertyRules(r: SettingsReader): UserPropertyRules {
  const names = (r.string('proxy_transaction_user_properties') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const text = (r.string('add_transaction_user_properties') ?? '').trim();
  let added: Array<[string, string]> = [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      r.fail('add_transaction_user_properties', 'is not a list of ["key", "value"] pairs');
    }
    const pairs = Array.isArray(parsed) ? parsed : [];
    if (!Array.isArray(parsed) || !pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'string'))) {
      r.fail('add_transaction_user_properties', 'must be a list of ["key", "value"] pairs of strings');
    }
    added = pairs as Array<[string, string]>;
  } else if (text !== '') {
    added = text.split(',').map((item) => {
      const at = item.indexOf('=');
      if (at <= 0) r.fail('add_transaction_user_properties', `has ${JSON.stringify(item)}, not key=value`);
      return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
    });
  }
  return { proxied: names, added };
}

/** The user properties of a reply: the request's that are proxied, then the added ones; undefined when none. */
export function replyUserProperties(request: UserProperties | undefined, rules: UserPropertyRules): UserProperties | undefined {
  const out: UserProperties = {};
  const put = (name: string, value: string): void => {
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  };
  for (const name of rules.proxied) {
    const value = request?.[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) put(name, v);
  }
  for (const [k, v] of rules.added) put(k, v);
  return Object.keys(out).length > 0 ? out : undefined;
}

// One setting: its built-in value (whose type is the setting's type), what it does, and whether it works yet.

export type SettingValue = string | number | boolean;

export interface Setting<V extends SettingValue = SettingValue> {
  readonly value: V;
  readonly help: string;
  /** Accepted so that Janus configurations load, but nothing reads it yet (--help says so). */
  readonly inert?: true;
}

/** A setting that has an effect. */
export function setting<V extends SettingValue>(value: V, help: string): Setting<V> {
  return { value, help };
}

/** A setting accepted for compatibility with Janus configurations that has no effect yet. */
export function inertSetting<V extends SettingValue>(value: V, help: string): Setting<V> {
  return { value, help, inert: true };
}

/** The settings of one group, by key. */
export type SettingGroup = Readonly<Record<string, Setting>>;

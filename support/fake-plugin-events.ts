// The event handlers as a plugin sees them (PluginContext.events), with nothing behind them: what the plugin
// told them is recorded with the id of the handle it came in (none: out of any handle's context).
import type { JsonObject } from '../src/core/validate.js';
import type { PluginEvents, PluginHandle } from '../src/plugin-api/plugin.js';

export interface Told {
  readonly data: JsonObject;
  readonly handle?: number;
}

export class FakePluginEvents implements PluginEvents {
  readonly told: Told[] = [];

  /** `enabled`: whether some handler takes plugin events (a test may change it). */
  constructor(public enabled = true) {}

  notify(data: JsonObject, handle?: PluginHandle): void {
    this.told.push(handle ? { data, handle: handle.id } : { data });
  }

  /** What was told, as [name, handle id]: the name is `event`, or `status`, `textroom`, `audiobridge` where Janus names it so. */
  names(): Array<[unknown, number | undefined]> {
    return this.told.map((t) => [t.data.event ?? t.data.status ?? t.data.textroom ?? t.data.audiobridge, t.handle]);
  }

  /** The data of the first event called `name` (under `event`); throws when there is none. */
  find(name: string): JsonObject {
    const found = this.told.find((t) => t.data.event === name);
    if (!found) throw new Error(`no event ${name} among ${JSON.stringify(this.told.map((t) => t.data))}`);
    return found.data;
  }
}

// What the plugins with rooms share about keeping them: saving the `permanent` ones as `room-<id>` groups in the
// plugin's state, and picking a free room id (a number, or a UUID with `string_ids`).
import { randomUUID } from 'node:crypto';
import { uniqueId, type JsonObject, type PluginStateStore } from '../plugin-api/index.js';
import type { Logger } from '../logging/logger.js';
import { errorText } from '../logging/error-text.js';

/** Writes every permanent room to the plugin's state; throws (after logging) when it cannot. */
export function savePermanentGroups(store: PluginStateStore | undefined, permanent: ReadonlyMap<number | string, JsonObject>, log: Logger, plugin: string): void {
  if (!store) throw new Error('no state store');
  const groups: JsonObject = {};
  for (const [id, group] of permanent) groups[`room-${id}`] = group;
  try {
    store.save(groups);
  } catch (err) {
    log.error(`${plugin}: saving permanent rooms to ${store.location}: ${errorText(err)}`);
    throw err;
  }
}

/** A room id no room has. */
export function freeRoomId(stringIds: boolean, taken: (id: number | string) => boolean): number | string {
  if (!stringIds) return uniqueId((id) => taken(id));
  for (;;) {
    const id = randomUUID();
    if (!taken(id)) return id;
  }
}

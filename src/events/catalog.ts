// The event handler kinds Portunus ships: the one place a new one is named (a backend file plus one line here).
// Each kind's config section gets the shared settings (handler-settings.ts) and its own.
import type { SettingGroup } from '../config/setting.js';
import { MQTTEVH, NATSEVH, RABBITMQEVH } from './broker-kinds.js';
import type { EventHandlerKind } from './event-backend.js';
import { SHARED_HANDLER_SETTINGS } from './handler-settings.js';
import { SAMPLEEVH } from './http-backend.js';
import { WSEVH } from './ws-backend.js';

export const EVENT_HANDLER_KINDS: readonly EventHandlerKind[] = [SAMPLEEVH, WSEVH, MQTTEVH, RABBITMQEVH, NATSEVH];

/** Every setting of a kind's section: the shared ones, then its own. */
export function handlerSettings(kind: EventHandlerKind): SettingGroup {
  return { ...SHARED_HANDLER_SETTINGS, ...kind.settings };
}

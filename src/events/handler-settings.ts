// The settings every event handler has (Janus's sampleevh and wsevh share them), and the checks the config runs
// on a handler's section once its values have their types.
import { setting, type SettingGroup, type SettingValue } from '../config/setting.js';
import { parseJsonStyle } from './event-json.js';
import { parseEventMask } from './event-mask.js';

export const SHARED_HANDLER_SETTINGS: SettingGroup = {
  enabled: setting(false, 'deliver events to this handler (events.broadcast must be on too)'),
  events: setting('all', 'comma-separated types to send: sessions, handles, jsep, webrtc, media, plugins, transports, core, external; or all, none'),
  grouping: setting(true, 'send events in batches (a JSON array, up to 100 events) rather than one object each'),
  json: setting('compact', 'layout of the JSON sent: compact, plain or indented (pretty)'),
  max_queued_events: setting(10000, 'events kept for this handler while its receiver is slow or away; beyond it the oldest are dropped (counted)'),
  max_retransmissions: setting(5, 'attempts after a failed delivery before the batch is dropped (counted); 0 = none'),
  retransmissions_backoff: setting(100, 'ms before the first retry; each next one waits twice as long'),
};

/** A problem with the shared settings of a handler's section, or undefined. */
export function sharedSettingsProblem(section: string, s: Readonly<Record<string, SettingValue>>): string | undefined {
  const events = String(s.events);
  const mask = parseEventMask(events);
  if (mask.unknown.length > 0) return `${section}.events: unknown event type${mask.unknown.length > 1 ? 's' : ''} ${mask.unknown.join(', ')}`;
  if (parseJsonStyle(String(s.json)) === undefined) return `${section}.json must be compact, plain or indented, got '${String(s.json).slice(0, 40)}'`;
  for (const key of ['max_queued_events', 'max_retransmissions', 'retransmissions_backoff']) {
    const v = s[key];
    const least = key === 'max_queued_events' ? 1 : 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < least) return `${section}.${key} must be an integer >= ${least}, got ${String(v)}`;
  }
  return undefined;
}

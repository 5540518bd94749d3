// The figures every room-based plugin reports to /metrics (Plugin.metrics), under the same names, so that one
// query sums them across plugins: rooms that exist, participants in them.
import type { PluginMetric } from '../plugin-api/plugin.js';

/** A gauge without labels. */
export function gaugeOf(name: string, help: string, value: number): PluginMetric {
  return { name, help, type: 'gauge', samples: [{ value }] };
}

export function roomMetrics(rooms: number, participants: number): PluginMetric[] {
  return [gaugeOf('rooms', 'Rooms that exist now.', rooms), gaugeOf('participants', 'Participants in rooms now (a participant in several rooms counts in each).', participants)];
}

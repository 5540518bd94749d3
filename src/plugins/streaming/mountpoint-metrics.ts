// What the Streaming plugin reports to /metrics (Plugin.metrics): its mountpoints, who watches them, and what
// each stream's source sends (packets and bytes as counters, the rate of its last second: the bitrate / 8).
import type { PluginMetric, PluginMetricSample } from '../plugin.js';
import { gaugeOf } from '../room-metrics.js';
import type { StreamingState } from './streaming-state.js';

const STREAM_LABELS = ['mountpoint', 'mid', 'type'];

export function mountpointMetrics(state: StreamingState): PluginMetric[] {
  const watching = new Map<unknown, number>();
  for (const v of state.viewers.values()) if (v.mountpoint) watching.set(v.mountpoint, (watching.get(v.mountpoint) ?? 0) + 1);
  const viewers: PluginMetricSample[] = [];
  const packets: PluginMetricSample[] = [];
  const bytes: PluginMetricSample[] = [];
  const rate: PluginMetricSample[] = [];
  for (const mp of state.mountpoints.values()) {
    const mountpoint = String(mp.id);
    viewers.push({ labels: { mountpoint }, value: watching.get(mp) ?? 0 });
    for (const s of mp.streams) {
      const labels = { mountpoint, mid: s.config.mid, type: s.config.type };
      packets.push({ labels, value: s.packets });
      bytes.push({ labels, value: s.bytes });
      rate.push({ labels, value: s.byteRate });
    }
  }
  return [
    gaugeOf('mountpoints', 'Mountpoints that exist now.', state.mountpoints.size),
    { name: 'mountpoint_viewers', help: 'Handles watching each mountpoint now.', type: 'gauge', labels: ['mountpoint'], samples: viewers },
    { name: 'mountpoint_source_packets_total', help: "Packets each mountpoint stream's source sent that were handed on.", type: 'counter', labels: STREAM_LABELS, samples: packets },
    { name: 'mountpoint_source_bytes_total', help: 'Bytes of those packets (after SRTP, RTP header included).', type: 'counter', labels: STREAM_LABELS, samples: bytes },
    {
      name: 'mountpoint_source_bytes_per_second',
      help: "What each stream's source sends, in bytes per second (its bitrate / 8), over its last window of about a second (0 once silent for two).",
      type: 'gauge',
      labels: STREAM_LABELS,
      samples: rate,
    },
  ];
}

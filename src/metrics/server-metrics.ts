// The server's Prometheus metrics (docs/metrics.md): every family is filled at scrape time from state the server
// already keeps (the gateway's sessions and handles, each PeerConnection's counters, the totals of closed ones,
// the event-loop monitor, the plugins' own figures) and written straight into the text format, with the
// process's and Node.js's own metrics before them. Nothing here runs per packet.
import type { LagSource } from '../core/admin.js';
import type { Gateway } from '../core/gateway.js';
import type { DataCounters, RtpCounters } from '../core/media-counters.js';
import type { PluginRegistry } from '../core/plugin-registry.js';
import { PORTUNUS_VERSION, API_VERSION_STRING } from '../core/version.js';
import type { Logger } from '../logging/logger.js';
import { CpuPerPacket } from './cpu-per-packet.js';
import { CONTENT_TYPE, escapeLabelValue, Family, TextWriter } from './exposition.js';
import { takeMediaSnapshot, type MediaSnapshot } from './media-snapshot.js';
import { PluginMetrics } from './plugin-metrics.js';
import { ProcessMetrics } from './process-metrics.js';

export interface MetricsSources {
  readonly gateway: Gateway;
  readonly plugins: PluginRegistry;
  readonly loopLag?: LagSource;
  readonly log: Logger;
  /** The process's and Node.js's own metrics too (metrics.process_metrics). */
  readonly processMetrics: boolean;
  /** The cluster this node is in (cluster.nats), if any. */
  readonly cluster?: ClusterMetricsSource;
}

/** What the metrics read of the cluster (cluster/cluster-node.ts). */
export interface ClusterMetricsSource {
  readonly connected: boolean;
  nodes(): readonly {
    readonly name: string;
    readonly self: boolean;
    readonly lastHeartbeat: number;
    readonly load: { readonly peerconnections: number; readonly forwarded_bps: number; readonly cpu: number };
  }[];
  placements(): readonly { readonly kind: string; readonly node: string }[];
}

const RTP_KINDS = ['audio', 'video'] as const;
/** The hangup reasons that are ICE or DTLS failures (media/werift/connection-watch.ts). */
const ICE_FAILURES = new Set(['ICE failed']);
const DTLS_FAILURES = new Set(['DTLS error', 'DTLS alert', 'DTLS timeout']);

/** Packets and bytes both ways: direction, unit, the RTP counter (audio, video) and the data channel one (data). */
const MEDIA_FAMILIES: ReadonlyArray<readonly ['received' | 'sent', 'packets' | 'bytes', keyof RtpCounters, keyof DataCounters]> = [
  ['received', 'packets', 'packetsReceived', 'messagesReceived'],
  ['received', 'bytes', 'bytesReceived', 'bytesReceived'],
  ['sent', 'packets', 'packetsSent', 'messagesSent'],
  ['sent', 'bytes', 'bytesSent', 'bytesSent'],
];

/** The RTP counters as metric families: name (after `portunus_rtp_`), help, and the counter each reads. */
const RTP_FAMILIES: ReadonlyArray<readonly [string, string, keyof RtpCounters]> = [
  ['nacks_sent_total', 'Sequence numbers Portunus asked the client to send again (generic NACK; each retry counts).', 'nacksSent'],
  ['nacks_received_total', 'Sequence numbers the client asked Portunus to send again (generic NACK).', 'nacksReceived'],
  ['retransmitted_packets_total', 'RTP packets sent again from the NACK history.', 'retransmitted'],
  ['plis_sent_total', "Keyframe requests (PLI) sent to the client's sender.", 'plisSent'],
  ['plis_received_total', 'Keyframe requests (PLI or FIR) received from the client.', 'plisReceived'],
  ['lost_packets_total', 'RTP packets from the client that never arrived (cumulative lost of RFC 3550, never going down).', 'lost'],
];

type Part = (w: TextWriter, s: MediaSnapshot) => void;

export class ServerMetrics {
  readonly contentType = CONTENT_TYPE;
  private readonly processMetrics: ProcessMetrics | undefined;
  private readonly pluginMetrics: PluginMetrics;
  private readonly cpu: CpuPerPacket;
  /** Loss as counted can go down when a late packet arrives; the metric keeps the highest value seen. */
  private readonly lostSeen = new Map<string, number>();
  private readonly parts: Part[] = [];
  /** `plugin="…"` for each plugin name met (plugins are few and stay). */
  private readonly pluginLabels = new Map<string, string>();

  constructor(private readonly sources: MetricsSources) {
    if (sources.processMetrics) this.processMetrics = new ProcessMetrics();
    this.pluginMetrics = new PluginMetrics(sources.log.child({ component: 'metrics' }));
    this.cpu = new CpuPerPacket(0);

    const gauge = (name: string, help: string): Family => new Family(name, help, 'gauge');
    const counter = (name: string, help: string): Family => new Family(name, help, 'counter');
    const add = (part: Part): void => void this.parts.push(part);
    const g = sources.gateway;

    const info = gauge('portunus_info', 'Always 1; the labels say which Portunus and which Janus API version it speaks.');
    const infoSeries = `${info.name}{version="${escapeLabelValue(PORTUNUS_VERSION)}",janus_api="${escapeLabelValue(API_VERSION_STRING)}"}`;
    const sessions = gauge('portunus_sessions', 'Janus API sessions open now.');
    const handles = gauge('portunus_handles', 'Handles attached now, by plugin.');
    const pcs = gauge('portunus_peerconnections', 'PeerConnections open now, by plugin and state (new, negotiating, connecting, up).');
    const hangups = counter('portunus_peerconnection_hangups_total', 'PeerConnections closed, by hangup reason (as in the hangup event).');
    const ice = counter('portunus_ice_failures_total', 'PeerConnections closed because ICE failed (no pair in time, or consent lost).');
    const dtls = counter('portunus_dtls_failures_total', 'PeerConnections closed because DTLS failed, timed out or was closed by an alert.');
    add((w, s) => {
      w.family(info);
      w.sample(infoSeries, 1);
      w.single(sessions, s.sessions);
      w.family(handles);
      for (const [plugin, p] of s.plugins) w.sample(`${handles.name}{${this.pluginLabel(plugin)}}`, p.handles);
      w.family(pcs);
      for (const [plugin, p] of s.plugins) for (const [state, n] of p.peerConnections) w.sample(`${pcs.name}{${this.pluginLabel(plugin)},state="${escapeLabelValue(state)}"}`, n);
      w.family(hangups);
      let iceFailed = 0;
      let dtlsFailed = 0;
      for (const [reason, n] of s.hangups) {
        w.sample(`${hangups.name}{reason="${escapeLabelValue(reason)}"}`, n);
        if (ICE_FAILURES.has(reason)) iceFailed += n;
        if (DTLS_FAILURES.has(reason)) dtlsFailed += n;
      }
      w.single(ice, iceFailed);
      w.single(dtls, dtlsFailed);
    });

    // Bytes and packets both ways by plugin and kind: RTP for audio and video, messages for data.
    for (const [dir, what, rtp, data] of MEDIA_FAMILIES) {
      const f = counter(
        `portunus_media_${dir}_${what}_total`,
        `${what === 'packets' ? 'RTP packets (data: data channel messages)' : 'Bytes of RTP after the 12-byte fixed header (data: of data channel messages)'} ${dir} ${dir === 'received' ? 'from' : 'to'} clients, by plugin and kind.`,
      );
      add((w, s) => {
        w.family(f);
        for (const [plugin, p] of s.plugins) {
          if (!p.hadMedia) continue;
          const labels = this.pluginLabel(plugin);
          for (const kind of RTP_KINDS) w.sample(`${f.name}{${labels},kind="${kind}"}`, p.counters[kind][rtp]);
          w.sample(`${f.name}{${labels},kind="data"}`, p.counters.data[data]);
        }
      });
    }
    for (const [suffix, help, key] of RTP_FAMILIES) {
      const f = counter(`portunus_rtp_${suffix}`, `${help} By plugin and kind.`);
      add((w, s) => {
        w.family(f);
        for (const [plugin, p] of s.plugins) {
          if (!p.hadMedia) continue;
          const labels = this.pluginLabel(plugin);
          for (const kind of RTP_KINDS) w.sample(`${f.name}{${labels},kind="${kind}"}`, key === 'lost' ? this.monotonicLost(plugin, kind, p.counters[kind].lost) : p.counters[kind][key]);
        }
      });
    }

    const cpu = gauge(
      'portunus_forwarding_cpu_seconds_per_packet',
      "The process's CPU time over the RTP packets it sent, between scrapes at least a second apart: an upper bound of forwarding's cost per packet (absent when none was sent).",
    );
    const dropped = counter('portunus_events_dropped_total', "Events dropped because a session's queue was full (oldest first).");
    const slow = counter('portunus_slow_connections_closed_total', 'Connections closed because their client did not read what was sent.');
    const faults = counter('portunus_internal_faults_total', 'Requests that failed with an internal fault (answered 490, logged with the stack).');
    add((w, s) => {
      let sent = 0;
      for (const p of s.plugins.values()) sent += p.counters.audio.packetsSent + p.counters.video.packetsSent;
      const v = this.cpu.read(sent);
      w.family(cpu);
      if (v !== undefined) w.sample(cpu.name, v);
      w.single(dropped, g.stats.eventsDropped);
      w.single(slow, g.stats.slowConnectionsClosed);
      w.single(faults, g.stats.internalFaults);
    });

    const cluster = sources.cluster;
    if (cluster) {
      const connected = gauge('portunus_cluster_nats_connected', '1 while this node is connected to the NATS of its cluster, else 0.');
      const nodes = gauge('portunus_cluster_nodes', 'Nodes of the cluster seen alive by this node, itself included.');
      const nodePcs = gauge('portunus_cluster_node_peerconnections', 'PeerConnections of each node, as its last heartbeat said.');
      const nodeBps = gauge('portunus_cluster_node_forwarded_bits_per_second', 'Bits a second each node sent to its clients, as its last heartbeat said.');
      const nodeCpu = gauge('portunus_cluster_node_cpu_ratio', "Each node's CPU time over wall time (1 = one core), as its last heartbeat said.");
      const age = gauge('portunus_cluster_node_heartbeat_age_seconds', "Seconds since each node's last heartbeat arrived here.");
      const held = gauge('portunus_cluster_placements', 'Rooms and mountpoints held by the live nodes, by kind, counted once per node holding one.');
      add((w) => {
        w.single(connected, cluster.connected ? 1 : 0);
        const seen = cluster.nodes();
        w.single(nodes, seen.length);
        const now = Date.now();
        const perNode = (f: Family, value: (n: (typeof seen)[number]) => number): void => {
          w.family(f);
          for (const n of seen) w.sample(`${f.name}{node="${escapeLabelValue(n.name)}"}`, value(n));
        };
        perNode(nodePcs, (n) => n.load.peerconnections);
        perNode(nodeBps, (n) => n.load.forwarded_bps);
        perNode(nodeCpu, (n) => n.load.cpu);
        perNode(age, (n) => (n.self ? 0 : Math.max(0, now - n.lastHeartbeat) / 1000));
        const byKind = new Map<string, number>([
          ['videoroom', 0],
          ['streaming', 0],
        ]);
        for (const p of cluster.placements()) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
        w.family(held);
        for (const [kind, n] of byKind) w.sample(`${held.name}{kind="${escapeLabelValue(kind)}"}`, n);
      });
    }

    const lag = sources.loopLag;
    if (lag) {
      const lagGauge = gauge('portunus_event_loop_lag_seconds', 'How late timers fired in the last one-second window (as Admin get_status shows it), by statistic: mean, p99, max.');
      const worst = gauge('portunus_event_loop_lag_worst_seconds', 'The worst event-loop lag of any one-second window since start.');
      const over = counter('portunus_event_loop_lag_windows_over_threshold_total', 'One-second windows whose worst lag passed general.event_loop_lag_warn.');
      add((w) => {
        const st = lag.status();
        const ms = (k: string): number => (typeof st[k] === 'number' ? st[k] : 0) / 1000;
        w.family(lagGauge);
        for (const stat of ['mean', 'p99', 'max']) w.sample(`${lagGauge.name}{stat="${stat}"}`, ms(`${stat}_ms`));
        w.single(worst, ms('worst_ms'));
        w.single(over, typeof st.windows_over_threshold === 'number' ? st.windows_over_threshold : 0);
      });
    }
  }

  /** Reads the server once and writes every family in the Prometheus text format. */
  scrape(): Promise<string> {
    const plugins = this.sources.plugins.all();
    const snapshot = takeMediaSnapshot(
      this.sources.gateway,
      plugins.map((p) => p.descriptor.package),
    );
    const w = new TextWriter();
    this.processMetrics?.write(w);
    for (const part of this.parts) part(w, snapshot);
    this.pluginMetrics.write(plugins, w);
    return Promise.resolve(w.done());
  }

  /** Stops what the process metrics keep running (the event-loop delay histogram, the GC observer). */
  close(): void {
    this.processMetrics?.close();
  }

  private pluginLabel(plugin: string): string {
    let l = this.pluginLabels.get(plugin);
    if (l === undefined) this.pluginLabels.set(plugin, (l = `plugin="${escapeLabelValue(plugin)}"`));
    return l;
  }

  private monotonicLost(plugin: string, kind: string, lost: number): number {
    const key = `${plugin}\u0000${kind}`;
    const v = Math.max(this.lostSeen.get(key) ?? 0, lost);
    this.lostSeen.set(key, v);
    return v;
  }
}

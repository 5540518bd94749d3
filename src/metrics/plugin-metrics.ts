// The metrics plugins report (Plugin.metrics, plugin-api/plugin.ts) as Prometheus families named
// `portunus_plugin_<name>`, each sample labelled with its plugin. What a plugin gets wrong (a bad name, a counter
// without `_total`, a missing label, a type that clashes with another plugin's family of that name) is left out
// and logged once; the rest is served. A family, once reported, keeps its HELP and TYPE lines in every scrape.
import type { Logger } from '../logging/logger.js';
import type { Plugin, PluginMetric } from '../plugin-api/plugin.js';
import { escapeLabelValue, Family, type TextWriter } from './exposition.js';

const NAME = /^[a-z_][a-z0-9_]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Series one plugin family may have; beyond, the rest of that scrape's samples are dropped (a label gone wild). */
export const MAX_PLUGIN_SERIES = 5000;

interface PluginFamily {
  readonly type: 'gauge' | 'counter';
  readonly labels: readonly string[];
  readonly family: Family;
  /** This scrape's samples by series: a counter reported twice adds up, a gauge keeps the last value. */
  readonly series: Map<string, number>;
}

export class PluginMetrics {
  private readonly families = new Map<string, PluginFamily>();
  private readonly reported = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** Writes every plugin family with what the plugins report now. */
  write(plugins: readonly Plugin[], w: TextWriter): void {
    for (const f of this.families.values()) f.series.clear();
    for (const plugin of plugins) {
      if (!plugin.metrics) continue;
      const pkg = plugin.descriptor.package;
      let metrics: readonly PluginMetric[];
      try {
        metrics = plugin.metrics();
      } catch (err) {
        this.problem(`${pkg}:throw`, `plugin ${pkg}: metrics() failed, its metrics are left out: ${String(err)}`, pkg);
        continue;
      }
      for (const m of metrics) this.add(pkg, m);
    }
    for (const f of this.families.values()) {
      w.family(f.family);
      for (const [series, value] of f.series) w.sample(series, value);
    }
  }

  private add(pkg: string, m: PluginMetric): void {
    const labels = m.labels ?? [];
    const why = invalid(m, labels);
    if (why) return this.problem(`${pkg}:${m.name}`, `plugin ${pkg}: metric '${m.name}' left out: ${why}`, pkg);
    const name = `portunus_plugin_${m.name}`;
    let family = this.families.get(name);
    if (!family) {
      family = { type: m.type, labels, family: new Family(name, m.help || m.name, m.type), series: new Map() };
      this.families.set(name, family);
    } else if (family.type !== m.type || family.labels.join() !== labels.join()) {
      return this.problem(`${pkg}:${m.name}:clash`, `plugin ${pkg}: metric '${m.name}' left out: another plugin reports it as a ${family.type} with labels [${family.labels.join(', ')}]`, pkg);
    }
    const head = `${name}{plugin="${escapeLabelValue(pkg)}"`;
    let n = 0;
    for (const s of m.samples) {
      if (++n > MAX_PLUGIN_SERIES) return this.problem(`${pkg}:${m.name}:many`, `plugin ${pkg}: metric '${m.name}' has more than ${MAX_PLUGIN_SERIES} series; the rest are left out`, pkg);
      let series = head;
      let ok = Number.isFinite(s.value) && (m.type === 'gauge' || s.value >= 0);
      for (const l of labels) {
        const v = s.labels?.[l];
        if (typeof v !== 'string') ok = false;
        else series += `,${l}="${escapeLabelValue(v)}"`;
      }
      series += '}';
      if (!ok || Object.keys(s.labels ?? {}).some((k) => !labels.includes(k))) {
        this.problem(`${pkg}:${m.name}:sample`, `plugin ${pkg}: metric '${m.name}' has samples with a bad value or other labels than [${labels.join(', ')}]; those are left out`, pkg);
        continue;
      }
      family.series.set(series, family.type === 'counter' ? (family.series.get(series) ?? 0) + s.value : s.value);
    }
  }

  private problem(key: string, message: string, plugin: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.log.warn(message, { plugin });
  }
}

/** Why a plugin's family cannot be exposed as it is, or undefined. */
function invalid(m: PluginMetric, labels: readonly string[]): string | undefined {
  if (typeof m.name !== 'string' || !NAME.test(m.name)) return 'a name must match [a-z_][a-z0-9_]*';
  if (m.type !== 'gauge' && m.type !== 'counter') return "type must be 'gauge' or 'counter'";
  if (m.type === 'counter' && !m.name.endsWith('_total')) return "a counter's name ends in _total";
  if (m.type === 'gauge' && m.name.endsWith('_total')) return 'only a counter ends in _total';
  for (const l of labels) if (!LABEL.test(l) || l.startsWith('__') || l === 'plugin') return `bad label name '${l}'`;
  if (new Set(labels).size !== labels.length) return 'a label is named twice';
  return undefined;
}

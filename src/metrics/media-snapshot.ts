// One reading of the gateway for a scrape: sessions, handles and PeerConnections by plugin, and what every
// PeerConnection counted, live ones and closed ones added up by plugin (so a total never goes down).
import type { Gateway } from '../core/gateway.js';
import { addMediaCounters, emptyMediaCounters, type MediaCounters } from '../core/media-counters.js';

export interface PluginMediaSnapshot {
  handles: number;
  /** Whether the plugin ever had a PeerConnection (its media counters are shown from then on). */
  hadMedia: boolean;
  /** PeerConnections open now, by state (`new`, `negotiating`, `connecting`, `up`). */
  readonly peerConnections: Map<string, number>;
  /** Live and closed PeerConnections' counters together. */
  readonly counters: MediaCounters;
}

export interface MediaSnapshot {
  readonly sessions: number;
  /** By plugin package name: every loaded plugin, and any other that closed media was counted for. */
  readonly plugins: Map<string, PluginMediaSnapshot>;
  /** Why PeerConnections closed, since start. */
  readonly hangups: ReadonlyMap<string, number>;
}

/** Reads the gateway once; `loaded` are the package names of the plugins loaded (each gets a row, even idle). */
export function takeMediaSnapshot(gateway: Gateway, loaded: readonly string[]): MediaSnapshot {
  const plugins = new Map<string, PluginMediaSnapshot>();
  const of = (name: string): PluginMediaSnapshot => {
    let p = plugins.get(name);
    if (!p) plugins.set(name, (p = { handles: 0, hadMedia: false, peerConnections: new Map(), counters: emptyMediaCounters() }));
    return p;
  };
  for (const name of loaded) of(name);
  for (const [name, counters] of gateway.closedMedia.byPlugin) {
    const p = of(name);
    p.hadMedia = true;
    addMediaCounters(p.counters, counters);
  }
  for (const session of gateway.sessions.values()) {
    for (const handle of session.handles.values()) {
      const p = of(handle.plugin.descriptor.package);
      p.handles++;
      const media = handle.media;
      if (!media) continue;
      p.hadMedia = true;
      const state = media.state ?? 'unknown';
      p.peerConnections.set(state, (p.peerConnections.get(state) ?? 0) + 1);
      // Added in place where the media layer can; an implementation that returns its own figures is added here.
      const counters = media.counters?.(p.counters);
      if (counters && counters !== p.counters) addMediaCounters(p.counters, counters);
    }
  }
  return { sessions: gateway.sessions.size, plugins, hangups: gateway.closedMedia.hangups };
}

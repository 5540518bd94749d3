// The plugins Portunus ships: the one place a new plugin is named. Their configuration sections (Janus's
// janus.plugin.<name>.jcfg, [<section>] in ours) come from here too.
import type { Plugin } from '../plugin-api/plugin.js';

export interface CatalogEntry {
  /** The configuration section handed to the plugin whole (`PluginContext.config`). */
  readonly section: string;
  /** The package clients attach to; the plugin's descriptor must say the same. */
  readonly package: string;
  /** Loaded only when the plugin is not disabled, so naming a plugin here costs the settings code nothing. */
  load(): Promise<Plugin>;
}

export const PLUGIN_CATALOG: readonly CatalogEntry[] = [
  { section: 'echotest', package: 'janus.plugin.echotest', load: async () => new (await import('./echotest/echotest.js')).EchoTestPlugin() },
  { section: 'streaming', package: 'janus.plugin.streaming', load: async () => new (await import('./streaming/streaming.js')).StreamingPlugin() },
  { section: 'videoroom', package: 'janus.plugin.videoroom', load: async () => new (await import('./videoroom/videoroom.js')).VideoRoomPlugin() },
];

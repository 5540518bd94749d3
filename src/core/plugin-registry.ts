// The plugins this server runs, by package name.
import { errorText } from '../logging/error-text.js';
import type { Plugin, PluginContext } from '../plugin-api/plugin.js';
import { PLUGIN_API_VERSION } from '../plugin-api/version.js';
import type { Logger } from '../logging/logger.js';

/** A plugin written for another plugin API version: not loaded. */
export class PluginRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginRefusedError';
  }
}

export class PluginRegistry {
  private readonly plugins = new Map<string, Plugin>();

  /** Adds a plugin; throws `PluginRefusedError` when it declares another plugin API version than this server's. */
  register(plugin: Plugin): void {
    const name = plugin.descriptor.package;
    const declared = plugin.descriptor.apiVersion ?? 1;
    if (declared !== PLUGIN_API_VERSION) {
      throw new PluginRefusedError(`plugin ${name} is written for plugin API version ${declared}, this server has version ${PLUGIN_API_VERSION}: not loaded`);
    }
    if (this.plugins.has(name)) throw new Error(`plugin ${name} registered twice`);
    this.plugins.set(name, plugin);
  }

  get(name: string): Plugin | undefined {
    return this.plugins.get(name);
  }

  all(): Plugin[] {
    return [...this.plugins.values()];
  }

  /** Starts every plugin; one that fails to start is dropped with an error, the others go on. */
  async initAll(contextFor: (plugin: Plugin) => PluginContext, log: Logger): Promise<void> {
    for (const plugin of this.all()) {
      try {
        await plugin.init?.(contextFor(plugin));
        log.info(`plugin loaded: ${plugin.descriptor.package} ${plugin.descriptor.versionString}`, { plugin: plugin.descriptor.package });
      } catch (err) {
        log.error(`plugin ${plugin.descriptor.package} failed to start and is disabled: ${errorText(err)}`, { plugin: plugin.descriptor.package });
        this.plugins.delete(plugin.descriptor.package);
      }
    }
  }

  async destroyAll(log: Logger): Promise<void> {
    for (const plugin of this.all()) {
      try {
        await plugin.destroy?.();
      } catch (err) {
        log.warn(`plugin ${plugin.descriptor.package} failed to stop cleanly: ${String(err)}`, { plugin: plugin.descriptor.package });
      }
    }
  }

  /** The `plugins` object of `server_info`. */
  describe(): Record<string, { name: string; author: string; description: string; version_string: string; version: number }> {
    const out: Record<string, { name: string; author: string; description: string; version_string: string; version: number }> = {};
    for (const p of this.all()) {
      const d = p.descriptor;
      out[d.package] = { name: d.name, author: d.author, description: d.description, version_string: d.versionString, version: d.version };
    }
    return out;
  }
}

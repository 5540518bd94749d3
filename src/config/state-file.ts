// A plugin's saved state (permanent mountpoints, rooms) in a .jcfg file of its own, written atomically.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorText } from '../logging/error-text.js';
import { parseJcfg, type JcfgGroup } from './jcfg.js';
import { formatJcfg } from './jcfg-format.js';

/**
 * Has the shape of plugin-api/plugin.ts's PluginStateStore without importing it, since config depends on nothing of
 * ours but logging; server.ts, which hands it to the plugins, checks the fit.
 */
export class JcfgStateFile {
  constructor(readonly location: string) {}

  load(): JcfgGroup {
    let text: string;
    try {
      text = readFileSync(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read ${this.location}: ${errorText(err)}`, { cause: err });
    }
    return parseJcfg(text);
  }

  save(groups: Record<string, unknown>): void {
    const text = `# Saved by Portunus: what was created or edited with "permanent": true. Edited by hand at your own risk.\n${formatJcfg(groups as unknown as JcfgGroup)}`;
    mkdirSync(dirname(this.location), { recursive: true });
    const tmp = `${this.location}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.location);
  }
}

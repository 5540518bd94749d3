// A plugin's saved state (permanent mountpoints, rooms) in a .jcfg file of its own, written atomically.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonObject } from '../core/validate.js';
import type { PluginStateStore } from '../plugins/plugin.js';
import { parseJcfg, type JcfgGroup } from './jcfg.js';
import { formatJcfg } from './jcfg-format.js';

export class JcfgStateFile implements PluginStateStore {
  constructor(readonly location: string) {}

  load(): JsonObject {
    let text: string;
    try {
      text = readFileSync(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read ${this.location}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return parseJcfg(text) as JsonObject;
  }

  save(groups: JsonObject): void {
    const text = `# Saved by Portunus: what was created or edited with "permanent": true. Edited by hand at your own risk.\n${formatJcfg(groups as unknown as JcfgGroup)}`;
    mkdirSync(dirname(this.location), { recursive: true });
    const tmp = `${this.location}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.location);
  }
}

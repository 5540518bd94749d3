// Reads a Janus configuration folder (janus.jcfg and friends) into Portunus's sections, so a Janus deployment
// can be pointed at Portunus as it is. Settings Portunus does not have are reported, never silently dropped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '../logging/error-text.js';
import { DEFAULTS, PLUGIN_SECTIONS } from './defaults.js';
import { parseJcfg, type JcfgGroup } from './jcfg.js';
import { ConfigError } from './load.js';

export interface JanusImport {
  readonly content: JcfgGroup;
  readonly files: string[];
  readonly ignored: string[];
}

/** Janus names that differ from ours: file section.key → our section.key. */
const RENAMED: Readonly<Record<string, string>> = {
  'janus.jcfg:general.debug_level': 'general.log_level',
  'janus.jcfg:general.debug_timestamps': 'general.log_timestamps',
};

/** Which of our sections each Janus file's sections feed. */
const FILES: ReadonlyArray<{ file: string; sections: Readonly<Record<string, string>> }> = [
  { file: 'janus.jcfg', sections: { general: 'general', media: 'media', nat: 'nat', certificates: 'certificates', plugins: 'plugins' } },
  { file: 'janus.transport.http.jcfg', sections: { general: 'http', admin: 'http', cors: 'http' } },
  { file: 'janus.transport.websockets.jcfg', sections: { general: 'websockets', admin: 'websockets' } },
];

function read(path: string): JcfgGroup {
  try {
    return parseJcfg(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: ${errorText(err)}`);
  }
}

/** "libjanus_echotest.so,libjanus_sip.so" → "janus.plugin.echotest,janus.plugin.sip". */
function pluginPackages(list: string): string {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^libjanus_(\w+)\.so$/.exec(s);
      return m ? `janus.plugin.${m[1]}` : s;
    })
    .join(',');
}

export function importJanusConfig(folder: string): JanusImport {
  if (!existsSync(join(folder, 'janus.jcfg'))) throw new ConfigError(`${folder} holds no janus.jcfg`);
  const content: JcfgGroup = {};
  const files: string[] = [];
  const ignored: string[] = [];
  const defaults = DEFAULTS as unknown as Record<string, Record<string, unknown>>;
  for (const { file, sections } of FILES) {
    const path = join(folder, file);
    if (!existsSync(path)) continue;
    files.push(path);
    for (const [janusSection, group] of Object.entries(read(path))) {
      const ours = sections[janusSection];
      if (ours === undefined || typeof group !== 'object' || Array.isArray(group)) {
        ignored.push(`${file}: ${janusSection}`);
        continue;
      }
      for (const [key, value] of Object.entries(group)) {
        const renamed = RENAMED[`${file}:${janusSection}.${key}`];
        const [section, name] = renamed ? renamed.split('.') : [ours, key];
        if (!Object.prototype.hasOwnProperty.call(defaults[section], name)) {
          ignored.push(`${file}: ${janusSection}.${key}`);
          continue;
        }
        const target = ((content[section] as JcfgGroup | undefined) ??= {});
        target[name] = section === 'plugins' && name === 'disable' && typeof value === 'string' ? pluginPackages(value) : value;
      }
    }
  }
  for (const [section, pkg] of Object.entries(PLUGIN_SECTIONS)) {
    const path = join(folder, `${pkg}.jcfg`);
    if (!existsSync(path)) continue;
    files.push(path);
    content[section] = read(path);
  }
  return { content, files, ignored };
}

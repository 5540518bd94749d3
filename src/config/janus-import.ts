// Reads a Janus configuration folder (janus.jcfg and friends) into Portunus's sections, so a Janus deployment
// can be pointed at Portunus as it is. Settings Portunus does not have are reported, never silently dropped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '../logging/error-text.js';
import { DEFAULTS, EVENT_HANDLER_SECTIONS, EVENT_HANDLER_SETTINGS, PLUGIN_SECTIONS } from './defaults.js';
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
  // The MQTT file names its admin and status settings as its general ones, in groups of their own.
  ...Object.fromEntries(['subscribe_topic', 'subscribe_qos', 'publish_topic', 'publish_qos'].map((k) => [`janus.transport.mqtt.jcfg:admin.${k}`, `mqtt.admin_${k}`])),
  ...Object.fromEntries(['enabled', 'connect_message', 'disconnect_message', 'topic', 'qos', 'retain'].map((k) => [`janus.transport.mqtt.jcfg:status.${k}`, `mqtt.status_${k}`])),
  'janus.transport.mqtt.jcfg:general.ssl_enable': 'mqtt.ssl_enabled',
  'janus.transport.mqtt.jcfg:general.enable': 'mqtt.enabled',
  'janus.transport.mqtt.jcfg:admin.admin_enable': 'mqtt.admin_enabled',
  'janus.transport.rabbitmq.jcfg:general.ssl_enable': 'rabbitmq.ssl_enabled',
};

/** Which of our sections each Janus file's sections feed. */
const FILES: ReadonlyArray<{ file: string; sections: Readonly<Record<string, string>> }> = [
  { file: 'janus.jcfg', sections: { general: 'general', media: 'media', nat: 'nat', certificates: 'certificates', plugins: 'plugins', events: 'events' } },
  { file: 'janus.transport.http.jcfg', sections: { general: 'http', admin: 'http', cors: 'http' } },
  { file: 'janus.transport.websockets.jcfg', sections: { general: 'websockets', admin: 'websockets' } },
  { file: 'janus.transport.pfunix.jcfg', sections: { general: 'pfunix', admin: 'pfunix' } },
  { file: 'janus.transport.mqtt.jcfg', sections: { general: 'mqtt', admin: 'mqtt', status: 'mqtt' } },
  { file: 'janus.transport.rabbitmq.jcfg', sections: { general: 'rabbitmq', admin: 'rabbitmq' } },
  // Portunus's own, in the same shape (Janus has no NATS transport).
  { file: 'janus.transport.nats.jcfg', sections: { general: 'nats', admin: 'nats' } },
];

function read(path: string): JcfgGroup {
  try {
    return parseJcfg(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: ${errorText(err)}`);
  }
}

/** "libjanus_echotest.so,libjanus_sip.so" → "janus.plugin.echotest,janus.plugin.sip" (kind: plugin or eventhandler). */
function packagesOf(list: string, kind: 'plugin' | 'eventhandler'): string {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^libjanus_(\w+)\.so$/.exec(s);
      return m ? `janus.${kind}.${m[1]}` : s;
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
        const listsFiles = (section === 'plugins' || section === 'events') && name === 'disable' && typeof value === 'string';
        target[name] = listsFiles ? packagesOf(value, section === 'plugins' ? 'plugin' : 'eventhandler') : value;
      }
    }
  }
  for (const [section, pkg] of Object.entries(PLUGIN_SECTIONS)) {
    const path = join(folder, `${pkg}.jcfg`);
    if (!existsSync(path)) continue;
    files.push(path);
    content[section] = read(path);
  }
  // An event handler's file: its `general` group is our section of that kind (unknown keys reported).
  for (const [section, pkg] of Object.entries(EVENT_HANDLER_SECTIONS)) {
    const file = `${pkg}.jcfg`;
    const path = join(folder, file);
    if (!existsSync(path)) continue;
    files.push(path);
    const declared = EVENT_HANDLER_SETTINGS[pkg];
    const target: JcfgGroup = {};
    for (const [group, values] of Object.entries(read(path))) {
      if (group !== 'general' || typeof values !== 'object' || Array.isArray(values)) {
        ignored.push(`${file}: ${group}`);
        continue;
      }
      for (const [key, value] of Object.entries(values)) {
        if (Object.prototype.hasOwnProperty.call(declared, key)) target[key] = value;
        else ignored.push(`${file}: general.${key}`);
      }
    }
    content[section] = target;
  }
  return { content, files, ignored };
}

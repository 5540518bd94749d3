// Command-line parsing and the --help text, generated from the settings table so it cannot go stale.
import { EVENT_HANDLER_SECTIONS, EVENT_HANDLER_SETTINGS, PLUGIN_SECTIONS, PLUGIN_SETTINGS, SECTION_HELP, SETTINGS } from './config/defaults.js';
import type { Setting } from './config/setting.js';
import { PORTUNUS_VERSION } from './core/version.js';

export interface CliOptions {
  readonly help: boolean;
  readonly version: boolean;
  readonly configFile?: string;
  readonly janusConfig?: string;
  readonly overrides: Array<[string, string]>;
}

export class CliError extends Error {}

/** Understands --help, --version, --config FILE and --section.key=value (or --section.key value). */
export function parseArgs(argv: readonly string[]): CliOptions {
  let help = false;
  let version = false;
  let configFile: string | undefined;
  let janusConfig: string | undefined;
  const overrides: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-V' || arg === '--version') version = true;
    else if (arg === '-c' || arg === '--config') {
      configFile = argv[++i];
      if (configFile === undefined) throw new CliError(`${arg} needs a file name`);
    } else if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else if (arg === '--janus-config') {
      janusConfig = argv[++i];
      if (janusConfig === undefined) throw new CliError(`${arg} needs a folder`);
    } else if (arg.startsWith('--janus-config=')) janusConfig = arg.slice('--janus-config='.length);
    else if (arg.startsWith('--') && arg.includes('.')) {
      const eq = arg.indexOf('=');
      if (eq > 0) overrides.push([arg.slice(2, eq), arg.slice(eq + 1)]);
      else {
        const value = argv[++i];
        if (value === undefined) throw new CliError(`${arg} needs a value`);
        overrides.push([arg.slice(2), value]);
      }
    } else throw new CliError(`unknown argument '${arg}' (see --help)`);
  }
  return { help, version, configFile, janusConfig, overrides };
}

export function helpText(): string {
  const lines: string[] = [];
  lines.push(`Portunus ${PORTUNUS_VERSION}: a WebRTC server that speaks the Janus API.`);
  lines.push('');
  lines.push('Usage: portunus [--config FILE] [--section.key=value ...]');
  lines.push('');
  lines.push('  -c, --config FILE     read settings from FILE (.jcfg in libconfig syntax, or .json);');
  lines.push('                        also taken from the PORTUNUS_CONFIG environment variable');
  lines.push('  --janus-config DIR    read a Janus configuration folder (janus.jcfg, janus.transport.http.jcfg,');
  lines.push('                        janus.transport.websockets.jcfg, janus.plugin.<name>.jcfg,');
  lines.push('                        janus.eventhandler.sampleevh.jcfg, janus.eventhandler.wsevh.jcfg); a --config');
  lines.push('                        file given too is applied on top of it; unknown Janus settings are listed');
  lines.push('  --section.key=VALUE   set one setting, e.g. --general.session_timeout=30');
  lines.push('  -h, --help            show this text');
  lines.push('  -V, --version         print the version');
  lines.push('');
  lines.push('Settings are applied in this order: built-in defaults, the config file(s), the environment');
  lines.push('(PORTUNUS_<SECTION>_<KEY>, e.g. PORTUNUS_NAT_ICE_ENFORCE_LIST=lo), then the command line.');
  lines.push('No config file is needed: the defaults serve REST on 8088 and WebSocket on 8188.');
  lines.push('ICE is ICE-lite by default (nat.ice_lite = false: full ICE) with host candidates (loopback included when it is all there is or when');
  lines.push('nat.ice_enforce_list names lo), a server-reflexive one per socket with nat.stun_server, and a');
  lines.push('relayed one with nat.turn_server (turn_type udp, tcp or tls; turn_user/turn_pwd as long-term credentials).');
  lines.push('Every file a client names (recordings, rec_dir, file mountpoints made over the API) stays inside');
  lines.push("general.recordings_dir; the plugins' admin_key keeps room and mountpoint creation for the operator.");
  lines.push("Event handlers (docs/events.md) send Janus's events to an HTTP server ([sampleevh]) or a WebSocket server");
  lines.push("([wsevh]) when events.broadcast is true and the handler's section has enabled = true and a backend.");
  lines.push('');
  lines.push('Settings (section.key = default):');
  const describe = (name: string, setting: Setting): string => {
    const value = setting.value;
    const assignment = `${name} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
    return `    ${assignment.padEnd(44)} ${setting.help}${setting.inert ? ' (accepted, no effect yet)' : ''}`;
  };
  for (const [section, keys] of Object.entries(SETTINGS)) {
    lines.push('');
    lines.push(`  [${section}] ${SECTION_HELP[section as keyof typeof SETTINGS]}`);
    for (const [key, setting] of Object.entries(keys) as Array<[string, Setting]>) lines.push(describe(`${section}.${key}`, setting));
  }
  lines.push('');
  lines.push('Plugin settings (the general group of janus.plugin.<name>.jcfg; rooms and mountpoints are groups of their own):');
  for (const [section, pkg] of Object.entries(PLUGIN_SECTIONS)) {
    lines.push('');
    lines.push(`  [${section}] ${pkg}`);
    for (const [key, setting] of Object.entries(PLUGIN_SETTINGS[pkg] ?? {})) lines.push(describe(`${section}.${key}`, setting));
  }
  lines.push('');
  lines.push('Event handler settings (the general group of janus.eventhandler.<name>.jcfg):');
  for (const [section, pkg] of Object.entries(EVENT_HANDLER_SECTIONS)) {
    lines.push('');
    lines.push(`  [${section}] ${pkg}`);
    for (const [key, setting] of Object.entries(EVENT_HANDLER_SETTINGS[pkg] ?? {})) lines.push(describe(`${section}.${key}`, setting));
  }
  return lines.join('\n');
}

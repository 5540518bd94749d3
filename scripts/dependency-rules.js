// The import directions of docs/architecture.md as ESLint config objects: one no-restricted-imports rule per
// folder and depth, since the rule sees the import string, not the resolved file. Later objects override
// earlier ones (a rule's options do not merge), so each object carries every restriction for its files.
import { readdirSync } from 'node:fs';

/** What an import of ours is named after: a folder of src/, or a file at its root. */
const OUR_PARTS = [
  'audio',
  'brokers',
  'cluster',
  'config',
  'core',
  'events',
  'forwarding',
  'logging',
  'media',
  'metrics',
  'native',
  'net',
  'plugin-api',
  'plugins',
  'rtp',
  'transports',
  'cli.js',
  'main.js',
  'server.js',
];

/** Plugin folders every plugin may use; every other folder of src/plugins is one plugin, private to itself. */
const SHARED_PLUGIN_FOLDERS = ['mjr'];

const SOCKET_MODULES = '^(node:)?(dgram|net|tls|dns)(/.*)?$';
const WERIFT = '^werift(/.*)?$';

const NOTHING_OF_OURS = {};
const ONLY_LOGGING = { logging: 'allow' }; // error-text.ts: a caught value as text
const PLUGIN_RULE = {
  'plugin-api': 'allow',
  audio: 'allow',
  forwarding: 'allow',
  plugins: 'allow',
  rtp: 'allow',
  logging: 'allow',
};

/**
 * Per folder of src/, what it may import of ours: 'allow' (anything), 'types' (type-only imports), or
 * { allow, types } listing files of that folder; a part not named is forbidden. A folder not listed is not restricted.
 */
const AREAS = {
  net: { logging: 'allow', native: 'allow' }, // native: the batched send
  config: { logging: 'allow', plugins: { allow: ['catalog.js'] }, events: { allow: ['catalog.js'] } }, // the catalogs: plugin and event handler sections and their settings
  logging: NOTHING_OF_OURS,
  rtp: { native: 'allow' }, // native: the SRTP transform in C (the addon's loader, nothing else of ours)
  native: ONLY_LOGGING, // the addon's loader: error-text.ts for why it did not load
  core: { core: 'allow', logging: 'allow', plugins: { types: ['plugin.js'] }, 'plugin-api': { allow: ['version.js'], types: ['plugin.js', 'media-types.js', 'index.js'] } },
  transports: { transports: 'allow', core: 'allow', logging: 'allow', brokers: 'allow' }, // brokers: the broker transports' connections
  // Broker client connections, shared by the broker event handlers and the broker transports.
  brokers: { logging: 'allow', core: { types: ['validate.js'] } },
  // Many nodes over NATS: the brokers' NATS connection, the JSON type of Admin answers.
  cluster: { cluster: 'allow', brokers: 'allow', logging: 'allow', core: { types: ['validate.js'] }, net: { allow: ['address.js'] }, 'plugin-api': { types: ['plugin.js'] } }, // the door's types (PluginCluster) it implements
  metrics: { metrics: 'allow', core: 'allow', logging: 'allow', 'plugin-api': 'types' }, // reads the core's state at scrape time
  media: { media: 'allow', core: 'allow', config: 'allow', logging: 'allow', net: 'allow', rtp: 'allow', forwarding: 'allow', plugins: { types: ['plugin.js'] }, 'plugin-api': 'types' },
  plugins: PLUGIN_RULE,
  forwarding: { rtp: 'allow', logging: 'allow' },
  audio: { native: 'allow' }, // sample and file code: codecs, resampling, audio file formats; native: the libopus encoder
  // The event handlers: the core's notifier interface and JSON checks, setting types, connections through the network.
  events: {
    brokers: 'allow',
    core: { allow: ['event-notifier.js', 'validate.js'] },
    config: { allow: ['setting.js'] },
    logging: 'allow',
    net: { allow: ['address.js'], types: ['network.js'] },
  },
};

const MAX_EXTRA_DEPTH = 4;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const partEnd = (part) => (part.endsWith('.js') ? '$' : '(/|$)');

/** Import-string patterns for one folder of src/ at one depth (number of `../` that reach src/). */
function ourPatterns(area, rule, depth) {
  const up = '^' + '\\.\\./'.repeat(depth);
  const patterns = [];
  for (const part of OUR_PARTS) {
    const grant = rule[part];
    if (grant === 'allow' || part === area) continue;
    const message = `src/${area} may not import src/${part}${grant === 'types' ? ' runtime code' : ''} (docs/architecture.md, "Direction of dependencies").`;
    if (grant === 'types') {
      patterns.push({ regex: up + escape(part) + partEnd(part), allowTypeImports: true, message });
      continue;
    }
    const allowFiles = grant?.allow ?? [];
    const typeFiles = grant?.types ?? [];
    const spared = [...allowFiles, ...typeFiles].map((file) => `(?!/${escape(file)}$)`).join('');
    patterns.push({ regex: up + escape(part) + spared + partEnd(part), message });
    for (const file of typeFiles) {
      patterns.push({ regex: `${up}${escape(part)}/${escape(file)}$`, allowTypeImports: true, message: `src/${area} may import only types from src/${part}/${file}.` });
    }
  }
  return patterns;
}

/** Another plugin's folder, seen from inside one plugin (depth counts from src/). */
function otherPluginPatterns(plugin, pluginNames, depth) {
  const others = pluginNames.filter((name) => name !== plugin);
  if (others.length === 0) return [];
  const up = '^' + '\\.\\./'.repeat(depth - 1);
  return [{ regex: `${up}(${others.map(escape).join('|')})(/|$)`, message: `src/plugins/${plugin} may not import another plugin's folder; shared code goes to src/plugins/ or src/plugins/mjr/.` }];
}

/** The ESLint config objects; `baseSyntax` is the project-wide no-restricted-syntax entry, repeated where extended. */
export function dependencyRules(baseSyntax) {
  const pluginNames = readdirSync(new URL('../src/plugins/', import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !SHARED_PLUGIN_FOLDERS.includes(entry.name))
    .map((entry) => entry.name);

  // [folder under src/ ('' for its root files), our-import rule or undefined, plugin name or undefined]; parents before children.
  const scopes = [['', undefined], ...Object.keys(AREAS).map((area) => [area, AREAS[area]])];
  scopes.push(['media/werift', AREAS.media]);
  for (const name of pluginNames) scopes.push([`plugins/${name}`, PLUGIN_RULE, name]);

  const configs = [];
  for (const [folder, rule, plugin] of scopes) {
    const area = folder.split('/')[0];
    const baseDepth = folder === '' ? 0 : folder.split('/').length;
    const sockets = area !== 'net';
    const werift = !(folder === 'media/werift');
    const extraDepths = folder === '' ? [1] : Array.from({ length: MAX_EXTRA_DEPTH }, (_, i) => i + 1);
    for (const extra of extraDepths) {
      const depth = baseDepth + extra - 1;
      const files = [`src/${folder === '' ? '' : folder + '/'}${'*/'.repeat(extra - 1)}*.ts`];
      const patterns = [];
      if (sockets) patterns.push({ regex: SOCKET_MODULES, message: 'Sockets, addresses and name lookups belong to src/net (docs/architecture.md, "Why the network layer exists").' });
      if (werift) patterns.push({ regex: WERIFT, message: 'werift is reached only through src/media/werift/.' });
      if (rule) patterns.push(...ourPatterns(area, rule, depth));
      if (plugin) patterns.push(...otherPluginPatterns(plugin, pluginNames, depth));
      const syntax = [baseSyntax];
      if (sockets) syntax.push({ selector: 'ImportExpression[source.value=/^(node:)?(dgram|net|tls|dns)(\\W.*)?$/]', message: 'Sockets, addresses and name lookups belong to src/net.' });
      configs.push({ files, rules: { 'no-restricted-imports': ['error', { patterns }], 'no-restricted-syntax': ['error', ...syntax] } });
    }
  }
  return configs;
}

// --help and the settings table say which settings have no effect yet; this keeps that true to what the code reads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { EVENT_HANDLER_SECTIONS, EVENT_HANDLER_SETTINGS, PLUGIN_SECTIONS, PLUGIN_SETTINGS, SETTINGS, inertSettings } from '../../../src/config/defaults.js';
import { helpText } from '../../../src/cli.js';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

// Tests run from the project root (npm test); the sources are read as written, not as compiled.
const files = sourceFiles('src')
  .map((path) => ({ path: relative('src', path).split('\\').join('/'), text: readFileSync(path, 'utf8') }))
  .filter((f) => !f.path.startsWith('config/') && f.path !== 'cli.ts');
// Where an inert setting may still appear: the info reply and the Admin API echo what was configured.
const REPORTERS = new Set(['server.ts', 'core/admin.ts']);
/** Sections of the broker transports (transports/*-transport.ts) and the cluster's (cluster/), read by name too. */
const BROKER_TRANSPORT_SECTIONS = ['mqtt', 'rabbitmq', 'nats', 'cluster'];

/**
 * Files that read `key`: a core setting anywhere, a plugin's in the plugin's own folder, an event handler's in
 * src/events. The broker backends read their Janus-named settings by name (`r.string('client_id')`), so there a
 * quoted key counts too, outside the file that only declares them.
 */
function readers(section: string, key: string): string[] {
  const handler = EVENT_HANDLER_SECTIONS[section] !== undefined;
  // The broker transports read theirs the same way, in their own files and the shared broker connections.
  const brokerTransport = BROKER_TRANSPORT_SECTIONS.includes(section);
  const read = handler || brokerTransport ? new RegExp(`\\.${key}\\b|'${key}'`) : new RegExp(`\\.${key}\\b`);
  const inScope =
    PLUGIN_SECTIONS[section] !== undefined
      ? (path: string) => path.startsWith(`plugins/${section}/`)
      : handler
        ? (path: string) => (path.startsWith('events/') || path.startsWith('brokers/')) && path !== 'events/broker-kinds.ts'
        : brokerTransport
          ? (path: string) => path.startsWith('transports/') || path.startsWith('brokers/') || path.startsWith('cluster/') || path === 'server.ts'
          : () => true;
  return files.filter((f) => inScope(f.path) && read.test(f.text)).map((f) => f.path);
}

/** Every setting as [section, key, setting]: the core's, then each plugin's. */
function everySetting(): Array<[string, string, { help: string }]> {
  const out: Array<[string, string, { help: string }]> = [];
  for (const [section, keys] of Object.entries(SETTINGS)) for (const [key, s] of Object.entries<{ help: string }>(keys)) out.push([section, key, s]);
  for (const [section, pkg] of Object.entries(PLUGIN_SECTIONS)) for (const [key, s] of Object.entries(PLUGIN_SETTINGS[pkg] ?? {})) out.push([section, key, s]);
  for (const [section, pkg] of Object.entries(EVENT_HANDLER_SECTIONS)) for (const [key, s] of Object.entries(EVENT_HANDLER_SETTINGS[pkg] ?? {})) out.push([section, key, s]);
  return out;
}

test('every setting with an effect is read somewhere outside the settings code', () => {
  const inert = new Set(inertSettings());
  for (const [section, key] of everySetting()) {
    if (inert.has(`${section}.${key}`)) continue;
    assert.ok(readers(section, key).length > 0, `${section}.${key} is described as having an effect, but nothing reads it: mark it inert or use it`);
  }
});

test('a setting marked inert is read by nothing but the info and Admin replies', () => {
  for (const name of inertSettings()) {
    const [section = '', key = ''] = name.split('.');
    const users = readers(section, key).filter((p) => !REPORTERS.has(p));
    assert.deepEqual(users, [], `${name} is marked "no effect yet" but ${users.join(', ')} reads it: drop the inert mark`);
  }
});

test('--help lists every setting with its description, and says which have no effect yet', () => {
  const help = helpText();
  const inert = new Set(inertSettings());
  for (const [section, key, setting] of everySetting()) {
    const line = help.split('\n').find((l) => l.trimStart().startsWith(`${section}.${key} =`));
    assert.ok(line, `${section}.${key} missing from --help`);
    assert.ok(line.includes(setting.help), `${section}.${key}: description missing`);
    assert.equal(line.includes('no effect yet'), inert.has(`${section}.${key}`), `${section}.${key}: inert note`);
  }
});

test('a plugin section is checked against the settings the plugin declares', async () => {
  const { loadConfig } = await import('../../../src/config/load.js');
  const config = loadConfig({
    file: { path: 'portunus.jcfg', content: { videoroom: { general: { admin_key: 1234, nonsense: true }, 'room-1': { description: 'x' } } } },
    overrides: [
      ['streaming.string_ids', 'yes'],
      ['streaming.no_such_key', '1'],
    ],
  });
  const videoroom = config.plugins['janus.plugin.videoroom'] as { general: { admin_key: unknown } };
  assert.equal(videoroom.general.admin_key, '1234', 'a declared key gets the type of its default');
  assert.equal((config.plugins['janus.plugin.streaming'] as { string_ids: unknown }).string_ids, true);
  assert.ok(
    config.warnings.some((w) => w.includes("unknown setting 'nonsense'")),
    config.warnings.join('; '),
  );
  assert.ok(
    config.warnings.some((w) => w.includes("unknown setting 'no_such_key'")),
    config.warnings.join('; '),
  );
  assert.ok(!config.warnings.some((w) => w.includes('room-1')), "rooms are the plugin's to check");
  assert.ok(Object.isFrozen(config.core.general) && Object.isFrozen(videoroom.general), 'settings are frozen once validated');
});

// The registry takes plugins written for this plugin API version only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginRefusedError, PluginRegistry } from '../../../src/core/plugin-registry.js';
import { PLUGIN_API_VERSION } from '../../../src/plugin-api/version.js';
import type { Plugin } from '../../../src/plugin-api/plugin.js';
import { PLUGIN_CATALOG } from '../../../src/plugins/catalog.js';
import { PLUGIN_SECTIONS } from '../../../src/config/defaults.js';

function plugin(apiVersion: number | undefined): Plugin {
  return {
    descriptor: { package: 'janus.plugin.sample', name: 'Sample', author: 'test', description: 'test', version: 1, versionString: '1', apiVersion },
    createSession: () => {},
    destroySession: () => {},
    handleMessage: () => ({ kind: 'ok', data: {} }),
  };
}

test('a plugin declaring another API version is refused, naming both versions', () => {
  const registry = new PluginRegistry();
  assert.throws(
    () => registry.register(plugin(PLUGIN_API_VERSION + 1)),
    (err: unknown) => {
      assert.ok(err instanceof PluginRefusedError);
      assert.match(err.message, new RegExp(`janus\\.plugin\\.sample .*version ${PLUGIN_API_VERSION + 1}.*version ${PLUGIN_API_VERSION}`));
      return true;
    },
  );
  assert.equal(registry.get('janus.plugin.sample'), undefined);
});

test('this version, or none declared (version 1), is taken', () => {
  const registry = new PluginRegistry();
  registry.register(plugin(PLUGIN_API_VERSION));
  assert.ok(registry.get('janus.plugin.sample'));
  if (PLUGIN_API_VERSION === 1) new PluginRegistry().register(plugin(undefined));
});

test('the catalog loads each shipped plugin under the package it names, and the settings sections come from it', async () => {
  for (const entry of PLUGIN_CATALOG) {
    const p = await entry.load();
    assert.equal(p.descriptor.package, entry.package);
    assert.equal(PLUGIN_SECTIONS[entry.section], entry.package);
    new PluginRegistry().register(p);
  }
  assert.equal(Object.keys(PLUGIN_SECTIONS).length, PLUGIN_CATALOG.length);
});

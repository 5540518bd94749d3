// The server loads the catalog's plugins the configuration leaves enabled, and refuses a plugin written for
// another plugin API version with one error line, starting without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { Logger } from '../../../src/logging/logger.js';
import { PortunusServer } from '../../../src/server.js';
import { PLUGIN_API_VERSION } from '../../../src/plugin-api/version.js';
import type { Plugin } from '../../../src/plugin-api/plugin.js';

const future: Plugin = {
  descriptor: { package: 'janus.plugin.future', name: 'Future', author: 'test', description: 'test', version: 1, versionString: '1', apiVersion: PLUGIN_API_VERSION + 1 },
  createSession: () => {},
  destroySession: () => {},
  handleMessage: () => ({ kind: 'ok', data: {} }),
};

test('disabled plugins are not loaded; a plugin of another API version is refused with a clear line', async () => {
  const logs: string[] = [];
  const config = loadConfig({
    overrides: [
      ['http.http', 'false'],
      ['websockets.ws', 'false'],
      ['plugins.disable', 'janus.plugin.streaming,janus.plugin.videoroom'],
    ],
  });
  const server = new PortunusServer({
    config,
    log: Logger.create({ level: 5, sink: { write: (line) => logs.push(line) } }),
    networkHost: { ipv6Available: false, interfaces: [] },
    extraPlugins: [future],
  });
  await server.start();
  try {
    const text = logs.join('\n');
    assert.match(text, /plugin loaded: janus\.plugin\.echotest/);
    assert.match(text, /plugin disabled by configuration: janus\.plugin\.streaming/);
    assert.match(text, /plugin disabled by configuration: janus\.plugin\.videoroom/);
    assert.match(text, new RegExp(`plugin janus\\.plugin\\.future is written for plugin API version ${PLUGIN_API_VERSION + 1}, this server has version ${PLUGIN_API_VERSION}: not loaded`));
    assert.doesNotMatch(text, /plugin loaded: janus\.plugin\.(future|streaming|videoroom)/);
  } finally {
    await server.stop();
  }
});

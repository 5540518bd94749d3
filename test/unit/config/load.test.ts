import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, readConfigFile } from '../../../src/config/load.js';
import { helpText, parseArgs } from '../../../src/cli.js';
import { DEFAULTS } from '../../../src/config/defaults.js';

test('defaults need no file: REST 8088, WS 8188, 60 s sessions', () => {
  const c = loadConfig({});
  assert.equal(c.core.http.port, 8088);
  assert.equal(c.core.websockets.ws_port, 8188);
  assert.equal(c.core.http.admin_port, 7088);
  assert.equal(c.core.websockets.admin_ws_port, 7188);
  assert.equal(c.core.general.session_timeout, 60);
});

test('file < environment < command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-cfg-'));
  const path = join(dir, 'portunus.jcfg');
  writeFileSync(path, 'general: { session_timeout = 10, server_name = "file" }\nnat: { ice_enforce_list = "eth0" }\nstreaming: { rtp_port_range = "20000-20100" }\n');
  const c = loadConfig({
    file: readConfigFile(path),
    env: { PORTUNUS_GENERAL_SESSION_TIMEOUT: '30', PORTUNUS_NAT_ICE_ENFORCE_LIST: 'lo', HOME: '/x' },
    overrides: [['general.session_timeout', '45']],
  });
  assert.equal(c.core.general.session_timeout, 45);
  assert.equal(c.core.general.server_name, 'file');
  assert.equal(c.core.nat.ice_enforce_list, 'lo');
  assert.deepEqual(c.plugins['janus.plugin.streaming'], { rtp_port_range: '20000-20100' });
  assert.deepEqual(c.sources, ['defaults', path, 'environment', 'command line']);
});

test('values are coerced to the type of the default, with clear errors', () => {
  const c = loadConfig({ env: { PORTUNUS_HTTP_ADMIN_HTTP: 'yes', PORTUNUS_MEDIA_NO_MEDIA_TIMER: '3' } });
  assert.equal(c.core.http.admin_http, true);
  assert.equal(c.core.media.no_media_timer, 3);
  assert.throws(() => loadConfig({ env: { PORTUNUS_HTTP_PORT: 'eighty' } }), ConfigError);
  assert.throws(() => loadConfig({ overrides: [['http.port', '70000']] }), /port number/);
  assert.throws(() => loadConfig({ overrides: [['general.session_timeout', '-1']] }), />= 0/);
  assert.throws(() => loadConfig({ overrides: [['general.log_format', 'xml']] }), /text or json/);
});

test('unknown settings are warnings, not silent', () => {
  const c = loadConfig({ env: { PORTUNUS_GENERAL_NO_SUCH: '1', PORTUNUS_NOPE_X: '2' }, overrides: [['http.nothing', '1']] });
  assert.equal(c.warnings.length, 3);
});

test('a broken file is a ConfigError naming the file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-cfg-'));
  const path = join(dir, 'bad.jcfg');
  writeFileSync(path, 'general: {\n session_timeout = \n');
  assert.throws(
    () => readConfigFile(path),
    (err: unknown) => err instanceof ConfigError && err.message.includes(path) && /line \d/.test(err.message),
  );
  assert.throws(() => readConfigFile(join(dir, 'missing.jcfg')), /cannot read/);
  const json = join(dir, 'c.json');
  writeFileSync(json, JSON.stringify({ general: { session_timeout: 5 } }));
  assert.equal(loadConfig({ file: readConfigFile(json) }).core.general.session_timeout, 5);
});

test('command line parsing and a --help that lists every setting', () => {
  assert.deepEqual(parseArgs(['--config', 'x.jcfg', '--http.port=1', '--general.log_level', '7']), {
    help: false,
    version: false,
    configFile: 'x.jcfg',
    janusConfig: undefined,
    overrides: [
      ['http.port', '1'],
      ['general.log_level', '7'],
    ],
  });
  assert.throws(() => parseArgs(['--bogus']), /unknown argument/);
  const help = helpText();
  for (const [section, keys] of Object.entries(DEFAULTS)) for (const key of Object.keys(keys)) assert.ok(help.includes(`${section}.${key} =`), `${section}.${key}`);
  assert.match(help, /PORTUNUS_<SECTION>_<KEY>/);
});

test('event handler sections: a file (flat or its Janus general group), the environment and flags, typed and checked', () => {
  const config = loadConfig({
    file: { path: 'p.jcfg', content: { events: { broadcast: true }, sampleevh: { general: { enabled: 'yes', backend: 'http://127.0.0.1:1/e', nonsense: 1 } }, wsevh: { grouping: false } } },
    env: { PORTUNUS_SAMPLEEVH_MAX_RETRANSMISSIONS: '9', PORTUNUS_EVENTS_STATS_PERIOD: '5' },
    overrides: [
      ['sampleevh.compress', 'true'],
      ['wsevh.subprotocol', 'evh'],
    ],
  });
  assert.equal(config.core.events.broadcast, true);
  assert.equal(config.core.events.stats_period, 5);
  const sample = config.eventHandlers['janus.eventhandler.sampleevh'];
  assert.equal(sample.enabled, true);
  assert.equal(sample.backend, 'http://127.0.0.1:1/e');
  assert.equal(sample.max_retransmissions, 9);
  assert.equal(sample.compress, true);
  assert.equal(sample.grouping, true, 'a default where nothing was given');
  const ws = config.eventHandlers['janus.eventhandler.wsevh'];
  assert.equal(ws.grouping, false);
  assert.equal(ws.subprotocol, 'evh');
  assert.ok(
    config.warnings.some((w) => w.includes("unknown setting 'sampleevh.nonsense'")),
    config.warnings.join('; '),
  );
  assert.ok(Object.isFrozen(sample));
  assert.throws(() => loadConfig({ overrides: [['sampleevh.max_queued_events', 'many']] }), /expected/);
  assert.throws(() => loadConfig({ overrides: [['events.stats_period', '-1']] }), /events\.stats_period/);
});

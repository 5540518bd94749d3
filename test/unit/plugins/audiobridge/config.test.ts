// Janus's janus.plugin.audiobridge.jcfg (the sample Debian ships, and one with more keys) read through
// --janus-config into the plugin's section: nothing unknown, the rooms and settings reaching the plugin.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importJanusConfig } from '../../../../src/config/janus-import.js';
import { loadConfig } from '../../../../src/config/load.js';
import { Logger } from '../../../../src/logging/logger.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import { AudioBridgePlugin } from '../../../../src/plugins/audiobridge/audiobridge.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

const SAMPLE = '/etc/janus/janus.plugin.audiobridge.jcfg';

function folder(jcfg: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-audiobridge-cfg-'));
  writeFileSync(join(dir, 'janus.jcfg'), 'general: { debug_level = 4 }\n');
  if (jcfg === undefined) copyFileSync(SAMPLE, join(dir, 'janus.plugin.audiobridge.jcfg'));
  else writeFileSync(join(dir, 'janus.plugin.audiobridge.jcfg'), jcfg);
  return dir;
}

async function started(dir: string): Promise<{ plugin: AudioBridgePlugin; handle: FakePluginHandle; warnings: string[] }> {
  const config = loadConfig({ file: { path: 'janus', content: importJanusConfig(dir).content } });
  const plugin = new AudioBridgePlugin();
  plugin.init({
    log: Logger.create({ level: 0, timestamps: false }),
    network: new FakeNetwork(),
    config: config.plugins['janus.plugin.audiobridge'],
    recordingsDir: dir,
    relayGroup: () => new PlainRelayGroup(),
  });
  const handle = new FakePluginHandle({ id: 1 });
  plugin.createSession(handle);
  return { plugin, handle, warnings: config.warnings.filter((w) => w.includes('audiobridge')) };
}

test("Debian's sample janus.plugin.audiobridge.jcfg: read, nothing unknown, room 1234 as it says", { skip: !existsSync(SAMPLE) && 'no /etc/janus sample' }, async () => {
  const dir = folder(undefined);
  const { plugin, handle, warnings } = await started(dir);
  try {
    assert.deepEqual(warnings, []);
    const list = await sendMessage(plugin, handle, { request: 'list' });
    const rooms = list.data.list as Array<Record<string, unknown>>;
    assert.deepEqual(rooms, [{ room: 1234, description: 'Demo Room', pin_required: false, sampling_rate: 16000, spatial_audio: false, record: false, num_participants: 0, muted: false }]);
    assert.equal((await sendMessage(plugin, handle, { request: 'destroy', room: 1234, secret: 'wrong' })).data.error_code, 489);
  } finally {
    await plugin.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('general keys and rooms of a jcfg reach the plugin: admin_key, string_ids, a spatial room with groups', async () => {
  const dir = folder(
    'general: {\n  admin_key = "k"\n  lock_rtp_forward = true\n  string_ids = true\n  events = false\n  rtp_port_range = "41000-41100"\n}\nroom-abc: {\n  description = "Spatial"\n  sampling_rate = 48000\n  spatial_audio = true\n  groups = "a,b"\n  is_private = true\n}\n',
  );
  const { plugin, handle, warnings } = await started(dir);
  try {
    assert.deepEqual(warnings, []);
    assert.deepEqual((await sendMessage(plugin, handle, { request: 'list' })).data.list, [], 'private');
    const all = (await sendMessage(plugin, handle, { request: 'list', admin_key: 'k' })).data.list as Array<Record<string, unknown>>;
    assert.deepEqual(
      all.map((r) => [r.room, r.sampling_rate, r.spatial_audio]),
      [['abc', 48000, true]],
    );
    assert.equal((await sendMessage(plugin, handle, { request: 'create', room: 'x' })).data.error_code, 483, 'create needs the admin_key');
    assert.equal((await sendMessage(plugin, handle, { request: 'rtp_forward', room: 'abc', host: '127.0.0.1', port: 5000 })).data.error_code, 483, 'locked forwarding needs it too');
  } finally {
    await plugin.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

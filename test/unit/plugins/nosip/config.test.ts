// Janus's janus.plugin.nosip.jcfg (the sample Debian ships, and one with every key set) read through
// --janus-config into the plugin's section: every key known, the values reaching the plugin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJanusConfig } from '../../../../src/config/janus-import.js';
import { loadConfig } from '../../../../src/config/load.js';
import { Logger } from '../../../../src/logging/logger.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import { NoSipPlugin } from '../../../../src/plugins/nosip/nosip.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

const SAMPLE = '/etc/janus/janus.plugin.nosip.jcfg';

function folder(nosip: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-nosip-cfg-'));
  writeFileSync(join(dir, 'janus.jcfg'), 'general: { debug_level = 4 }\n');
  if (nosip === undefined) copyFileSync(SAMPLE, join(dir, 'janus.plugin.nosip.jcfg'));
  else writeFileSync(join(dir, 'janus.plugin.nosip.jcfg'), nosip);
  return dir;
}

test("Debian's sample janus.plugin.nosip.jcfg: read, nothing unknown", { skip: !existsSync(SAMPLE) && 'no /etc/janus sample' }, () => {
  const dir = folder(undefined);
  try {
    const config = loadConfig({ file: { path: 'janus', content: importJanusConfig(dir).content } });
    assert.deepEqual(config.plugins['janus.plugin.nosip'], { general: { rtp_port_range: '20000-40000' } });
    assert.deepEqual(
      config.warnings.filter((w) => w.includes('nosip')),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every key of the jcfg reaches the plugin: local_ip binds, sdp_ip is written, rtp_port_range bounds the ports', async () => {
  const dir = folder('general: {\n  local_ip = "127.0.0.1"\n  sdp_ip = "198.51.100.9"\n  rtp_port_range = "41000-41020"\n  events = false\n  dscp_audio_rtp = 46\n  dscp_video_rtp = 26\n}\n');
  try {
    const config = loadConfig({ file: { path: 'janus', content: importJanusConfig(dir).content } });
    assert.deepEqual(
      config.warnings.filter((w) => w.includes('nosip')),
      [],
    );
    const network = new FakeNetwork();
    const plugin = new NoSipPlugin();
    plugin.init({ log: Logger.create({ level: 0, timestamps: false }), network, config: config.plugins['janus.plugin.nosip'], recordingsDir: 'recordings', relayGroup: () => new PlainRelayGroup() });
    const a = new FakePluginHandle({ id: 1 });
    plugin.createSession(a);
    const offer = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n' };
    const g = await sendMessage(plugin, a, { request: 'generate' }, offer);
    const sdp = String((g.data.result as Record<string, unknown>).sdp);
    assert.match(sdp, /^c=IN IP4 198\.51\.100\.9\r$/m);
    assert.deepEqual(
      network.open.map((e) => [e.address, e.port >= 41000 && e.port <= 41020]),
      [
        ['127.0.0.1', true],
        ['127.0.0.1', true],
      ],
    );
    plugin.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

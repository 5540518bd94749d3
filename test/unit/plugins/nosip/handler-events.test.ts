// What the NoSIP tells event handlers (Janus's notify_event), on fake handles: the barebone SDP generated and
// the peer's processed (in the handle's context, not for updates), RTP forwarders started and stopped (in none);
// nothing with events = false or while no handler listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import type { JsonObject } from '../../../../src/core/validate.js';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { NoSipPlugin } from '../../../../src/plugins/nosip/nosip.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginEvents } from '../../../../support/fake-plugin-events.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { pluginDataProblems } from '../../../helpers/janus-plugin-event-schema.js';

const sdp = (...lines: string[]): string => [...lines, ''].join('\r\n');
const BROWSER_OFFER: Jsep = { type: 'offer', sdp: sdp('v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=rtpmap:111 opus/48000/2', 'a=sendrecv') };
const PEER_ANSWER = sdp('v=0', 'o=- 5 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 111', 'a=rtpmap:111 opus/48000/2', 'a=sendrecv');

function started(config: JsonObject = {}, enabled = true): { plugin: NoSipPlugin; events: FakePluginEvents; handle: FakePluginHandle } {
  const events = new FakePluginEvents(enabled);
  const plugin = new NoSipPlugin();
  plugin.init({
    log: Logger.create({ level: 0 }),
    network: new FakeNetwork(),
    config: { general: { local_ip: '127.0.0.1', rtp_port_range: '30000-30100', ...config } },
    recordingsDir: 'recordings',
    relayGroup: () => new PlainRelayGroup(),
    events,
  });
  const handle = new FakePluginHandle({ id: 3 });
  handle.media = [{ mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } }];
  plugin.createSession(handle);
  return { plugin, events, handle };
}

test("a bridged call and its forwarders as Janus's NoSIP tells event handlers", async () => {
  const { plugin, events, handle } = started();
  try {
    const generated = (await sendMessage(plugin, handle, { request: 'generate' }, BROWSER_OFFER)).data.result as JsonObject;
    const uniqueId = generated.unique_id;
    await sendMessage(plugin, handle, { request: 'process', type: 'answer', sdp: PEER_ANSWER });
    await sendMessage(plugin, handle, { request: 'generate', update: true }, BROWSER_OFFER); // an update: nothing
    const made = (await sendMessage(plugin, handle, { request: 'rtp_forward', streams: [{ type: 'audio', host: '127.0.0.1', port: 5000, pt: 100 }] })).data.result as JsonObject;
    const id = (made.forwarders as JsonObject[])[0].stream_id as number;
    await sendMessage(plugin, handle, { request: 'stop_rtp_forward', stream_id: id });
    assert.deepEqual(
      events.told.map((t) => [t.data, t.handle]),
      [
        [{ event: 'generated', type: 'offer', sdp: generated.sdp, unique_id: uniqueId }, 3],
        [{ event: 'processed', type: 'answer', sdp: PEER_ANSWER, unique_id: uniqueId }, 3],
        [{ stream_id: id, type: 'audio', host: '127.0.0.1', port: 5000, media: 'audio', pt: 100, event: 'rtp_forward' }, undefined],
        [{ event: 'stop_rtp_forward', stream_id: id }, undefined],
      ],
    );
    assert.match(String(generated.sdp), /^m=audio 300\d\d RTP\/AVP 111\r$/m);
    for (const t of events.told) assert.deepEqual(pluginDataProblems('janus.plugin.nosip', t.data), [], JSON.stringify(t.data));
  } finally {
    plugin.destroy();
  }
});

test('nothing is told with events = false in the plugin settings, or while no handler takes plugin events', async () => {
  for (const [config, enabled] of [
    [{ events: false }, true],
    [{}, false],
  ] as const) {
    const { plugin, events, handle } = started(config, enabled);
    try {
      await sendMessage(plugin, handle, { request: 'generate' }, BROWSER_OFFER);
      await sendMessage(plugin, handle, { request: 'process', type: 'answer', sdp: PEER_ANSWER });
      assert.deepEqual(events.told, []);
    } finally {
      plugin.destroy();
    }
  }
});

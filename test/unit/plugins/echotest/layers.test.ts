// The EchoTest's video layers on a fake handle: the simulcast `substream`, the VP8 `temporal` layer and the VP9
// `spatial_layer` / `temporal_layer`, as the events, skips and keyframe asks a client sees; audio goes straight back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EchoTestPlugin } from '../../../../src/plugins/echotest/echotest.js';
import type { JsonObject, MediaTrackInfo } from '../../../../src/plugin-api/index.js';
import { parseRtpHeader } from '../../../../src/rtp/rtp-header.js';
import { parseVp8Descriptor } from '../../../../src/forwarding/vp8-descriptor.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { rtp, vp8, vp9 } from '../../forwarding/rtp-packets.js';

const AUDIO: MediaTrackInfo = { mid: '0', kind: 'audio', codec: 'opus' };
const VP8: MediaTrackInfo = { mid: '1', kind: 'video', codec: 'vp8' };
const VP9: MediaTrackInfo = { mid: '1', kind: 'video', codec: 'vp9' };
const layer = (substream: number): MediaTrackInfo => ({ mid: '1', kind: 'video', codec: 'vp8', rid: ['l', 'm', 'h'][substream], substream });

function attached(): { plugin: EchoTestPlugin; handle: FakePluginHandle } {
  const plugin = new EchoTestPlugin();
  const handle = new FakePluginHandle();
  plugin.createSession(handle);
  return { plugin, handle };
}

/** The events pushed without a transaction (the layer reports), in order. */
function layerEvents(handle: FakePluginHandle): JsonObject[] {
  return handle.events.filter((e) => e.transaction === undefined).map((e) => e.data);
}

const vp8Key = (ssrc: number): Buffer => rtp(vp8(1, 0, false, true, true), { ssrc });
const vp8Delta = (ssrc: number): Buffer => rtp(vp8(2, 0, false, true, false), { ssrc });

test('audio is echoed as it came; video without a readable header too when no layer is asked', () => {
  const { plugin, handle } = attached();
  const audio = rtp(Buffer.alloc(20, 1), { pt: 111 });
  plugin.incomingRtp(handle, AUDIO, audio);
  const broken = Buffer.from([0x80, 0x60]);
  plugin.incomingRtp(handle, VP8, broken);
  assert.deepEqual(handle.rtp, [
    { mid: '0', packet: audio },
    { mid: '1', packet: broken },
  ]);
  assert.deepEqual(handle.skips, []);
});

test('simulcast: one layer echoed, switched at its keyframe with a substream event; substream asks a keyframe', async () => {
  const { plugin, handle } = attached();
  plugin.incomingRtp(handle, layer(2), vp8Delta(102));
  assert.equal(handle.rtp.length, 0, 'nothing before a keyframe of the layer');
  assert.deepEqual(handle.keyframeRequests, ['*']);
  plugin.incomingRtp(handle, layer(2), vp8Key(102));
  plugin.incomingRtp(handle, layer(0), vp8Delta(100));
  assert.deepEqual(
    handle.rtp.map((r) => r.packet.readUInt32BE(8)),
    [102],
    'only layer 2 echoed',
  );
  assert.deepEqual(handle.skips, [], 'other layers are no gap in the stream');
  assert.deepEqual(layerEvents(handle), [{ echotest: 'event', videocodec: 'vp8', substream: 2 }]);

  await sendMessage(plugin, handle, { substream: 0 });
  assert.deepEqual(layerEvents(handle).at(-1), { echotest: 'event', videocodec: 'vp8', substream: 0 }, 'the target, at once');
  assert.equal(handle.keyframeRequests.length, 2, 'a keyframe asked for the new layer');
  assert.equal(plugin.querySession(handle).substream, 2, 'still layer 2 until a keyframe of layer 0');
  plugin.incomingRtp(handle, layer(0), vp8Key(100));
  assert.deepEqual(layerEvents(handle).at(-1), { echotest: 'event', videocodec: 'vp8', substream: 0 });
  assert.equal(handle.rtp.at(-1)?.packet.readUInt32BE(8), 100);
  const info = plugin.querySession(handle);
  assert.equal(info.simulcast, true);
  assert.equal(info.substream, 0);
  assert.equal(info['substream-target'], 0);
  assert.equal(info['temporal-layer-target'], 2);
});

test('simulcast: a new offer chooses the layer again from the target kept; hangup forgets the target', async () => {
  const { plugin, handle } = attached();
  await sendMessage(plugin, handle, { substream: 1 });
  plugin.incomingRtp(handle, layer(1), vp8Key(101));
  assert.equal(plugin.querySession(handle).substream, 1);
  await sendMessage(plugin, handle, {}, { type: 'offer', sdp: 'v=0\r\n', simulcast: [{ rids: ['l', 'm', 'h'] }] });
  const info = plugin.querySession(handle);
  assert.equal(info.simulcast, true, 'the offer simulcasts');
  assert.equal(info.substream, -1, 'no layer chosen yet');
  assert.equal(info['substream-target'], 1, 'the target is kept');
  plugin.hangupMedia(handle);
  assert.equal(plugin.querySession(handle).simulcast, undefined);
  plugin.incomingRtp(handle, layer(2), vp8Key(102));
  assert.equal(plugin.querySession(handle)['substream-target'], 2, 'back to the highest layer');
  assert.equal(plugin.querySession(handle).substream, 2);
});

test('VP8 temporal: the target is an event when asked; frames above it skipped, pictures renumbered in place', async () => {
  const { plugin, handle } = attached();
  await sendMessage(plugin, handle, { temporal: 0 });
  assert.deepEqual(layerEvents(handle), [{ echotest: 'event', videocodec: 'vp8', temporal: 0 }]);
  plugin.incomingRtp(handle, VP8, rtp(vp8(10, 0, false)));
  plugin.incomingRtp(handle, VP8, rtp(vp8(11, 1, true)));
  const last = rtp(vp8(12, 0, false));
  plugin.incomingRtp(handle, VP8, last);
  assert.deepEqual(handle.skips, ['1'], 'the TL1 frame is a gap closed');
  const pictureIds = handle.rtp.map((r) => parseVp8Descriptor(r.packet.subarray(parseRtpHeader(r.packet)?.headerLength))?.pictureId);
  assert.deepEqual(pictureIds, [10, 11], 'renumbered without the dropped frame');
  assert.equal(parseVp8Descriptor(last.subarray(12))?.pictureId, 11, 'in the echoed buffer itself');
  assert.equal(layerEvents(handle).length, 1, 'no event when the layer forwarded follows the target');
});

test('VP9 SVC: layers above the targets skipped, the top one kept marked, events; going up asks a keyframe, retried', async () => {
  const { plugin, handle } = attached();
  await sendMessage(plugin, handle, { spatial_layer: 0, temporal_layer: 0 });
  assert.deepEqual(handle.keyframeRequests, [], 'going down needs no keyframe');
  const base = rtp(vp9({ p: true, b: true, e: true, sid: 0, tid: 0 }));
  plugin.incomingRtp(handle, VP9, base);
  plugin.incomingRtp(handle, VP9, rtp(vp9({ p: true, b: true, e: true, sid: 1, tid: 0 })));
  plugin.incomingRtp(handle, VP9, rtp(vp9({ p: true, b: true, e: true, sid: 0, tid: 1 })));
  assert.deepEqual(layerEvents(handle), [
    { echotest: 'event', videocodec: 'vp9', spatial_layer: 0 },
    { echotest: 'event', videocodec: 'vp9', temporal_layer: 0 },
  ]);
  assert.equal(handle.rtp.length, 1);
  assert.equal(handle.rtp[0].packet[1] & 0x80, 0x80, 'the kept top layer ends the picture');
  assert.deepEqual(handle.skips, ['1', '1']);

  await sendMessage(plugin, handle, { spatial_layer: 1 });
  assert.deepEqual(handle.keyframeRequests, ['*'], 'asked at once');
  plugin.incomingRtp(handle, VP9, rtp(vp9({ p: true, b: true, e: true, sid: 0, tid: 0 })));
  plugin.incomingRtp(handle, VP9, rtp(vp9({ p: true, b: true, e: true, sid: 0, tid: 0 })));
  assert.deepEqual(handle.keyframeRequests, ['*', '*'], 'asked again while waiting, at most once a second');
  plugin.incomingRtp(handle, VP9, rtp(vp9({ p: false, b: true, e: false, sid: 0, tid: 0 })));
  assert.deepEqual(layerEvents(handle).at(-1), { echotest: 'event', videocodec: 'vp9', spatial_layer: 1 }, 'up at the keyframe');
});

test('video off: nothing echoed; on again: a keyframe asked', async () => {
  const { plugin, handle } = attached();
  await sendMessage(plugin, handle, { video: false });
  plugin.incomingRtp(handle, VP8, vp8Key(1));
  assert.equal(handle.rtp.length, 0);
  await sendMessage(plugin, handle, { video: true });
  assert.deepEqual(handle.keyframeRequests, ['*']);
});
